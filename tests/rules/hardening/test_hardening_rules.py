"""HRD001-HRD002 on real stores: production exposures and what they stand on."""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import Config
from console.errors import InputError
from rules.context import Context
from rules.engine import evaluate
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 7, 8, 0)
FRESH = {"warn_after": {"count": 24, "period": "hour"}, "error_after": {"count": 48, "period": "hour"}}
P = "model.market"

# raw.inventory -> stg_inventory -> int_availability -> exp_retailer_app_skus -> retailer_app (application)
#                                                   \-> dim_stores -----------> weekly_dashboard (dashboard)
EDGES = [
    ("source.market.raw.inventory", f"{P}.stg_inventory"),
    (f"{P}.stg_inventory", f"{P}.int_availability"),
    (f"{P}.int_availability", f"{P}.exp_retailer_app_skus"),
    (f"{P}.exp_retailer_app_skus", "exposure.market.retailer_app"),
    (f"{P}.stg_inventory", f"{P}.dim_stores"),
    (f"{P}.dim_stores", "exposure.market.weekly_dashboard"),
    (f"{P}.stg_inventory", "test.market.not_null_stg_inventory_sku_id"),
]


def _nodes(**overrides) -> list[dict]:
    owner = "data-platform@example.com"
    nodes = {
        "source.market.raw.inventory": node("source.market.raw.inventory", source_name="raw", name="inventory", freshness=FRESH, path="models/_sources.yml"),
        f"{P}.stg_inventory": node(f"{P}.stg_inventory", owner=owner, materialized="view"),
        f"{P}.int_availability": node(f"{P}.int_availability", owner=owner, materialized="ephemeral"),
        f"{P}.exp_retailer_app_skus": node(f"{P}.exp_retailer_app_skus", path="models/exports/exp_retailer_app_skus.sql"),
        f"{P}.dim_stores": node(f"{P}.dim_stores"),
        "exposure.market.retailer_app": node("exposure.market.retailer_app", exposure_type="application", path="models/exposures.yml"),
        "exposure.market.weekly_dashboard": node("exposure.market.weekly_dashboard", exposure_type="dashboard"),
        "test.market.not_null_stg_inventory_sku_id": node("test.market.not_null_stg_inventory_sku_id"),
    }
    for uid, fields in overrides.items():
        nodes[uid] = {**nodes[uid], **fields}
    return list(nodes.values())


TESTS = [{"unique_id": "test.market.not_null_stg_inventory_sku_id", "test_name": "not_null", "attached_node": f"{P}.stg_inventory", "severity": "error"}]


def _context(tmp_path, nodes=None, *, settings=None, **tables):
    return make_context(
        tmp_path, now=NOW, settings=settings, nodes=nodes or _nodes(), tests=TESTS,
        edges=[{"parent_id": p, "child_id": c} for p, c in EDGES], **tables,
    )


@pytest.fixture(scope="module")
def lineage(tmp_path_factory):
    """The default lineage with no freshness runs, read from a real store once."""
    return _context(tmp_path_factory.mktemp("hardening"))


def _with_settings(ctx, settings):
    """The same frames under other production settings."""
    return Context(ctx.frames, now=NOW, settings=settings)


def _findings(ctx, rule: str, **options):
    return evaluate(ctx, Config(select=(rule,), options={rule: options} if options else {})).findings


# --- HRD001 -------------------------------------------------------------------------------------

def test_hrd001_fails_on_unhardened_models_under_an_application(lineage):
    found = {f.node: f for f in _findings(lineage, "HRD001")}
    assert set(found) == {f"{P}.exp_retailer_app_skus", f"{P}.int_availability"}  # one finding per model
    direct = found[f"{P}.exp_retailer_app_skus"]
    assert direct.message == (
        "`exp_retailer_app_skus` has no tests, no owner and no contract, yet exposure `retailer_app` (application) depends on it"
    )
    assert direct.path == "models/exports/exp_retailer_app_skus.sql"
    # an ephemeral model two steps away: owned, but untested (no contract asked that far away)
    assert found[f"{P}.int_availability"].message == (
        "`int_availability` has no tests, yet exposure `retailer_app` (application) depends on it "
        "(nearest via `int_availability` -> `exp_retailer_app_skus` -> `retailer_app`)"
    )


def test_hrd001_fails_once_per_model_naming_every_production_exposure(lineage):
    settings = {"production_exposure_types": ["application"], "production_exposures": ["weekly_dashboard"]}
    found = {f.node: f for f in _findings(_with_settings(lineage, settings), "HRD001")}
    assert found[f"{P}.dim_stores"].message == (
        "`dim_stores` has no tests, no owner and no contract, yet exposure "
        "`weekly_dashboard` (dashboard; listed in production.exposures) depends on it"
    )
    assert len(found) == 3 and len({f.fingerprint for f in found.values()}) == 3


def test_hrd001_fails_on_contracts_at_any_distance_when_asked(lineage):
    found = _findings(lineage, "HRD001", contract_depth=0, require=["contract"])
    assert sorted(f.message.split(",")[0] for f in found) == [
        "`exp_retailer_app_skus` has no contract",
        "`stg_inventory` has no contract",
    ]


def test_hrd001_passes_when_the_models_are_hardened(tmp_path):
    nodes = _nodes(**{f"{P}.exp_retailer_app_skus": {"owner": "app-team@example.com", "contract_enforced": True}})
    tests = TESTS + [
        {"unique_id": "test.market.unique_exp_retailer_app_skus_sku_id", "attached_node": f"{P}.exp_retailer_app_skus"},
        {"unique_id": "test.market.not_null_int_availability_sku_id", "attached_node": f"{P}.int_availability"},
    ]
    ctx = make_context(tmp_path, now=NOW, nodes=nodes, tests=tests, edges=[{"parent_id": p, "child_id": c} for p, c in EDGES])
    assert _findings(ctx, "HRD001") == ()


def test_hrd001_passes_when_nothing_is_production(lineage):
    assert _findings(_with_settings(lineage, {"production_exposure_types": []}), "HRD001") == ()


def test_hrd001_unknown_requirement_is_an_input_error(lineage):
    with pytest.raises(InputError, match=r"`rules.options.unhardened-production-dependency`: `require` takes tests, owner and contract, not 'docs'"):
        _findings(lineage, "HRD001", require=["tests", "docs"])


# --- HRD002 -------------------------------------------------------------------------------------

def _sources_run(invocation_id: str, at: dt.datetime) -> dict:
    return {"invocation_id": invocation_id, "kind": "sources", "command": "source freshness", "generated_at": at}


def test_hrd002_fails_when_freshness_was_never_run(lineage):
    (f,) = _findings(lineage, "HRD002")
    assert f.node == "exposure.market.retailer_app" and f.path == "models/_sources.yml"
    assert f.message == (
        "exposure `retailer_app` (application) depends on source `raw.inventory`, whose freshness is declared but "
        "no `dbt source freshness` results were ever collected "
        "(via `raw.inventory` -> `stg_inventory` -> `int_availability` -> `exp_retailer_app_skus` -> `retailer_app`)"
    )


def test_hrd002_fails_when_the_latest_freshness_run_left_the_source_out_or_is_old(tmp_path):
    old, new = NOW - dt.timedelta(days=2), NOW - dt.timedelta(hours=1)
    ctx = _context(
        tmp_path,
        invocations=[_sources_run("f1", old), _sources_run("f2", new)],
        freshness_results=[{"invocation_id": "f1", "unique_id": "source.market.raw.inventory", "status": "pass"}],
    )
    (f,) = _findings(ctx, "HRD002")
    assert "the latest `dbt source freshness` (2026-11-07 07:00) left it out; it was last checked 2026-11-05 08:00" in f.message
    stale = _context(
        tmp_path,
        invocations=[_sources_run("f1", old)],
        freshness_results=[{"invocation_id": "f1", "unique_id": "source.market.raw.inventory", "status": "pass"}],
    )
    (f,) = _findings(stale, "HRD002", max_check_age_hours=24)
    assert "the latest `dbt source freshness` ran 2 days ago (2026-11-05 08:00)" in f.message


def test_hrd002_passes_when_the_latest_freshness_run_checked_it(tmp_path):
    ctx = _context(
        tmp_path,
        invocations=[_sources_run("f1", NOW - dt.timedelta(hours=2))],
        freshness_results=[{"invocation_id": "f1", "unique_id": "source.market.raw.inventory", "status": "error"}],
    )
    assert _findings(ctx, "HRD002") == ()


def test_hrd002_passes_for_sources_without_any_freshness(tmp_path):
    # no freshness declared at all is missing-source-freshness's case, not this one's
    nodes = _nodes(**{"source.market.raw.inventory": {"freshness": None}})
    assert _findings(_context(tmp_path, nodes), "HRD002") == ()
