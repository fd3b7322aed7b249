"""Relation names resolved to dbt nodes: quoting, case, defaults and special forms per dialect."""

from __future__ import annotations

import time

import polars as pl
import pytest

from console.relations import RelationIndex, split_name


def _nodes(rows: list[dict]) -> pl.DataFrame:
    cols = ["unique_id", "resource_type", "name", "database", "schema", "alias", "identifier",
            "relation_name", "layer", "source_name", "version", "latest_version", "materialized"]
    return pl.DataFrame([{c: r.get(c) for c in cols} for r in rows], schema={c: pl.String for c in cols})


def _model(name, db, schema, relation_name, layer="mart", **kw):
    return {"unique_id": f"model.p.{name}", "resource_type": "model", "name": name, "database": db,
            "schema": schema, "alias": kw.pop("alias", name), "relation_name": relation_name, "layer": layer, **kw}


def _source(source, table, db, schema, relation_name):
    return {"unique_id": f"source.p.{source}.{table}", "resource_type": "source", "name": table,
            "source_name": source, "database": db, "schema": schema, "identifier": table,
            "relation_name": relation_name, "layer": "source"}


@pytest.fixture
def duckdb_index():
    return RelationIndex.from_nodes(_nodes([
        _model("exp_top_items_crm", "warehouse", "analytics", '"warehouse"."analytics"."exp_top_items_crm"', "export"),
        _model("stg_orders", "warehouse", "analytics", '"warehouse"."analytics"."stg_orders"', "staging"),
        _model("fct_orders", "warehouse", "analytics", '"warehouse"."analytics"."fct_orders"'),
        _model("dim_x", "warehouse", "reporting", '"warehouse"."reporting"."dim_x"'),
        _source("shop", "orders", "warehouse", "raw", '"warehouse"."raw"."orders"'),
        _model("ephemeral_thing", "warehouse", "analytics", None, materialized="ephemeral"),
    ]), adapter="duckdb")


@pytest.mark.parametrize(("written", "expected"), [
    ("exp_top_items_crm", "model.p.exp_top_items_crm"),
    ("analytics.exp_top_items_crm", "model.p.exp_top_items_crm"),
    ("warehouse.analytics.exp_top_items_crm", "model.p.exp_top_items_crm"),
    ('"WAREHOUSE"."Analytics"."EXP_TOP_ITEMS_CRM"', "model.p.exp_top_items_crm"),  # DuckDB ignores case
    ("  analytics . stg_orders ", "model.p.stg_orders"),
    ("raw.orders", "source.p.shop.orders"),
    ("warehouse.raw.orders", "source.p.shop.orders"),
    ("dim_x", "model.p.dim_x"),  # not in the default schema, but one node only has that name
    ("ref:fct_orders", "model.p.fct_orders"),
    ("source:shop.orders", "source.p.shop.orders"),
])
def test_duckdb_names_resolve_to_nodes(duckdb_index, written, expected):
    r = duckdb_index.resolve(written)
    assert (r.kind, r.unique_id) == ("node", expected)


@pytest.mark.parametrize(("written", "kind"), [
    ("raw.refunds", "raw"),                      # a schema of sources: a raw table dbt does not read
    ("landing.events", "raw"),                  # a schema dbt does not build in
    ("analytics.dropped_model", "unknown"),     # a schema of models: not a raw table
    ("ephemeral_thing", "unknown"),
    ("ref:missing", "unknown"),
    ("looker_scratch.lr_1_orders", "tool"),
    ("lookml:orders", "tool"),
    ("information_schema.tables", "system"),
    ("snowflake.account_usage.query_history", "system"),
    ("", "unknown"),
    ("a..b", "unknown"),
])
def test_names_that_are_not_nodes(duckdb_index, written, kind):
    r = duckdb_index.resolve(written)
    assert r.kind == kind and r.unique_id is None


def test_defaults_are_the_most_common_model_database_and_schema(duckdb_index):
    assert (duckdb_index.default_database, duckdb_index.default_schema) == ("warehouse", "analytics")
    assert duckdb_index.resolve("stg_orders").parts == ("warehouse", "analytics", "stg_orders")
    assert duckdb_index.resolve("raw.refunds").parts == ("warehouse", "raw", "refunds")


def test_profile_defaults_override_the_guess():
    nodes = _nodes([
        _model("a", "wh", "analytics", '"wh"."analytics"."a"'),
        _model("a2", "wh", "other", '"wh"."other"."a2"'),
        _model("b", "wh", "other", '"wh"."other"."b"'),
    ])
    guessed = RelationIndex.from_nodes(nodes, adapter="postgres")
    assert guessed.default_schema == "other"
    told = RelationIndex.from_nodes(nodes, adapter="postgres", default_schema="analytics")
    assert told.resolve("a").unique_id == "model.p.a"


def test_snowflake_folds_unquoted_to_upper_and_keeps_quoted_case():
    idx = RelationIndex.from_nodes(_nodes([
        _model("orders", "ANALYTICS", "MARTS", "ANALYTICS.MARTS.orders"),
        _model("Mixed", "ANALYTICS", "MARTS", 'ANALYTICS.MARTS."Mixed"'),
    ]), adapter="snowflake")
    assert idx.resolve("analytics.marts.ORDERS").unique_id == "model.p.orders"
    assert idx.resolve('"ANALYTICS"."MARTS"."ORDERS"').unique_id == "model.p.orders"
    assert idx.resolve('marts."orders"').kind == "unknown"  # quoted lower case is another table
    assert idx.resolve('marts."Mixed"').unique_id == "model.p.Mixed"
    assert idx.resolve("marts.mixed").kind == "unknown"    # folds to MIXED
    assert idx.resolve("orders").parts == ("ANALYTICS", "MARTS", "ORDERS")


def test_postgres_folds_unquoted_to_lower_and_keeps_quoted_case():
    idx = RelationIndex.from_nodes(_nodes([
        _model("orders", "db", "public", '"db"."public"."orders"'),
        _model("Orders2", "db", "public", '"db"."public"."Orders2"'),
    ]), adapter="postgres")
    assert idx.resolve("PUBLIC.ORDERS").unique_id == "model.p.orders"
    assert idx.resolve('public."ORDERS"').kind == "unknown"
    assert idx.resolve('"Orders2"').unique_id == "model.p.Orders2"
    assert idx.resolve("orders2").kind == "unknown"


def test_bigquery_backticks_and_case_sensitive_tables():
    idx = RelationIndex.from_nodes(_nodes([
        _model("orders", "my-proj", "marts", "`my-proj`.`marts`.`orders`"),
    ]), adapter="bigquery")
    assert idx.resolve("`my-proj.marts.orders`").unique_id == "model.p.orders"
    assert idx.resolve("`MY-PROJ`.marts.orders").unique_id == "model.p.orders"  # project ids ignore case
    assert idx.resolve("marts.orders").unique_id == "model.p.orders"
    assert idx.resolve("marts.Orders").kind == "unknown"
    assert split_name("`a.b`.c", "bigquery") == [("a", True), ("b", True), ("c", False)]


def test_node_without_relation_name_uses_database_schema_alias():
    nodes = _nodes([
        _model("orders", "db", "marts", None, alias="orders_v2"),
        _model("x", "ANALYTICS", "MARTS", None),
    ])
    assert RelationIndex.from_nodes(nodes, adapter="postgres").resolve("marts.orders_v2").unique_id == "model.p.orders"
    assert RelationIndex.from_nodes(nodes, adapter="snowflake").resolve("analytics.marts.x").unique_id == "model.p.x"


def test_ref_prefers_the_latest_version():
    idx = RelationIndex.from_nodes(_nodes([
        _model("dim", "db", "s", '"db"."s"."dim_v1"', unique_id="model.p.dim.v1", version="1", latest_version="2"),
        _model("dim", "db", "s", '"db"."s"."dim_v2"', unique_id="model.p.dim.v2", version="2", latest_version="2"),
        _model("dim", "db", "s", '"db"."s"."dim_v3"', unique_id="model.p.dim.v3", version="3", latest_version="2"),
    ]), adapter="duckdb")
    assert idx.resolve("ref:dim").unique_id == "model.p.dim.v2"


def test_ambiguous_short_name_resolves_to_none():
    idx = RelationIndex.from_nodes(_nodes([
        _model("a", "db", "main", '"db"."main"."a"'),
        _model("b", "db", "s1", '"db"."s1"."t"', alias="t"),
        _model("c", "db", "s2", '"db"."s2"."t"', alias="t"),
    ]), adapter="duckdb")
    assert idx.resolve("t").kind == "unknown"
    assert idx.resolve("s2.t").unique_id == "model.p.c"


def test_ten_thousand_names_resolve_in_dictionary_time():
    rows = [_model(f"m{i}", "db", f"s{i % 20}", f"db.s{i % 20}.m{i}") for i in range(2000)]
    idx = RelationIndex.from_nodes(_nodes(rows), adapter="snowflake")
    names = [f"db.s{i % 20}.m{i % 3000}" for i in range(10_000)] + [f'"DB"."S{i % 20}"."M{i}"' for i in range(2000)]
    start = time.perf_counter()
    out = idx.resolve_many(names)
    resolve_time = time.perf_counter() - start
    start = time.perf_counter()
    baseline = {n: split_name(n, "snowflake") for n in names}  # splitting alone: the floor
    split_time = time.perf_counter() - start
    assert len(out) == len(baseline)
    assert sum(r.kind == "node" for r in out.values()) == 2000 * 2  # each m<i> unquoted and quoted-upper
    assert resolve_time < 10 * split_time + 0.05


def test_placeholder_parts_match_any_schema(duckdb_index):
    assert duckdb_index.resolve("p1.fct_orders", holes=["p1"]).unique_id == "model.p.fct_orders"
    assert duckdb_index.resolve("p1.p2.stg_orders", holes=["p1", "p2"]).unique_id == "model.p.stg_orders"
    assert duckdb_index.resolve("p1.fct_orders").kind == "raw"  # without holes, p1 is a schema
    assert duckdb_index.resolve("analytics.p1", holes=["p1"]).kind == "unknown"
    assert duckdb_index.resolve('"p1".fct_orders', holes=["p1"]).kind == "raw"  # quoted: a real name


def test_another_environments_database_resolves_by_schema_and_name(duckdb_index):
    assert duckdb_index.resolve("prod.analytics.fct_orders").unique_id == "model.p.fct_orders"
    assert duckdb_index.resolve("prod.raw.orders").unique_id == "source.p.shop.orders"
    assert duckdb_index.resolve("warehouse.analytics.nope").kind == "unknown"  # a known database: no fallback


def test_a_database_differing_only_by_quoted_case_is_not_another_environment():
    idx = RelationIndex.from_nodes(_nodes([_model("dim_c", "ANALYTICS", "MARTS", "ANALYTICS.MARTS.dim_c")]), adapter="snowflake")
    assert idx.resolve('"analytics".marts.dim_c').kind == "raw"
    assert idx.resolve("prod.marts.dim_c").unique_id == "model.p.dim_c"
