"""SQL facts of many models: cache by content hash, process pool, store frames, relations."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import orjson
import pytest
import sqlglot
from sqlglot.dialects.dialect import Dialects

from collectors.sql_facts import (
    CACHE_SCHEMA,
    SqlInput,
    classify_hardcoded,
    compiled_build,
    compute_facts,
    content_hash,
    dialect_for_adapter,
    extract_facts,
    input_hashes,
    reduce_jinja,
)
from collectors.sql_facts.parallel import POOL_MIN, _context
from collectors.sql_facts.relations import ADAPTER_DIALECTS, relation_parts
from console.store.schema import TABLES
from console.store.store import open_writer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sql_facts"


@pytest.fixture(scope="module")
def many_inputs() -> list[SqlInput]:
    """Well over POOL_MIN distinct texts: every fixture model, in variants, compiled and raw."""
    compiled = [p.read_text() for p in sorted((FIXTURES / "extract").glob("*.sql"))]
    raw = [p.read_text() for p in sorted((FIXTURES / "jinja").glob("*.sql"))]
    inputs = []
    for i in range(6):
        inputs += [SqlInput(f"model.p.c{i}_{k}", f"{sql}\n-- variant {i}\n", True) for k, sql in enumerate(compiled)]
        inputs += [SqlInput(f"model.p.r{i}_{k}", f"{sql}\n-- variant {i}\n", False) for k, sql in enumerate(raw)]
    assert len(inputs) >= 2 * POOL_MIN
    return inputs


def test_content_hash_is_of_dialect_and_text():
    h = content_hash("select 1", "duckdb")
    assert h == content_hash("select 1", "duckdb")
    assert len(h) == 40 and int(h, 16) >= 0
    assert h != content_hash("select 1 ", "duckdb")
    assert h != content_hash("select 1", "postgres")
    assert h != content_hash("select 1", "")


def test_raw_sql_is_hashed_after_jinja_reduction():
    raw = SqlInput("model.p.a", "select * from {{ ref('orders') }}", False)
    compiled = SqlInput("model.p.b", "select * from orders", True)
    assert input_hashes([raw, compiled], "duckdb") == [content_hash("select * from orders", "duckdb")] * 2


def test_frame_has_the_columns_of_the_store_table():
    inputs = [
        SqlInput("model.p.a", "select * from raw.orders where volume_ml > 50", True),
        SqlInput("model.p.b", "select from where", True),
        SqlInput("model.p.c", "select x from {{ source('s', 't') }}", False),
    ]
    frame, new_cache = compute_facts(inputs, "duckdb", {})
    assert frame.columns == list(TABLES["sql_facts"].column_names)
    assert new_cache.columns == list(TABLES["sql_facts_cache"].column_names) == list(CACHE_SCHEMA)
    rows = frame.to_dicts()
    assert [r["unique_id"] for r in rows] == ["model.p.a", "model.p.b", "model.p.c"]
    assert rows[0]["tables_read"] == ["raw.orders"] and rows[0]["select_star"] is True
    assert json.loads(rows[0]["literal_filters"]) == [{"column": "volume_ml", "op": ">", "value": "50", "in": "where"}]
    assert rows[1]["parse_error"] and rows[1]["tables_read"] == []
    assert rows[2]["tables_read"] == ["s.t"] and rows[2]["from_compiled"] is False
    assert all(r["hardcoded_relations"] == [] and r["dialect"] == "duckdb" for r in rows)
    assert new_cache.height == 3


def test_no_inputs_give_empty_frames_of_the_right_shape():
    frame, new_cache = compute_facts([], "duckdb", {})
    assert frame.height == 0 and frame.columns == list(TABLES["sql_facts"].column_names)
    assert new_cache.height == 0


def test_cached_hashes_are_not_parsed():
    sql = "select * from raw.orders"
    sentinel = extract_facts("select 1 from sentinel.from_cache", "duckdb")
    inputs = [SqlInput("model.p.a", sql, True), SqlInput("model.p.b", "select * from raw.items", True)]
    frame, new_cache = compute_facts(inputs, "duckdb", {content_hash(sql, "duckdb"): sentinel})
    assert frame["tables_read"].to_list() == [["sentinel.from_cache"], ["raw.items"]]
    assert new_cache["content_hash"].to_list() == [content_hash("select * from raw.items", "duckdb")]


def test_identical_texts_are_parsed_once():
    inputs = [SqlInput(f"model.p.m{i}", "select * from raw.orders", True) for i in range(3)]
    frame, new_cache = compute_facts(inputs, "duckdb", {})
    assert frame.height == 3 and new_cache.height == 1
    assert frame["content_hash"].n_unique() == 1


def test_hashes_given_must_match_the_inputs():
    with pytest.raises(ValueError, match="2 hashes for 1 inputs"):
        compute_facts([SqlInput("m", "select 1", True)], "duckdb", {}, hashes=["a", "b"])


def test_pool_gives_the_same_facts_as_one_process(many_inputs):
    calls: list[tuple[int, int]] = []
    serial, serial_cache = compute_facts(many_inputs, "duckdb", {}, workers=1)
    pooled, pooled_cache = compute_facts(many_inputs, "duckdb", {}, workers=2, progress=lambda d, t: calls.append((d, t)))
    assert pooled.equals(serial)
    assert dict(pooled_cache.iter_rows()) == dict(serial_cache.iter_rows())
    total = pooled_cache.height
    assert len(calls) > 1 and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert 0 < pooled["parse_error"].null_count() < pooled.height  # facts and parse errors alike


def test_pool_started_from_a_thread_does_not_fork(many_inputs):
    """With another thread running, forking is unsafe: the pool starts its workers fresh."""
    out: dict = {}

    def run():
        out["method"] = _context().get_start_method()
        out["frame"] = compute_facts(many_inputs[: POOL_MIN + 10], "duckdb", {}, workers=2)[0]

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert out["method"] != "fork"
    assert out["frame"].equals(compute_facts(many_inputs[: POOL_MIN + 10], "duckdb", {}, workers=1)[0])


def test_warm_run_through_a_real_store(tmp_path, many_inputs):
    store = tmp_path / "store.duckdb"
    cold, new_cache = compute_facts(many_inputs, "duckdb", {}, workers=1)
    with open_writer(store, tmp_path) as writer:
        writer.replace("sql_facts", cold)
        writer.upsert("sql_facts_cache", new_cache)
    with open_writer(store, tmp_path) as writer:
        hashes = input_hashes(many_inputs, "duckdb")
        cached = writer.cached_sql_facts(hashes)
        stored = writer.current("sql_facts")
    assert set(cached) == set(hashes)
    warm, nothing_new = compute_facts(many_inputs, "duckdb", cached, hashes=hashes)
    assert nothing_new.height == 0
    assert warm.equals(cold)
    # what the store holds reads back as what was written (JSON text compared as JSON)
    by_id = {r["unique_id"]: r for r in stored.to_dicts()}
    for row in cold.to_dicts():
        back = by_id[row["unique_id"]]
        assert orjson.loads(back["literal_filters"]) == orjson.loads(row["literal_filters"])
        assert back["tables_read"] == row["tables_read"] and back["join_kinds"] == row["join_kinds"]


def test_compiled_build_is_in_use():
    assert compiled_build() is True


def test_dialect_for_adapter():
    valid = {d.value for d in Dialects}
    assert set(ADAPTER_DIALECTS.values()) <= valid
    assert dialect_for_adapter("duckdb") == "duckdb"
    assert dialect_for_adapter("BigQuery") == "bigquery"
    assert dialect_for_adapter("sqlserver") == "tsql"
    assert dialect_for_adapter(None) == dialect_for_adapter("") == "duckdb"
    assert dialect_for_adapter("some_new_adapter") == ""
    for dialect in set(ADAPTER_DIALECTS.values()):
        sqlglot.parse_one("select a from s.t", read=dialect)


@pytest.mark.parametrize(
    "read, known, hardcoded",
    [
        (["main.stg_orders", "stg_orders", "warehouse.main.stg_orders"], ['"warehouse"."main"."stg_orders"'], []),
        (["warehouse.main.stg_orders"], ["main.stg_orders"], []),
        (["raw.orders"], ['"warehouse"."staging"."orders"'], ["raw.orders"]),
        (["other.main.stg_orders"], ['"warehouse"."main"."stg_orders"'], ["other.main.stg_orders"]),
        (["stg_orders"], ['"WAREHOUSE"."MAIN"."STG_ORDERS"'], []),
        (["proj.ds.t"], ["`proj`.`ds`.`t`"], []),
        (["b", "a"], [], ["b", "a"]),
    ],
)
def test_classify_hardcoded(read, known, hardcoded):
    assert classify_hardcoded(read, known) == hardcoded


def test_relation_parts_keeps_dots_inside_quotes():
    assert relation_parts('"db"."my.schema"."t"') == ("db", "my.schema", "t")
    assert relation_parts("[db].[dbo].[T]") == ("db", "dbo", "t")


def test_reduced_raw_sql_of_every_jinja_fixture_parses():
    for path in sorted((FIXTURES / "jinja").glob("*.sql")):
        if path.stem == "unclosed_tag":
            continue
        assert extract_facts(reduce_jinja(path.read_text()), "duckdb")["parse_error"] is None, path.name
