"""The issue's faults on a real PostgreSQL server, beyond tests/warehouse/test_postgres.py:
permission denied on one table, a relation dropped before its NULL count, the freshness
budget holding over many slow sources, and the session killed in the middle of a collect.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import duckdb
import psycopg
import pytest

from collectors.warehouse import Plan
from collectors.warehouse import postgres_engine as pg_engine
from collectors.warehouse._common import FreshnessRequest, empty_read
from collectors.warehouse.target import target_from_value

pytestmark = pytest.mark.slow

ORDERS = FreshnessRequest("source.pg_shop.shop.orders", "shop", "raw", "orders", "_loaded_at")
CUSTOMERS = FreshnessRequest("source.pg_shop.shop.customers", "shop", "raw", "customers", "_loaded_at")


def _target(pg_shop, user="postgres"):
    return target_from_value(pg_shop.server.url("shop", user=user), base=pg_shop.project, source=None)


def _connect(pg_shop):
    return psycopg.connect(host=pg_shop.server.socket_dir, port=pg_shop.server.port, user="postgres", dbname="shop", autocommit=True)


def test_permission_denied_on_one_table_skips_it_and_reads_the_rest(pg_shop):
    pg_shop.server.psql("CREATE TABLE raw.private (id int, _loaded_at timestamp)", dbname="shop")  # (after the GRANT: not the reader's)
    private = FreshnessRequest("source.pg_shop.shop.private", "shop", "raw", "private", "_loaded_at")
    read = pg_engine.read(_target(pg_shop, "reader"), Plan(freshness=(private, ORDERS), null_checks=("raw.private",)))
    assert "private" in read.relations["name"].to_list()  # the catalogue shows it
    skipped = {s["what"]: s["reason"] for s in read.skipped}
    assert skipped[f"freshness of {private.unique_id}"] == "permission denied for table private"
    assert skipped["NULL counts of raw.private"] == "permission denied for table private"
    assert read.freshness.filter(read.freshness["unique_id"] == ORDERS.unique_id)["error"].to_list() == [None]


def test_a_relation_dropped_before_its_null_count_is_skipped(pg_shop):
    pg_shop.server.psql("CREATE TABLE raw.doomed_nulls AS SELECT 1 AS id", dbname="shop")
    plan = Plan(null_checks=("raw.doomed_nulls", "raw.orders"))
    con = pg_engine.connect(_target(pg_shop), plan)
    try:
        out = empty_read("postgres", "t")
        pg_engine.list_catalogue(con, plan, out)
        pg_shop.server.psql("DROP TABLE raw.doomed_nulls", dbname="shop")
        pg_engine.count_nulls(con, plan, out)
    finally:
        con.close()
    (skip,) = out.skipped
    assert skip["what"] == "NULL counts of raw.doomed_nulls" and 'relation "raw.doomed_nulls" does not exist' in skip["reason"]
    assert set(out.nulls["name"].to_list()) == {"orders"}


def test_the_freshness_queries_stay_within_their_budget_in_all(pg_shop):
    """12 sources whose every query sleeps 0.7 s, a budget of 2 s: done in about 2 s, each
    source measured or skipped with its reason (timed out, or the budget spent)."""
    views = ";".join(f"CREATE VIEW raw.slow_{i} AS SELECT now() AS _loaded_at FROM pg_sleep(0.7)" for i in range(12))
    pg_shop.server.psql(views, dbname="shop")
    requests = tuple(FreshnessRequest(f"source.pg_shop.slow.s{i}", "shop", "raw", f"slow_{i}", "_loaded_at") for i in range(12))
    t0 = time.perf_counter()
    read = pg_engine.read(_target(pg_shop), Plan(freshness=requests, freshness_timeout=2.0))
    elapsed = time.perf_counter() - t0
    measured = read.freshness.filter(read.freshness["error"].is_null()).height
    reasons = [s["reason"] for s in read.skipped]
    assert elapsed < 2.0 + 1.0  # the budget, the catalogue and one last query's cancel latency
    assert measured >= 1 and measured + len(reasons) == 12
    assert any("timed out (freshness budget 2 s)" in r for r in reasons)
    assert any(r == "the freshness budget of 2 s was spent" for r in reasons)


def test_the_session_killed_mid_collect_keeps_what_was_read_and_says_what_was_skipped(pg_shop, tmp_path):
    """A migration holds raw.orders; while the collect's freshness query waits for it, an
    administrator terminates the collect's session. The collect still writes the catalogue it
    listed, says what it skipped and why, and exits 0."""
    store = tmp_path / "store.duckdb"
    locker, admin = _connect(pg_shop), _connect(pg_shop)
    locker.autocommit = False
    killed = []

    def kill_when_waiting():
        for _ in range(600):
            pids = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'console-warehouse' AND wait_event_type = 'Lock'"
            ).fetchall()
            if pids:
                killed.extend(admin.execute("SELECT pg_terminate_backend(%s)", [pids[0][0]]).fetchall())
                return
            time.sleep(0.05)

    try:
        locker.execute("LOCK TABLE raw.orders IN ACCESS EXCLUSIVE MODE")
        watcher = threading.Thread(target=kill_when_waiting)
        watcher.start()
        done = subprocess.run(
            [sys.executable, "-m", "console", "collect", str(pg_shop.project), "--profiles-dir", str(pg_shop.project), "--store", str(store)],
            capture_output=True, text=True, env=pg_shop.env, timeout=180,
        )
        watcher.join(timeout=60)
    finally:
        locker.rollback()
        locker.close()
        admin.close()
    assert killed == [(True,)]
    assert done.returncode == 0, done.stderr
    assert "warehouse skipped freshness and what follows: connection lost: " in done.stderr
    con = duckdb.connect(str(store), read_only=True)
    try:
        relations = {r[0] for r in con.execute("SELECT schema || '.' || name FROM warehouse_relations").fetchall()}
        (skipped,) = con.execute("SELECT skipped FROM warehouse_snapshots").fetchall()[0]
    finally:
        con.close()
    assert {"raw.orders", "raw.customers", "analytics.fct_orders"} <= relations
    assert [s["what"] for s in json.loads(skipped)] == ["freshness and what follows"]


def test_the_session_is_read_only_with_its_timeouts_from_the_start(pg_shop):
    con = pg_engine.connect(_target(pg_shop), Plan(statement_timeout=7.0))
    try:
        settings = [con.execute(f"SHOW {name}").fetchall()[0][0] for name in ("statement_timeout", "lock_timeout", "default_transaction_read_only")]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("CREATE TABLE raw.written_by_the_console (id int)")
    finally:
        con.close()
    assert settings == ["7s", "7s", "on"]


def test_a_role_limited_to_one_connection_lists_everything_on_one_session(pg_shop):
    """The relations are listed on a second session beside the columns; a role that may hold
    only one (CONNECTION LIMIT 1) gets the same catalogue from its one session."""
    pg_shop.server.psql("CREATE ROLE solo LOGIN CONNECTION LIMIT 1; GRANT USAGE ON SCHEMA raw TO solo", dbname="shop")
    alone = pg_engine.read(_target(pg_shop, "solo"), Plan())
    beside = pg_engine.read(_target(pg_shop, "reader"), Plan())
    assert alone.skipped == beside.skipped
    assert {"orders", "customers"} <= set(alone.relations["name"].to_list())
    key = ["schema", "name"]
    assert alone.relations.select(key).sort(key).equals(beside.relations.select(key).sort(key))
    assert alone.columns.height == beside.columns.height
