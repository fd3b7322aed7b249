"""Who a consumer is and what declares it, across warehouses: names as each warehouse writes
them, tools recognised from what the log shows, and the `[query_logs]` configuration."""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import load_config
from console.errors import InputError
from rules.federation._consumers import Consumer, declares, federation, recognise
from tests.rules.helpers import make_context, node


def _reads(tmp_path, adapter, relation_name, logged, *, database=None, schema=None, settings=None):
    nodes = [node("model.shop.exp_orders", database="ACME" if adapter == "snowflake" else "acme-prod", schema="analytics",
                  alias="exp_orders", relation_name=relation_name, layer="export", materialized="table")]
    consumers = [{"user_name": "LOOKER_SVC", "relation": logged, "query_count": 3, "database_name": database,
                  "schema_name": schema, "first_seen": dt.datetime(2026, 11, 1), "last_seen": dt.datetime(2026, 11, 2)}]
    ctx = make_context(tmp_path, project=[{"name": "shop", "adapter": adapter}], nodes=nodes, query_consumers=consumers,
                       settings=settings or {})
    return federation(ctx).reads


@pytest.mark.parametrize("logged, database, schema", [
    ("ACME.ANALYTICS.EXP_ORDERS", None, None),       # ACCESS_HISTORY's objectName
    ("analytics.exp_orders", "ACME", "PUBLIC"),      # a parsed text, session database from the log
    ("exp_orders", "ACME", "ANALYTICS"),             # a bare name: session database and schema
])
def test_snowflake_names_resolve_with_the_sessions_database_and_schema(tmp_path, logged, database, schema):
    reads = _reads(tmp_path, "snowflake", "ACME.analytics.exp_orders", logged, database=database, schema=schema)
    assert [r.consumer.name for r in reads["model.shop.exp_orders"]] == ["LOOKER_SVC"]


def test_a_quoted_lower_case_name_is_another_relation_in_snowflake(tmp_path):
    assert _reads(tmp_path, "snowflake", "ACME.analytics.exp_orders", '"ACME"."analytics"."exp_orders"') == {}


def test_bigquery_referenced_tables_resolve(tmp_path):
    reads = _reads(tmp_path, "bigquery", "`acme-prod`.`analytics`.`exp_orders`", "acme-prod.analytics.exp_orders")
    assert list(reads) == ["model.shop.exp_orders"]


def test_tools_from_configuration_come_before_names():
    options = {"tools": {"BI_RO": "Sigma"}, "dbt_users": ["TRANSFORMER"]}
    assert recognise("BI_RO", None, None, None, options) == ("Sigma", "bi")
    assert recognise("TRANSFORMER", None, None, None, options) == ("dbt", "dbt")
    assert recognise("DBT_PROD", None, None, None, options) == ("person", "person")  # dbt_users replaces the defaults
    assert recognise("x", "LOOKER_READER", None, None, {}) == ("Looker", "bi")
    assert recognise("svc-etl@acme-prod.iam.gserviceaccount.com", None, None, None, {}) == ("service account", "service")


def test_what_an_exposure_declares():
    base = {"name": "weekly_campaign", "label": None, "url": None, "description": "", "owner": None, "meta": None, "config": None}
    braze = Consumer("BRAZE_INGEST", "Braze", "crm")
    assert not declares(base, braze, {})
    assert declares({**base, "label": "CRM email campaign"}, braze, {})
    assert declares({**base, "meta": {"consumer_users": ["BRAZE_*"]}}, braze, {})
    assert declares({**base, "config": '{"meta": {"service_account": "braze_ingest"}}'}, braze, {})
    assert declares(base, braze, {"declared": {"weekly_campaign": ["BRAZE_INGEST"]}})
    maya = Consumer("MAYA_CHEN", "person", "person", roles=("DATA_SCIENCE",))
    assert not declares({**base, "description": "Maya's churn notebook"}, maya, {})
    assert declares({**base, "meta": {"consumer_users": "DATA_SCIENCE"}}, maya, {})


def test_the_query_logs_configuration_is_validated(tmp_path):
    toml = tmp_path / "console.toml"
    toml.write_text('[query_logs]\ndbt_users = ["DBT_*"]\ntools = { "BI_*" = "Tableau" }\ndeclared = { crm = "BRAZE" }\n')
    settings = load_config(tmp_path).settings()["query_logs"]
    assert settings == {"dbt_users": ["DBT_*"], "tools": {"BI_*": "Tableau"}, "declared": {"crm": ["BRAZE"]}}
    toml.write_text('[query_logs]\ndbt_user = ["DBT_*"]\n')
    with pytest.raises(InputError, match="unknown key `query_logs.dbt_user` .did you mean `dbt_users`"):
        load_config(tmp_path)
    toml.write_text('[query_logs]\ntools = { "BI_*" = 3 }\n')
    with pytest.raises(InputError, match="query_logs.tools.BI_\\*` must be a tool name"):
        load_config(tmp_path)


def test_a_person_running_dbt_is_still_a_consumer_of_what_they_query_by_hand(tmp_path):
    nodes = [node("model.shop.fct_orders", database="warehouse", schema="analytics", alias="fct_orders", layer="mart",
                  relation_name='"warehouse"."analytics"."fct_orders"')]
    rows = [{"user_name": "SAM", "app": "dbt", "relation": "warehouse.analytics.fct_orders", "query_count": 40},
            {"user_name": "SAM", "app": None, "relation": "warehouse.analytics.fct_orders", "query_count": 2}]
    ctx = make_context(tmp_path, project=[{"name": "shop", "adapter": "duckdb"}], nodes=nodes, query_consumers=rows)
    [read] = federation(ctx).reads["model.shop.fct_orders"]
    assert (read.consumer.name, read.consumer.kind, read.query_count) == ("SAM", "person", 2)
