"""FRS001-FRS003 on real stores: stale sources, unwatched sources, missed model SLAs."""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import Config
from console.errors import InputError
from rules.engine import evaluate
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 7, 8, 0)
FRESH = {"warn_after": {"count": 24, "period": "hour"}, "error_after": {"count": 48, "period": "hour"}, "filter": None}
NO_FRESHNESS = {"warn_after": {"count": None, "period": None}, "error_after": {"count": None, "period": None}, "filter": None}


def _findings(ctx, rule: str, **options):
    config = Config(select=(rule,), options={rule: options} if options else {})
    return evaluate(ctx, config).findings


# --- FRS001 -------------------------------------------------------------------------------------

SOURCES = [
    node("source.shop.raw.orders", source_name="raw", name="orders", path="models/_sources.yml", freshness=FRESH),
    node("source.shop.raw.inventory", source_name="raw", name="inventory", path="models/_sources.yml", freshness=FRESH),
    node("source.shop.raw.stores", source_name="raw", name="stores", path="models/_sources.yml", freshness=FRESH),
]


def _freshness(tmp_path, latest: list[dict], earlier: list[dict] = ()):
    invocations = [{"invocation_id": "f2", "kind": "sources", "command": "source freshness", "generated_at": NOW}]
    rows = [dict(r, invocation_id="f2") for r in latest]
    if earlier:
        invocations.append({"invocation_id": "f1", "kind": "sources", "command": "source freshness", "generated_at": NOW - dt.timedelta(days=1)})
        rows += [dict(r, invocation_id="f1") for r in earlier]
    return make_context(tmp_path, now=NOW, nodes=SOURCES, invocations=invocations, freshness_results=rows)


def _result(source: str, status: str, age_hours: float, **fields) -> dict:
    snap = NOW - dt.timedelta(minutes=5)
    return {
        "unique_id": f"source.shop.raw.{source}", "status": status, "snapshotted_at": snap,
        "max_loaded_at": snap - dt.timedelta(hours=age_hours), "age_seconds": age_hours * 3600,
        "warn_after": FRESH["warn_after"], "error_after": FRESH["error_after"], **fields,
    }


def test_frs001_fails_on_stale_and_unreadable_sources(tmp_path):
    ctx = _freshness(
        tmp_path,
        [
            _result("orders", "pass", 2),
            _result("inventory", "error", 50.5),
            _result("stores", "runtime error", 0, error="Binder Error: column _loaded_at not found"),
        ],
    )
    found = {f.node: f for f in _findings(ctx, "FRS001")}
    assert set(found) == {"source.shop.raw.inventory", "source.shop.raw.stores"}
    stale = found["source.shop.raw.inventory"]
    assert stale.severity == "error" and stale.path == "models/_sources.yml"
    assert stale.message == (
        "source `raw.inventory` was last loaded 2 days 2 hours before the check at 2026-11-07 07:55 "
        "(latest row loaded 2026-11-05 05:25), past its error_after of 48 hours"
    )
    assert found["source.shop.raw.stores"].message == (
        "the freshness check of source `raw.stores` failed at 2026-11-07 07:55: Binder Error: column _loaded_at not found"
    )


def test_frs001_fails_with_warn_severity_on_a_warning(tmp_path):
    (f,) = _findings(_freshness(tmp_path, [_result("orders", "warn", 30)]), "FRS001")
    assert f.severity == "warn"
    assert f.message.endswith("past its warn_after of 24 hours (error after 48 hours)")
    assert "last loaded 1 day 6 hours before the check" in f.message


def test_frs001_passes_when_the_latest_check_is_green(tmp_path):
    ctx = _freshness(tmp_path, [_result("orders", "pass", 3)], earlier=[_result("orders", "error", 60)])
    assert _findings(ctx, "FRS001") == ()


# --- FRS002 -------------------------------------------------------------------------------------

def _lineage(tmp_path, inventory_freshness, exposure_fields: dict):
    nodes = [
        node("source.shop.raw.orders", source_name="raw", name="orders", freshness=FRESH),
        node("source.shop.raw.inventory", source_name="raw", name="inventory", freshness=inventory_freshness),
        node("model.shop.stg_inventory"),
        node("model.shop.exp_app_skus"),
        node("exposure.shop.retailer_app", **exposure_fields),
        node("exposure.shop.weekly_dashboard", exposure_type="dashboard"),
    ]
    edges = [
        ("source.shop.raw.inventory", "model.shop.stg_inventory"),
        ("source.shop.raw.orders", "model.shop.exp_app_skus"),
        ("model.shop.stg_inventory", "model.shop.exp_app_skus"),
        ("model.shop.exp_app_skus", "exposure.shop.retailer_app"),
        ("source.shop.raw.orders", "exposure.shop.weekly_dashboard"),
    ]
    return make_context(tmp_path, now=NOW, nodes=nodes, edges=[{"parent_id": p, "child_id": c} for p, c in edges])


def test_frs002_fails_on_unwatched_source_feeding_an_application(tmp_path):
    ctx = _lineage(tmp_path, NO_FRESHNESS, {"exposure_type": "application"})
    (f,) = _findings(ctx, "FRS002")
    assert f.node == "source.shop.raw.inventory" and f.severity == "warn"
    assert f.message == (
        "source `raw.inventory` has no freshness check but feeds 1 production exposure (`retailer_app`): "
        "`raw.inventory` -> `stg_inventory` -> `exp_app_skus` -> `retailer_app`"
    )


def test_frs002_fails_on_exposure_marked_production_in_meta(tmp_path):
    ctx = _lineage(tmp_path, None, {"exposure_type": "dashboard", "config": {"meta": {"production": True}}})
    assert [f.node for f in _findings(ctx, "FRS002")] == ["source.shop.raw.inventory"]


def test_frs002_passes_when_unwatched_source_feeds_only_dashboards(tmp_path):
    ctx = _lineage(tmp_path, NO_FRESHNESS, {"exposure_type": "dashboard"})
    assert _findings(ctx, "FRS002") == ()


def test_frs002_passes_when_every_production_source_is_watched(tmp_path):
    ctx = _lineage(tmp_path, FRESH, {"exposure_type": "application"})
    assert _findings(ctx, "FRS002") == ()


# --- FRS003 -------------------------------------------------------------------------------------

def _sla_context(tmp_path, *, meta_sla, statuses: list[tuple[int, str]], config_meta: dict | None = None):
    """fct_orders with an SLA; one `dbt build` per (hours before NOW, status)."""
    nodes = [
        node("model.shop.fct_orders", meta={"sla": meta_sla} if meta_sla else {}, config={"meta": config_meta or {}}),
        node("model.shop.dim_stores"),
    ]
    invocations, results = [], []
    for i, (hours_ago, status) in enumerate(statuses):
        at = NOW - dt.timedelta(hours=hours_ago)
        invocations.append({"invocation_id": f"b{i}", "kind": "run_results", "command": "build", "generated_at": at})
        for uid in ("model.shop.fct_orders", "model.shop.dim_stores"):
            results.append({"invocation_id": f"b{i}", "unique_id": uid, "status": status, "completed_at": at + dt.timedelta(minutes=2)})
    return make_context(tmp_path, now=NOW, nodes=nodes, invocations=invocations, node_results=results)


def test_frs003_fails_when_last_success_is_older_than_the_sla(tmp_path):
    ctx = _sla_context(tmp_path, meta_sla="24h", statuses=[(49, "success"), (25, "error"), (1, "error")])
    (f,) = _findings(ctx, "FRS003")
    assert f.node == "model.shop.fct_orders" and f.severity == "error"
    assert f.message == (
        "model `fct_orders` last built successfully 2 days ago (2026-11-05 07:02), "
        "past its SLA of 1 day (meta.sla 24h)"
    )


def test_frs003_fails_on_sla_in_config_meta_and_never_successful(tmp_path):
    ctx = _sla_context(tmp_path, meta_sla=None, config_meta={"sla": "90m"}, statuses=[(3, "error"), (1, "skipped")])
    (f,) = _findings(ctx, "FRS003")
    assert f.message == "model `fct_orders` has not built successfully in any of the 2 collected runs that included it (SLA 1 hour 30 minutes, meta.sla 90m)"


def test_frs003_fails_on_default_sla_option_and_on_unreadable_sla(tmp_path):
    ctx = _sla_context(tmp_path, meta_sla="soon", statuses=[(30, "success")])
    found = {f.node: f for f in _findings(ctx, "FRS003", default_sla_hours=12)}
    assert "default_sla_hours 12" in found["model.shop.dim_stores"].message
    bad = found["model.shop.fct_orders"]
    assert bad.severity == "warn" and "meta.sla = 'soon', which is not a duration" in bad.message


def test_frs003_passes_within_the_sla(tmp_path):
    ctx = _sla_context(tmp_path, meta_sla="2d", statuses=[(30, "success"), (1, "error")])
    assert _findings(ctx, "FRS003") == ()


def test_frs003_option_of_wrong_type_is_an_input_error(tmp_path):
    ctx = _sla_context(tmp_path, meta_sla="2d", statuses=[(30, "success")])
    with pytest.raises(InputError, match="must be a number or a string"):
        _findings(ctx, "FRS003", default_sla_hours=[1])
