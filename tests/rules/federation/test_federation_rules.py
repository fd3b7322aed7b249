"""FED001-FED003 on real stores: who the query logs show reading the project's models."""

from __future__ import annotations

import datetime as dt

import yaml

from console.config import Config
from rules.engine import evaluate
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 8, 8, 0)
P = "model.shop"
DB, SCHEMA = "warehouse", "analytics"


def _model(name: str, layer: str) -> dict:
    return node(f"{P}.{name}", database=DB, schema=SCHEMA, alias=name, relation_name=f'"{DB}"."{SCHEMA}"."{name}"',
                layer=layer, materialized="table", path=f"models/{name}.sql")


NODES = [
    _model("exp_orders_crm", "export"),
    _model("exp_orders_sync", "export"),
    _model("exp_orders_unused", "export"),
    _model("fct_orders", "mart"),
    node("exposure.shop.crm_campaign", exposure_type="application", label="CRM email campaign",
         description="Weekly email sent by the CRM tool", path="models/exposures.yml"),
    node("exposure.shop.salesforce_sync", exposure_type="application", url="https://app.hightouch.com/syncs/1",
         path="models/exposures.yml"),
    node("exposure.shop.finance_app", exposure_type="application", meta={"consumer_users": ["FIN_READER"]},
         path="models/exposures.yml"),
]
EDGES = [
    (f"{P}.fct_orders", f"{P}.exp_orders_crm"), (f"{P}.fct_orders", f"{P}.exp_orders_sync"),
    (f"{P}.fct_orders", f"{P}.exp_orders_unused"),
    (f"{P}.exp_orders_crm", "exposure.shop.crm_campaign"), (f"{P}.exp_orders_sync", "exposure.shop.salesforce_sync"),
    (f"{P}.exp_orders_unused", "exposure.shop.finance_app"),
]


def _read(user, relation, count=5, *, role=None, app=None, database=DB, schema=SCHEMA, last=dt.datetime(2026, 11, 7, 9)):
    return {"user_name": user, "role_name": role, "warehouse_name": "BI_WH", "app": app, "database_name": database,
            "schema_name": schema, "relation": relation, "query_count": count,
            "first_seen": dt.datetime(2026, 11, 1, 9), "last_seen": last}


STORY = [
    _read("DBT_PROD", "warehouse.analytics.exp_orders_crm", 40, app="dbt"),
    _read("BRAZE_INGEST", "warehouse.analytics.exp_orders_crm", 7, app="braze_cloud_data_ingestion"),
    _read("TABLEAU_SVC", "analytics.exp_orders_crm", 6, role="TABLEAU_READER"),
    _read("HIGHTOUCH_SVC", "WAREHOUSE.ANALYTICS.EXP_ORDERS_SYNC", 7, app="hightouch"),
    _read("MAYA_CHEN", '"analytics"."exp_orders_sync"', 4, role="DATA_SCIENCE"),
    _read("MAYA_CHEN", "fct_orders", 2, role="DATA_SCIENCE"),
]


def _context(tmp_path, consumers, settings=None):
    return make_context(
        tmp_path, now=NOW, settings=settings or {},
        project=[{"name": "shop", "adapter": "duckdb"}], nodes=NODES,
        edges=[{"parent_id": p, "child_id": c} for p, c in EDGES], query_consumers=consumers,
    )


def _run(ctx, rule, **options):
    return evaluate(ctx, Config(select=(rule,), options={rule: options} if options else {})).findings


def test_fed001_fails_on_an_undeclared_tableau_service_account(tmp_path):
    found = _run(_context(tmp_path, STORY), "FED001")
    assert [(f.node, f.severity) for f in found] == [(f"{P}.exp_orders_crm", "warn")]
    message = found[0].message
    assert "`TABLEAU_SVC` (Tableau, role TABLEAU_READER) read `exp_orders_crm` 6 times" in message
    assert "6 times, last seen 2026-11-07 09:00 (first 2026-11-01 09:00)" in message and "`crm_campaign`" in message
    snippet = yaml.safe_load(found[0].hint.split(": ", 1)[1])
    exposure = snippet["exposures"][0]
    assert exposure["depends_on"] == ["ref('exp_orders_crm')"] and exposure["type"] == "dashboard"
    assert exposure["meta"] == {"consumer_users": ["TABLEAU_SVC"]}


def test_fed001_fails_on_people_only_when_asked(tmp_path):
    ctx = _context(tmp_path, STORY)
    people = {(f.node, f.message.split("`")[1]) for f in _run(ctx, "FED001", include_people=True)}
    assert (f"{P}.fct_orders", "MAYA_CHEN") in people and (f"{P}.exp_orders_sync", "MAYA_CHEN") in people


def test_fed001_passes_when_every_tool_is_declared(tmp_path):
    declared = [r for r in STORY if r["user_name"] != "TABLEAU_SVC"]
    assert _run(_context(tmp_path, declared), "FED001") == ()


def test_fed001_passes_when_configuration_declares_or_ignores_the_consumer(tmp_path):
    assert _run(_context(tmp_path, STORY, {"query_logs": {"declared": {"crm_campaign": ["TABLEAU_*"]}}}), "FED001") == ()
    assert _run(_context(tmp_path, STORY, {"query_logs": {"ignore_users": ["tableau_svc"]}}), "FED001") == ()


def test_fed001_passes_on_dbt_itself_and_on_unknown_relations(tmp_path):
    rows = [_read("DBT_CI", "warehouse.analytics.fct_orders", 9), _read("LOOKER_SVC", "raw.payments", 3)]
    assert _run(_context(tmp_path, rows), "FED001") == ()


def test_fed002_fails_on_an_export_with_two_consumers(tmp_path):
    found = {f.node: f.message for f in _run(_context(tmp_path, STORY), "FED002")}
    assert set(found) == {f"{P}.exp_orders_crm", f"{P}.exp_orders_sync"}
    sync = found[f"{P}.exp_orders_sync"]
    assert sync.startswith("export `exp_orders_sync` is read by 2 consumers: `HIGHTOUCH_SVC` (Hightouch")
    assert "declared by `salesforce_sync`" in sync and "`MAYA_CHEN` (person, role DATA_SCIENCE, 4 queries" in sync
    assert "undeclared" in sync


def test_fed002_passes_with_one_consumer_each_or_a_higher_limit(tmp_path):
    one_each = [r for r in STORY if r["user_name"] not in ("TABLEAU_SVC", "MAYA_CHEN")]
    assert _run(_context(tmp_path, one_each), "FED002") == ()
    assert _run(_context(tmp_path, STORY), "FED002", max_consumers=2) == ()


def test_fed003_fails_on_an_export_nobody_reads(tmp_path):
    found = _run(_context(tmp_path, STORY), "FED003")
    assert [f.node for f in found] == [f"{P}.exp_orders_unused"]
    assert found[0].message == (
        "export `exp_orders_unused` was not read by any consumer between 2026-11-01 09:00 and 2026-11-07 09:00, "
        "though `finance_app` declares it"
    )


def test_fed003_fails_on_an_export_without_exposure_even_without_logs(tmp_path):
    ctx = make_context(tmp_path, now=NOW, project=[{"name": "shop", "adapter": "duckdb"}], nodes=NODES[:4],
                       edges=[{"parent_id": p, "child_id": c} for p, c in EDGES[:3]])
    found = _run(ctx, "FED003")
    assert len(found) == 3 and all("has no declared consumer (no exposure depends on it)" in f.message for f in found)


def test_fed003_passes_when_every_export_is_declared_and_read(tmp_path):
    rows = [*STORY, _read("FIN_READER", "warehouse.analytics.exp_orders_unused", 3)]
    assert _run(_context(tmp_path, rows), "FED003") == ()
