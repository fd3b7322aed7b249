"""The warehouse rules (WHS001-WHS006) on real stores written by the store's Writer.

Each test builds the project's nodes and what a warehouse collect wrote (snapshots, relations,
columns, history, freshness) and runs one rule through the engine.
"""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import Config
from console.errors import InputError
from rules.engine import evaluate
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 7, 8, 0)
T1, T2 = dt.datetime(2026, 11, 6, 7, 0), dt.datetime(2026, 11, 7, 7, 0)
P = "model.shop."


def snapshot(cid, at):
    return {"collect_id": cid, "collected_at": at, "engine": "duckdb", "target": "duckdb wh.duckdb", "relations": 0, "skipped": "[]"}


def rel(schema, name, rows=100, kind="table", db="wh"):
    return {"database": db, "schema": schema, "name": name, "table_type": kind, "row_count": rows}


def cols(schema, name, *pairs, db="wh"):
    return [{"database": db, "schema": schema, "name": name, "column_name": c, "data_type": t, "position": i}
            for i, (c, t) in enumerate(pairs, 1)]


PROJECT = dict(
    nodes=[
        node("source.shop.raw.orders", source_name="raw", database="wh", schema="raw", identifier="orders",
             loaded_at_field="_loaded_at", freshness={"warn_after": {"count": 24, "period": "hour"}, "error_after": {"count": 48, "period": "hour"}}),
        node(P + "stg_orders", database="wh", schema="analytics", alias="stg_orders", materialized="view"),
        node(P + "fct_orders", database="wh", schema="analytics", alias="fct_orders", materialized="table"),
        node(P + "int_helper", database="wh", schema="analytics", alias="int_helper", materialized="ephemeral"),
        node("exposure.shop.crm_sync"),
        node("test.shop.not_null_fct_orders_id"),
    ],
    edges=[
        {"parent_id": "source.shop.raw.orders", "child_id": P + "stg_orders"},
        {"parent_id": P + "stg_orders", "child_id": P + "fct_orders"},
        {"parent_id": P + "fct_orders", "child_id": "exposure.shop.crm_sync"},
        {"parent_id": P + "fct_orders", "child_id": "test.shop.not_null_fct_orders_id"},
    ],
)
ALL_THERE = [rel("raw", "orders"), rel("analytics", "stg_orders", None, "view"), rel("analytics", "fct_orders")]


def run(tmp_path, rule, options=None, settings=None, **tables):
    ctx = make_context(tmp_path, now=NOW, settings=settings, **{**PROJECT, **tables})
    config = Config(select=(rule,), options={rule: options} if options else {})
    result = evaluate(ctx, config)
    assert result.rule_errors == ()
    return result.findings


# -- WHS001 missing-relation ---------------------------------------------------------------------

def test_whs001_fails_when_a_model_relation_is_gone_and_names_its_readers(tmp_path):
    found = run(tmp_path, "WHS001", warehouse_snapshots=[snapshot(1, T2)],
                warehouse_relations=[rel("raw", "orders"), rel("analytics", "fct_orders")])
    (f,) = found
    assert f.node == P + "stg_orders" and f.severity == "error"
    assert f.message == ("model `stg_orders`: relation `analytics.stg_orders` is not in the warehouse "
                         "(warehouse collect of 2026-11-07 07:00); read by model `fct_orders` and exposure `crm_sync`")


def test_whs001_fails_for_a_renamed_source_matched_across_database_names(tmp_path):
    # a DuckDB file named otherwise than dbt's database: one database, matched on schema.name
    found = run(tmp_path, "WHS001", warehouse_snapshots=[snapshot(1, T2)],
                warehouse_relations=[rel("raw", "store_orders", db="copy"), rel("analytics", "stg_orders", None, "view", db="copy"),
                                     rel("analytics", "fct_orders", db="copy")])
    assert [(f.node, f.message.split(";")[1]) for f in found] == [("source.shop.raw.orders", " read by model `stg_orders` and exposure `crm_sync`")]


def test_whs001_passes_when_everything_is_there_or_no_warehouse_was_collected(tmp_path):
    assert run(tmp_path, "WHS001", warehouse_snapshots=[snapshot(1, T2)], warehouse_relations=ALL_THERE) == ()
    assert run(tmp_path, "WHS001") == ()  # no warehouse collect: silent
    # a schema missing whole is a target never built, not a dropped table
    assert run(tmp_path, "WHS001", warehouse_snapshots=[snapshot(1, T2)], warehouse_relations=[rel("raw", "orders")]) == ()


# -- WHS002 schema-drift -------------------------------------------------------------------------

def test_whs002_fails_on_missing_new_and_retyped_columns(tmp_path):
    found = run(
        tmp_path, "WHS002", warehouse_snapshots=[snapshot(1, T2)], warehouse_relations=ALL_THERE,
        warehouse_columns=cols("analytics", "fct_orders", ("order_id", "VARCHAR"), ("amount", "DECIMAL(10,2)"), ("currency", "VARCHAR")),
        node_columns=[{"unique_id": P + "fct_orders", "name": "customer_id", "data_type": "integer"},
                      {"unique_id": P + "fct_orders", "name": "amount", "data_type": "numeric"}],
        catalog_columns=[{"unique_id": P + "fct_orders", "name": "order_id", "data_type": "INTEGER"},
                         {"unique_id": P + "fct_orders", "name": "amount", "data_type": "DECIMAL(10,2)"}],
    )
    assert sorted(f.message for f in found) == [
        "model `fct_orders`: column `currency` (VARCHAR) is in the warehouse but not in dbt's catalog",
        "model `fct_orders`: column `customer_id` is in the yml but not in the warehouse",
        "model `fct_orders`: column `order_id` is VARCHAR in the warehouse but INTEGER in the catalog",
    ]
    assert len({f.fingerprint for f in found}) == 3


def test_whs002_passes_when_types_differ_only_in_spelling(tmp_path):
    found = run(
        tmp_path, "WHS002", warehouse_snapshots=[snapshot(1, T2)], warehouse_relations=ALL_THERE,
        warehouse_columns=cols("analytics", "fct_orders", ("order_id", "INTEGER"), ("amount", "DECIMAL(10,2)")),
        node_columns=[{"unique_id": P + "fct_orders", "name": "ORDER_ID", "data_type": "int"},
                      {"unique_id": P + "fct_orders", "name": "amount", "data_type": "decimal"}],
        catalog_columns=[{"unique_id": P + "fct_orders", "name": "order_id", "data_type": "INTEGER"},
                         {"unique_id": P + "fct_orders", "name": "amount", "data_type": "DECIMAL(10,2)"}],
    )
    assert found == ()


# -- WHS003 row-count-drop -----------------------------------------------------------------------

def _history(before, after):
    rows = []
    for cid, counts in ((1, before), (2, after)):
        rows += [{"collect_id": cid, "database": "wh", "schema": s, "name": n, "table_type": "table", "row_count": c} for (s, n), c in counts.items()]
    return rows


def test_whs003_fails_when_a_table_empties_or_falls_past_the_threshold(tmp_path):
    history = _history({("analytics", "fct_orders"): 5036, ("raw", "orders"): 1000, ("raw", "tiny"): 5},
                       {("analytics", "fct_orders"): 0, ("raw", "orders"): 300, ("raw", "tiny"): 0})
    found = run(tmp_path, "WHS003", warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2)], warehouse_relations=ALL_THERE,
                warehouse_relation_history=history)
    assert [(f.node, f.severity, f.message) for f in found] == [
        (P + "fct_orders", "error", "`fct_orders` (analytics.fct_orders) is empty: it held 5,036 rows at the warehouse collect of 2026-11-06 07:00"),
        ("source.shop.raw.orders", "warn", "`raw.orders` (raw.orders) fell from 1,000 to 300 rows (-70%) since the warehouse collect of 2026-11-06 07:00"),
    ]


def test_whs003_passes_below_the_configured_threshold(tmp_path):
    history = _history({("raw", "orders"): 1000}, {("raw", "orders"): 300})
    tables = dict(warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2)], warehouse_relations=ALL_THERE, warehouse_relation_history=history)
    assert run(tmp_path, "WHS003", settings={"warehouse": {"row_drop_threshold": 0.8}}, **tables) == ()
    assert run(tmp_path, "WHS003", options={"threshold": 0.9}, **tables) == ()
    assert run(tmp_path, "WHS003", warehouse_snapshots=[snapshot(2, T2)], warehouse_relations=ALL_THERE) == ()  # one collect: no trend


def test_whs003_refuses_a_threshold_outside_0_to_1(tmp_path):
    ctx = make_context(tmp_path, now=NOW, warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2)])
    with pytest.raises(InputError, match="threshold must be a fraction"):
        evaluate(ctx, Config(select=("WHS003",), options={"WHS003": {"threshold": 3.0}}))


# -- WHS004 stale-source-data --------------------------------------------------------------------

def fresh(moment, error=None, cid=1):
    return [{"collect_id": cid, "unique_id": "source.shop.raw.orders", "relation": "wh.raw.orders", "method": "loaded_at_field",
             "loaded_at_field": "_loaded_at", "max_loaded_at": moment, "checked_at": T2, "error": error}]


def test_whs004_fails_when_the_warehouse_data_is_stale_though_dbt_said_pass(tmp_path):
    found = run(
        tmp_path, "WHS004", warehouse_snapshots=[snapshot(1, T2)], warehouse_relations=ALL_THERE,
        warehouse_freshness=fresh(dt.datetime(2026, 11, 4, 5, 19)),
        invocations=[{"invocation_id": "f1", "kind": "sources", "generated_at": dt.datetime(2026, 11, 3, 7, 5), "command": "source freshness"}],
        freshness_results=[{"invocation_id": "f1", "unique_id": "source.shop.raw.orders", "status": "pass"}],
    )
    (f,) = found
    assert f.severity == "error"
    assert f.message == ("source `raw.orders`: the warehouse's latest `_loaded_at` is 2026-11-04 05:19, 3 days 2 hours before "
                         "2026-11-07 08:00, past its error_after of 48 hours; `dbt source freshness` said `pass` on 2026-11-03 07:05")


def test_whs004_fails_as_warn_past_warn_after_and_on_an_unmeasurable_source(tmp_path):
    found = run(tmp_path, "WHS004", warehouse_snapshots=[snapshot(1, T2)], warehouse_relations=ALL_THERE,
                warehouse_freshness=fresh(dt.datetime(2026, 11, 6, 2, 0)))
    assert [(f.severity, f.message.endswith("past its warn_after of 24 hours; `dbt source freshness` has not checked it")) for f in found] == [("warn", True)]
    found = run(tmp_path, "WHS004", warehouse_snapshots=[snapshot(1, T2)], warehouse_relations=ALL_THERE,
                warehouse_freshness=fresh(None, 'Binder Error: column "_loaded_at" not found'))
    assert [f.message for f in found] == ['the warehouse could not measure the freshness of source `raw.orders`: Binder Error: column "_loaded_at" not found']


def test_whs004_passes_when_the_data_is_fresh_or_only_older_collects_were_stale(tmp_path):
    stale_then = fresh(dt.datetime(2026, 10, 1), cid=1)
    fresh_now = fresh(dt.datetime(2026, 11, 7, 5, 0), cid=2)
    assert run(tmp_path, "WHS004", warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2)], warehouse_relations=ALL_THERE,
               warehouse_freshness=stale_then + fresh_now) == ()


# -- WHS005 orphan-relation ----------------------------------------------------------------------

def test_whs005_fails_on_a_hand_built_table_and_names_a_renamed_source(tmp_path):
    found = run(
        tmp_path, "WHS005", warehouse_snapshots=[snapshot(1, T2)],
        warehouse_relations=[*ALL_THERE, rel("analytics", "tmp_backfill", 12), rel("raw", "orders_v2", 800), rel("other", "x")],
        warehouse_columns=[*cols("raw", "orders", ("id", "INTEGER"), ("_loaded_at", "TIMESTAMP")),
                           *cols("raw", "orders_v2", ("id", "INTEGER"), ("_loaded_at", "TIMESTAMP"), ("channel", "VARCHAR"))],
        warehouse_freshness=fresh(dt.datetime(2026, 11, 4, 5, 19)),
    )
    assert [f.message for f in found] == [
        "table `analytics.tmp_backfill` (12 rows) is in the project's schema `analytics` but no dbt node, source or exposure accounts for it",
        "table `raw.orders_v2` (800 rows) is in the project's schema `raw` but no dbt node, source or exposure accounts for it; "
        "it has every column of source `raw.orders` (`raw.orders`), whose latest `_loaded_at` is 2026-11-04 05:19 (3 days 2 hours old): renamed upstream?",
    ]
    assert [f.node for f in found] == [None, "source.shop.raw.orders"]  # the second sits on the source it replaced


def test_whs005_passes_when_every_relation_is_accounted_for_or_source_schemas_are_left_out(tmp_path):
    tables = dict(warehouse_snapshots=[snapshot(1, T2)],
                  warehouse_relations=[*ALL_THERE, rel("analytics", "fct_orders__dbt_tmp"), rel("raw", "orders_v2")])
    assert run(tmp_path, "WHS005", options={"include_source_schemas": False}, **tables) == ()


# -- WHS006 column-mostly-null -------------------------------------------------------------------

def nulls(cid, counts, rows=2083):
    return [{"collect_id": cid, "database": "wh", "schema": "analytics", "name": "fct_orders", "column_name": c,
             "row_count": rows, "null_count": n} for c, n in counts.items()]


def test_whs006_fails_when_a_column_turns_null(tmp_path):
    found = run(tmp_path, "WHS006", warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2)], warehouse_relations=ALL_THERE,
                warehouse_column_history=nulls(1, {"quantity": 0, "email": 1500}) + nulls(2, {"quantity": 2083, "email": 2083}))
    assert [(f.node, f.message) for f in found] == [
        (P + "fct_orders", "`fct_orders.quantity` is 100% NULL in the latest warehouse collect (2,083 rows), up from 0% at the collect of 2026-11-06 07:00"),
    ]


def test_whs006_passes_with_one_count_or_a_steady_column(tmp_path):
    tables = dict(warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2)], warehouse_relations=ALL_THERE)
    assert run(tmp_path, "WHS006", warehouse_column_history=nulls(2, {"quantity": 2083}), **tables) == ()
    assert run(tmp_path, "WHS006", warehouse_column_history=nulls(1, {"q": 2000}) + nulls(2, {"q": 2083}), **tables) == ()


def test_whs003_fails_too_when_a_collect_minutes_ago_already_saw_the_drop(tmp_path):
    t3 = T2 + dt.timedelta(minutes=5)
    history = _history({("analytics", "fct_orders"): 5036}, {("analytics", "fct_orders"): 0})
    history += [{"collect_id": 3, "database": "wh", "schema": "analytics", "name": "fct_orders", "table_type": "table", "row_count": 0}]
    found = run(tmp_path, "WHS003", warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2), snapshot(3, t3)], warehouse_relations=ALL_THERE,
                warehouse_relation_history=history)
    assert [f.message for f in found] == ["`fct_orders` (analytics.fct_orders) is empty: it held 5,036 rows at the warehouse collect of 2026-11-06 07:00"]


def test_whs006_fails_too_when_a_collect_minutes_ago_already_counted_the_nulls(tmp_path):
    t3 = T2 + dt.timedelta(minutes=5)
    found = run(tmp_path, "WHS006", warehouse_snapshots=[snapshot(1, T1), snapshot(2, T2), snapshot(3, t3)], warehouse_relations=ALL_THERE,
                warehouse_column_history=nulls(1, {"quantity": 0}) + nulls(2, {"quantity": 2083}) + nulls(3, {"quantity": 2083}))
    assert [f.message.split(", up from ")[1] for f in found] == ["0% at the collect of 2026-11-06 07:00"]
