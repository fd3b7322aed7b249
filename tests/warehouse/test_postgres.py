"""PostgreSQL: a real server, a schema real dbt built, and the faults the issue names."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import psycopg
import pytest

from collectors.warehouse import Plan, WarehouseUnavailable
from collectors.warehouse import postgres_engine as pg_engine
from collectors.warehouse._common import FreshnessRequest, empty_read
from collectors.warehouse.target import target_from_value
from tests.warehouse.conftest import RAW_SQL, new_server

pytestmark = pytest.mark.slow

ORDERS = FreshnessRequest("source.pg_shop.shop.orders", "shop", "raw", "orders", "_loaded_at")
CUSTOMERS = FreshnessRequest("source.pg_shop.shop.customers", "shop", "raw", "customers", "_loaded_at")
SALARIES = FreshnessRequest("source.pg_shop.hr.salaries", "shop", "secret", "salaries", "updated_at")


def _run(argv, env=None):
    """The real command line, in a process of its own: (exit code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "console", *argv], capture_output=True, text=True, env=env, timeout=120)
    return done.returncode, done.stdout, done.stderr


def _store(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "relations": {(r[0], r[1]): r for r in con.execute(
                "select schema, name, table_type, row_count, bytes, stats, engine from warehouse_relations").fetchall()},
            "columns": {(r[0], r[1], r[2]): r[3] for r in con.execute(
                "select schema, name, column_name, data_type from warehouse_columns").fetchall()},
            "freshness": {r[0]: r[1:] for r in con.execute(
                "select unique_id, max_loaded_at, error from warehouse_freshness").fetchall()},
            "snapshots": con.execute("select engine, target, relations, skipped from warehouse_snapshots").fetchall(),
        }
    finally:
        con.close()


def test_collect_reads_the_schema_dbt_built_through_the_profile(pg_shop, tmp_path):
    store = tmp_path / "store.duckdb"
    code, _, err = _run(["collect", str(pg_shop.project), "--store", str(store), "--profiles-dir", str(pg_shop.project)], pg_shop.env)
    assert code == 0, err
    assert "warehouse: profile `pg_shop`, target `ci` (postgres postgres@" in err
    got = _store(store)
    rel = got["relations"]
    assert rel[("analytics", "fct_orders")][2] == "table" and rel[("analytics", "stg_orders")][2] == "view"
    assert rel[("analytics", "fct_orders")][6] == "postgres"
    stats = json.loads(rel[("raw", "orders")][5])
    assert stats["n_tup_ins"] == 40 and rel[("raw", "orders")][3] == 40  # live rows from pg_stat_user_tables
    assert ("secret", "salaries") in rel  # the superuser may use every schema
    assert got["columns"][("raw", "orders", "amount")] == "numeric(10,2)"
    assert got["columns"][("analytics", "exp_orders_crm", "revenue")] == "numeric"
    fresh = got["freshness"]
    assert str(fresh["source.pg_shop.shop.orders"][0]) == "2026-11-07 05:00:00"
    assert str(fresh["source.pg_shop.shop.customers"][0]) == "2026-11-01 05:00:00"  # timestamptz -> naive UTC
    (engine, target, relations, skipped), = got["snapshots"]
    assert engine == "postgres" and relations == len(rel) and json.loads(skipped) == []
    assert "not-needed-with-trust" not in target + err


def _reader(pg_shop):
    return target_from_value(pg_shop.server.url("shop", user="reader"), base=pg_shop.project, source=None)


def test_a_schema_without_usage_is_skipped_with_its_reason(pg_shop):
    plan = Plan(freshness=(ORDERS, SALARIES))
    read = pg_engine.read(_reader(pg_shop), plan)
    assert {"what": "schema secret", "reason": "permission denied: the role has no USAGE on it"} in read.skipped
    assert {"what": f"freshness of {SALARIES.unique_id}", "reason": "permission denied on schema secret"} in read.skipped
    assert "secret" not in read.relations["schema"].to_list()
    assert read.freshness.filter(read.freshness["unique_id"] == ORDERS.unique_id)["error"].to_list() == [None]


def test_a_relation_dropped_between_listing_and_counting_is_skipped(pg_shop):
    pg_shop.server.psql("CREATE TABLE raw.doomed AS SELECT 1 AS id, now() AS _loaded_at", dbname="shop")
    doomed = FreshnessRequest("source.pg_shop.shop.doomed", "shop", "raw", "doomed", "_loaded_at")
    plan = Plan(freshness=(doomed, ORDERS))
    con = pg_engine.connect(_target(pg_shop), plan)
    try:
        out = empty_read("postgres", "t")
        pg_engine.list_catalogue(con, plan, out)
        assert "doomed" in out.relations["name"].to_list()
        pg_shop.server.psql("DROP TABLE raw.doomed", dbname="shop")
        pg_engine.measure_freshness(con, plan, out)
    finally:
        con.close()
    (skip,) = out.skipped
    assert skip["what"] == "freshness of source.pg_shop.shop.doomed" and 'relation "raw.doomed" does not exist' in skip["reason"]
    errors = dict(zip(out.freshness["unique_id"], out.freshness["error"]))
    assert errors[ORDERS.unique_id] is None and "does not exist" in errors[doomed.unique_id]


def _target(pg_shop):
    return target_from_value(pg_shop.server.url("shop"), base=pg_shop.project, source=None)


def test_a_statement_timeout_skips_one_source_and_the_rest_is_read(pg_shop):
    """A migration holds raw.orders (ACCESS EXCLUSIVE): its freshness query times out; the
    listing takes no relation lock and customers are still measured."""
    locker = psycopg.connect(host=pg_shop.server.socket_dir, port=pg_shop.server.port, user="postgres", dbname="shop")
    try:
        locker.execute("LOCK TABLE raw.orders IN ACCESS EXCLUSIVE MODE")
        read = pg_engine.read(_target(pg_shop), Plan(freshness=(ORDERS, CUSTOMERS), freshness_timeout=1.0))
    finally:
        locker.rollback()
        locker.close()
    assert "orders" in read.relations["name"].to_list()
    (skip,) = read.skipped
    assert skip["what"] == f"freshness of {ORDERS.unique_id}" and "timed out" in skip["reason"]
    assert read.freshness["unique_id"].to_list() == [CUSTOMERS.unique_id]


def test_null_counts_of_the_relations_named(pg_shop):
    read = pg_engine.read(_target(pg_shop), Plan(null_checks=("analytics.fct_*",)))
    counts = {r["column_name"]: (r["row_count"], r["null_count"]) for r in read.nulls.iter_rows(named=True)}
    assert counts == {"order_id": (40, 0), "customer_id": (40, 0), "email": (40, 0), "amount": (40, 0)}


# -- faults that need a server of their own ------------------------------------------------------

@pytest.fixture
def own_pg(request):
    server = new_server()
    request.addfinalizer(server.remove)
    request.addfinalizer(server.stop)
    server.psql("CREATE DATABASE shop")
    server.psql(RAW_SQL, dbname="shop")
    return server


def test_the_server_gone_mid_collect_keeps_what_was_read(own_pg):
    target = target_from_value(own_pg.url("shop"), base=own_pg.folder, source=None)
    plan = Plan(freshness=(ORDERS, CUSTOMERS))
    con = pg_engine.connect(target, plan)
    try:
        out = empty_read("postgres", target.label)
        pg_engine.list_catalogue(con, plan, out)
        own_pg.stop()
        with pytest.raises(WarehouseUnavailable, match="connection lost"):
            pg_engine.measure_freshness(con, plan, out)
    finally:
        con.close()
    assert {"orders", "customers"} <= set(out.relations["name"].to_list())


def test_wrong_password_and_unreachable_server_are_one_line_naming_the_target(own_pg, tmp_path):
    hba = own_pg.folder / "data" / "pg_hba.conf"
    hba.write_text("local shop secure scram-sha-256\n" + hba.read_text())
    own_pg.psql("SET password_encryption = 'scram-sha-256'; CREATE ROLE secure LOGIN PASSWORD 'right-horse-battery'")
    own_pg.psql("SELECT pg_reload_conf()")
    project = tmp_path / "p"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: p\nversion: '1'\nconfig-version: 2\n")
    store = tmp_path / "store.duckdb"
    code, out, err = _run(["collect", str(project), "--store", str(store), "--warehouse", own_pg.url("shop", "secure", "wrong-staple-77")])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(f"console: error: warehouse postgresql://secure@/shop: cannot connect: ")
    assert 'password authentication failed for user "secure"' in err and "wrong-staple-77" not in err
    assert not store.exists()  # nothing half-written

    code, _, err = _run(["collect", str(project), "--store", str(store), "--warehouse", own_pg.url("shop")])
    assert code == 0 and "warehouse: postgresql://postgres@/shop: " in err
    before = store.read_bytes()
    own_pg.stop()
    code, _, err = _run(["collect", str(project), "--store", str(store), "--warehouse", own_pg.url("shop")])
    assert code == 2 and err.count("\n") == 1 and err.startswith("console: error: warehouse postgresql://postgres@/shop: cannot connect:")
    assert store.read_bytes() == before
