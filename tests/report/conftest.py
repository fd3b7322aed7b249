"""A small shop project written to a real store, and findings on it (one hostile model name)."""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import RuleException
from console.report.model import RuleInfo, build_report
from rules.base import Finding, fingerprint
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 7, 9, 0, 0)
EVIL_NAME = "<img src=x onerror=alert(1)>"
EVIL_ID = f"model.shop.{EVIL_NAME}"
EVIL_MESSAGE = "breaks out </script><script>alert('x')</script> | `tick` & *bold* [link](javascript:alert(1))"

SRC = "source.shop.raw.orders"
STG = "model.shop.stg_orders"
FCT = "model.shop.fct_orders"
EXP = "model.shop.exp_orders_crm"
TEST = "test.shop.not_null_fct_orders_id"
EXPOSURE = "exposure.shop.crm_sync"


def shop_tables() -> dict[str, list[dict]]:
    """Rows of every store table the report reads."""
    nodes = [
        node(SRC, name="orders", source_name="raw", path="models/staging/_sources.yml", layer="source", fqn=["shop", "staging", "raw", "orders"]),
        node(STG, path="models/staging/stg_orders.sql", layer="staging", fqn=["shop", "staging", "stg_orders"], tags=["nightly"],
             materialized="view", config={"materialized": "view", "on_schema_change": "ignore"}),
        node(FCT, path="models/marts/fct_orders.sql", layer="mart", fqn=["shop", "marts", "fct_orders"], tags=["finance", "nightly"],
             materialized="table", access="public", group_name="finance"),
        node(EXP, path="models/exports/exp_orders_crm.sql", layer="export", fqn=["shop", "exports", "exp_orders_crm"], tags=["finance"],
             materialized="table"),
        node(EVIL_ID, name=EVIL_NAME, path="models/marts/evil.sql", layer="mart", fqn=["shop", "marts", EVIL_NAME], materialized="table"),
        node(TEST, path="models/marts/_marts.yml", fqn=["shop", "marts", "not_null_fct_orders_id"]),
        node(EXPOSURE, path="models/exposures.yml", fqn=["shop", "crm_sync"], exposure_type="application"),
        node("seed.shop.markets", path="seeds/markets.csv", fqn=["shop", "markets"]),
    ]
    edges = [(SRC, STG), (STG, FCT), (FCT, EXP), (FCT, TEST), (EXP, EXPOSURE), (FCT, EVIL_ID), ("seed.shop.markets", FCT)]
    day = dt.timedelta(days=1)
    invocations, results = [], []
    for i, (fct_time, test_status) in enumerate([(10.0, "pass"), (12.5, "pass"), (30.0, "fail")]):
        inv = f"run-{i}"
        at = NOW - (3 - i) * day
        invocations.append({"invocation_id": inv, "kind": "run_results", "generated_at": at, "command": "build",
                            "dbt_version": "1.11.2", "schema_version": 6})
        for uid, secs, status in [(STG, 1.0 + i, "success"), (FCT, fct_time, "success"), (EXP, 2.0, "success"),
                                  (EVIL_ID, 0.5, "error" if i == 2 else "success"), (TEST, 0.2, test_status)]:
            results.append({"invocation_id": inv, "unique_id": uid, "status": status, "execution_time": secs,
                            "failures": 3 if status == "fail" else 0})
    invocations.append({"invocation_id": "fresh-1", "kind": "sources", "generated_at": NOW - dt.timedelta(hours=2),
                        "command": "source freshness"})
    freshness = [{"invocation_id": "fresh-1", "unique_id": SRC, "status": "warn", "age_seconds": 30 * 3600.0,
                  "warn_after": {"count": 24, "period": "hour"}, "error_after": {"count": 2, "period": "day"}}]
    return {
        "project": [{"name": "shop", "root": "/srv/shop", "dbt_version": "1.11.2", "adapter": "duckdb"}],
        "nodes": nodes,
        "edges": [{"parent_id": p, "child_id": c} for p, c in edges],
        "tests": [{"unique_id": TEST, "test_name": "not_null", "attached_node": FCT, "severity": "error"}],
        "invocations": invocations,
        "node_results": results,
        "freshness_results": freshness,
    }


def _finding(rule, name, category, severity, node_id, path, line, message, hint, key=""):
    return Finding(rule, name, category, severity, node_id, path, line, message, hint, fingerprint(rule, node_id, key))


FINDINGS = (
    _finding("CHK001", "failing-test", "checks", "error", TEST, "models/marts/_marts.yml", 12,
             "`not_null_fct_orders_id` failed on 3 rows", "Fix the data or the test."),
    _finding("STR001", "model-naming", "structure", "error", EVIL_ID, "models/marts/evil.sql", 1, EVIL_MESSAGE,
             "Rename <b>it</b>."),
    _finding("FRS001", "source-freshness", "freshness", "warn", SRC, "models/staging/_sources.yml", None,
             "`raw.orders` was loaded 30.0 h ago (warn after 24 h)", "Check the loader."),
    _finding("HRD001", "missing-owner", "hardening", "info", EXP, "models/exports/exp_orders_crm.sql", None,
             "`exp_orders_crm` has no owner", "Set meta.owner."),
    _finding("WRH001", "no-warehouse", "warehouse", "info", None, None, None,
             "no warehouse connection: 50% of checks skipped, a:b,c", "Set [paths] warehouse."),
)
RULES = (
    RuleInfo("CHK001", "failing-test", "checks", "error", "Fix the data or the test.", "A dbt test failed."),
    RuleInfo("CHK002", "build-error", "checks", "error", "Fix the model.", "A model did not build."),
    RuleInfo("FRS001", "source-freshness", "freshness", "warn", "Check the loader.", "A source is stale."),
)
EXPIRED_EXC = RuleException("FRS001", SRC, "loader migration", dt.date(2026, 11, 1))
LIVE_EXC = RuleException("STR002", "model.shop.*", "legacy names until Q1", dt.date(2027, 3, 31))
SUPPRESSED = (
    (_finding("STR002", "model-directories", "structure", "warn", STG, "models/staging/stg_orders.sql", None,
              "`stg_orders` is in the wrong folder", "Move it."), LIVE_EXC),
)


@pytest.fixture(scope="session")
def shop_ctx(tmp_path_factory):
    """A Context read back from a real store file."""
    return make_context(tmp_path_factory.mktemp("shop"), now=NOW, **shop_tables())


@pytest.fixture
def report_data(shop_ctx):
    """The shop's ReportData with every finding, one suppressed and one expired exception."""
    return build_report(shop_ctx, FINDINGS, rules=RULES, suppressed=SUPPRESSED, expired=((FINDINGS[2], EXPIRED_EXC),))
