"""Priorities come from what is at stake: production exposures, their type and maturity, consumers,
recent failures, staleness, the rule's category; severity stays first. Real stores, real findings."""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import load_config
from console.errors import InputError
from console.ranking import PriorityWeights, prioritise, priority_weights, rank_key
from console.ranking.stakes import node_stakes
from rules.base import Finding, fingerprint
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 7, 9, 0)


def m(name: str) -> str:
    return f"model.shop.{name}"


def finding(rule: str, category: str, severity: str, node_id: str | None, key: str = "") -> Finding:
    return Finding(rule, rule.lower(), category, severity, node_id, None, None, f"{rule} on {node_id}", "",
                   fingerprint(rule, node_id, key))


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """raw.orders -> stg_orders -> fct_orders -> exp_app -> app (application, high)
                                  fct_orders -> rpt_weekly -> board (dashboard, low)
    stg_orders -> scratch (no consumer); test on fct_orders failed in the latest run; raw.orders stale."""
    nodes = [
        node("source.shop.raw.orders", name="orders", source_name="raw"),
        *(node(m(n), path=f"models/{n}.sql") for n in ("stg_orders", "fct_orders", "exp_app", "rpt_weekly", "scratch")),
        node("exposure.shop.app", exposure_type="application", maturity="high"),
        node("exposure.shop.board", exposure_type="dashboard", maturity="low"),
        node("test.shop.not_null_fct_orders_id"),
    ]
    edges = [("source.shop.raw.orders", m("stg_orders")), (m("stg_orders"), m("fct_orders")), (m("fct_orders"), m("exp_app")),
             (m("exp_app"), "exposure.shop.app"), (m("fct_orders"), m("rpt_weekly")), (m("rpt_weekly"), "exposure.shop.board"),
             (m("stg_orders"), m("scratch")), (m("fct_orders"), "test.shop.not_null_fct_orders_id")]
    return make_context(
        tmp_path_factory.mktemp("rank"), now=NOW, settings={"production_exposure_types": ("application",)},
        nodes=nodes, edges=[{"parent_id": p, "child_id": c} for p, c in edges],
        tests=[{"unique_id": "test.shop.not_null_fct_orders_id", "test_name": "not_null", "attached_node": m("fct_orders")}],
        invocations=[
            {"invocation_id": "b1", "kind": "run_results", "generated_at": NOW - dt.timedelta(hours=2), "command": "build"},
            {"invocation_id": "f1", "kind": "sources", "generated_at": NOW - dt.timedelta(hours=1), "command": "source freshness"},
        ],
        node_results=[{"invocation_id": "b1", "unique_id": "test.shop.not_null_fct_orders_id", "status": "fail"},
                      {"invocation_id": "b1", "unique_id": m("fct_orders"), "status": "success"}],
        freshness_results=[{"invocation_id": "f1", "unique_id": "source.shop.raw.orders", "status": "warn"}],
    )


def test_stakes_follow_the_graph_and_the_history(ctx):
    stakes = node_stakes(ctx, PriorityWeights())
    assert stakes[m("fct_orders")].production == 1.0 and stakes[m("fct_orders")].production_exposures == 1
    assert stakes[m("fct_orders")].consumers == 2 and stakes[m("fct_orders")].failed  # its test failed
    assert stakes["test.shop.not_null_fct_orders_id"].failed and stakes["test.shop.not_null_fct_orders_id"].production == 1.0
    assert stakes[m("rpt_weekly")].production == 0.0 and stakes[m("rpt_weekly")].consumers == 1  # a dashboard is not production here
    assert stakes["source.shop.raw.orders"].stale and stakes["source.shop.raw.orders"].production == 1.0
    assert m("scratch") not in stakes  # nothing at stake: not in the map


def test_the_same_rule_ranks_higher_where_production_rests_on_it(ctx):
    found = [finding("STR018", "structure", "warn", m(n)) for n in ("scratch", "rpt_weekly", "exp_app")]
    ranking = prioritise(ctx, found)
    p = {f.node: ranking.priority[f.fingerprint] for f in found}
    assert p[m("exp_app")] > p[m("rpt_weekly")] > p[m("scratch")]
    assert [f.node for f in sorted(found, key=ranking.key())] == [m("exp_app"), m("rpt_weekly"), m("scratch")]
    assert ranking.production == {found[2].fingerprint}


def test_severity_stays_first_whatever_is_at_stake(ctx):
    hot = finding("HRD001", "hardening", "warn", m("exp_app"))
    cold = finding("STR008", "structure", "error", m("scratch"))
    ranking = prioritise(ctx, [hot, cold])
    assert ranking.priority[hot.fingerprint] > ranking.priority[cold.fingerprint]
    assert sorted([hot, cold], key=rank_key(ranking.priority)) == [cold, hot]


def test_category_failure_and_staleness_count(ctx):
    on_fct = [finding(r, c, "warn", m("fct_orders")) for r, c in (("CHK001", "checks"), ("STR001", "structure"))]
    p = prioritise(ctx, on_fct).priority
    assert p[on_fct[0].fingerprint] - p[on_fct[1].fingerprint] == 18  # checks 20 against structure 2
    stale = finding("FRS001", "freshness", "warn", "source.shop.raw.orders")
    fresh_twin = finding("FRS001", "freshness", "warn", m("stg_orders"))
    p = prioritise(ctx, [stale, fresh_twin]).priority
    assert p[stale.fingerprint] - p[fresh_twin.fingerprint] == 8


def test_any_category_ranks_even_one_no_one_knows_yet(ctx):
    f = finding("ZZZ001", "astrology", "info", m("exp_app"))
    assert 0 < prioritise(ctx, [f]).priority[f.fingerprint] <= 100
    project_wide = finding("WHS009", "warehouse", "info", None)
    assert prioritise(ctx, [project_wide]).priority[project_wide.fingerprint] == 5 + 8


def test_weights_come_from_the_configuration(ctx, tmp_path):
    (tmp_path / "console.toml").write_text(
        "[priority]\nproduction = 0\nconsumers = 0\nseverity = { warn = 1 }\ncategory = { structure = 50 }\n"
    )
    config = load_config(tmp_path)
    weights = priority_weights(config.priority, config.source)
    assert weights.severity == {"error": 40.0, "warn": 1.0, "info": 5.0}
    found = [finding("STR018", "structure", "warn", m("scratch")), finding("HRD001", "hardening", "warn", m("exp_app"))]
    p = prioritise(ctx, found, weights).priority
    assert p[found[0].fingerprint] == 51 and p[found[1].fingerprint] == 1 + 16


@pytest.mark.parametrize(("table", "message"), [
    ({"prodution": 3}, "unknown key `priority.prodution` (did you mean `production`?)"),
    ({"production": -1}, "`priority.production` must be a non-negative number, not -1"),
    ({"severity": 3}, "`priority.severity` must be a table of name = number"),
    ({"maturity": {"high": "a lot"}}, "`priority.maturity.high` must be a non-negative number, not 'a lot'"),
])
def test_bad_weights_are_an_error_naming_the_file(tmp_path, table, message):
    path = tmp_path / "console.toml"
    with pytest.raises(InputError) as err:
        priority_weights(table, path)
    assert str(err.value) == f"{path}: {message}"
