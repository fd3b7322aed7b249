"""The cached batch: each text analysed once, cache rows reused as they are, lines per file, the pool,
and SQL facts with logic facts from one parse."""

from __future__ import annotations

import orjson
import pytest
import polars as pl

from collectors.sql_facts import SqlInput, compute_facts
from collectors.sql_logic import LogicInput, analyse, analyse_many, content_hash, facts_and_logic_many
from collectors.sql_logic.batch import POOL_MIN, cache_rows

SQL = "select a, b\nfrom raw.t\nwhere b > 1"


def test_identical_texts_are_analysed_once_and_keep_their_own_lines():
    items = [LogicInput("lastmile.a", "lastmile", SQL, "duckdb", 10), LogicInput("lastmile.b", "lastmile", SQL, "duckdb", 1)]
    facts, new = analyse_many(items, None)
    assert new.height == 1
    lines = [orjson.loads(e)[0]["line"] for e in facts["expressions"]]
    assert lines == [12, 3]
    assert facts["subject_id"].to_list() == ["lastmile.a", "lastmile.b"]


def test_a_cached_text_is_not_analysed_again():
    h = content_hash(SQL, "duckdb")
    # a cache row that no analysis of SQL would give: it can only come from the cache
    cached = pl.DataFrame(
        {"content_hash": [h], "classification": ["pass-through"], "relations": [["from.cache"]],
         "expressions": ["[]"], "parse_error": [None]},
        schema={"content_hash": pl.String, "classification": pl.String, "relations": pl.List(pl.String),
                "expressions": pl.String, "parse_error": pl.String},
    )
    facts, new = analyse_many([LogicInput("model.p.m", "model", SQL, "duckdb")], cached)
    assert new.height == 0
    assert facts.select("classification", "relations").row(0) == ("pass-through", ["from.cache"])


def test_the_cache_takes_dicts_too():
    h = content_hash(SQL, "duckdb")
    facts, new = analyse_many([LogicInput("model.p.m", "model", SQL, "duckdb")], {h: analyse(SQL, "duckdb")})
    assert new.height == 0 and facts["classification"][0] == "business"


def test_unparseable_sql_is_a_row_with_its_error():
    facts, _ = analyse_many([LogicInput("lastmile.x", "lastmile", "select from where (", "duckdb")], None)
    row = facts.row(0, named=True)
    assert row["classification"] == "unparsed" and row["parse_error"] and row["expressions"] == "[]"


def _texts(n: int) -> list[str]:
    return [f"select c{i}, sum(v) as total from raw.t{i % 7} where c{i} > {i} group by 1" for i in range(n)]


def test_the_pool_gives_what_one_process_gives():
    items = [LogicInput(f"model.p.m{i}", "model", sql, "duckdb") for i, sql in enumerate(_texts(POOL_MIN + 10))]
    one, _ = analyse_many(items, None, workers=1)
    pooled, new = analyse_many(items, None, workers=2)
    assert pooled.equals(one) and new.height == len(items)


def test_one_parse_gives_both_facts_as_two_would():
    inputs = [SqlInput(f"model.p.m{i}", sql, True) for i, sql in enumerate(_texts(12))]
    inputs.append(SqlInput("model.p.raw", "select * from {{ ref('m1') }} where x in (2, 1)", False))
    (facts, facts_new), (logic, logic_new) = facts_and_logic_many(inputs, "duckdb", {}, None)
    expected_facts, _ = compute_facts(inputs, "duckdb", {}, workers=1)
    items = [LogicInput(i.unique_id, "model", sql, "duckdb") for i, sql in zip(inputs, [*_texts(12), "select * from m1 where x in (2, 1)"])]
    expected_logic, _ = analyse_many(items, None, workers=1)
    assert facts.equals(expected_facts) and logic.equals(expected_logic)
    assert facts_new.height == logic_new.height == len(inputs)


def test_one_parse_computes_only_what_a_cache_lacks():
    inputs = [SqlInput(f"model.p.m{i}", sql, True) for i, sql in enumerate(_texts(4))]
    (_, facts_new), (logic, logic_new) = facts_and_logic_many(inputs, "duckdb", {}, None)
    cached_facts = {h: orjson.loads(f) for h, f in facts_new.iter_rows()}
    (_, again_facts), (logic2, again_logic) = facts_and_logic_many(inputs, "duckdb", cached_facts, logic_new)
    assert again_facts.height == 0 and again_logic.height == 0 and logic2.equals(logic)
    (_, f3), (logic3, l3) = facts_and_logic_many(inputs, "duckdb", cached_facts, None)
    assert f3.height == 0 and l3.height == 4 and logic3.equals(logic)


def test_cache_rows_hold_expressions_as_json_text():
    rows = cache_rows({"h": analyse(SQL, "duckdb")})
    assert orjson.loads(rows["expressions"][0])[0]["key"] == "b <= 1"


#: Watches the test process's children (Linux /proc) and SIGKILLs the first new one: a pool
#: worker, killed from outside as the out-of-memory killer would (a thread in the test process
#: would make the pool start its workers by forkserver instead of fork: not a collect's path).
_KILLER = """
import os, signal, sys, time
parent, me = int(sys.argv[1]), os.getpid()
def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        return fh.read()
mine = cmdline(parent)
def children():  # forked workers run the parent's command line (the resource tracker does not)
    out = set()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            if ppid == parent and cmdline(name) == mine:
                out.add(int(name))
        except (OSError, ValueError, IndexError):
            pass
    return out
before = children()
print("watching", flush=True)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    new = children() - before
    if new:
        os.kill(min(new), signal.SIGKILL)
        print("killed", min(new), flush=True)
        break
    time.sleep(0.001)
print("done", flush=True)
"""


@pytest.mark.slow
def test_both_facts_on_the_pool_survive_a_killed_worker():
    """The shared parse runs on the collectors' one pool (collectors.pool.run_chunks): a worker
    killed while it works leaves its chunks to this process, and the answers are those of one
    process."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import threading

    if not Path(f"/proc/{os.getpid()}/stat").exists():
        pytest.skip("needs Linux /proc")
    if threading.active_count() > 1:  # the pool would start its workers by forkserver (collectors.pool.context)
        pytest.skip("another thread runs in this process: the workers would not be forked")
    inputs = [SqlInput(f"model.p.m{i}", f"{sql} and id <> {i}", True) for i, sql in enumerate(_texts(POOL_MIN * 6))]
    (one_facts, _), (one_logic, _) = facts_and_logic_many(inputs, "duckdb", {}, None, workers=1)
    killer = subprocess.Popen([sys.executable, "-c", _KILLER, str(os.getpid())], stdout=subprocess.PIPE, text=True)
    try:
        assert killer.stdout.readline().strip() == "watching"
        (facts, facts_new), (logic, logic_new) = facts_and_logic_many(inputs, "duckdb", {}, None, workers=2)
        said = killer.stdout.readline()
    finally:
        killer.kill()
        killer.wait()
    assert said.startswith("killed "), "no worker was seen"
    assert facts.equals(one_facts) and logic.equals(one_logic)
    assert facts_new.height == logic_new.height == len(inputs)
