"""The column-wise ranking gives exactly what the per-finding formula gives: every priority equals
`priority_of` of the finding's stakes, the rank order equals a sort with `rank_key`, the groups
and the counts per rule equal the loops'; on a real store, for random findings and random weights."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from console.ranking import Ranking, group_findings, prioritise, priority_of, rank_key, rule_counts
from console.ranking.stakes import NOTHING, node_stakes
from console.ranking.weights import PriorityWeights
from rules.base import Finding
from tests.ranking.test_priority_ranking import ctx, m  # noqa: F401  (the module's store fixture)

NODES = [m("stg_orders"), m("fct_orders"), m("exp_app"), m("rpt_weekly"), m("scratch"), "source.shop.raw.orders",
         "test.shop.not_null_fct_orders_id", "exposure.shop.app", "lookml.view.orders", None]
SEVERITIES = ["error", "warn", "info", "fatal"]
CATEGORIES = ["checks", "structure", "hardening", "freshness", "astrology"]

findings_lists = st.lists(
    st.tuples(st.sampled_from(["R1", "R2", "R3", "Z9"]), st.sampled_from(SEVERITIES), st.sampled_from(CATEGORIES),
              st.sampled_from(NODES), st.sampled_from([None, "models/a.sql", "models/é.sql"]),
              st.sampled_from([None, 0, 3, 12])),
    max_size=40,
).map(lambda rows: [Finding(rule, rule.lower(), cat, sev, node, path, line, "", "", f"fp{i:03d}")
                    for i, (rule, sev, cat, node, path, line) in enumerate(rows)])
#: weights with halves and odd shares, where rounding half to even decides
weight = st.sampled_from([0.0, 0.5, 1.0, 2.5, 12.5, 25.0, 40.0, 62.5, 99.5])
share = st.sampled_from([0.0, 0.3, 0.5, 0.6, 0.7, 0.85, 1.0])
weight_sets = st.builds(
    lambda sev, cat, prod, cons, cap, failed, stale, app, dash, high, low: PriorityWeights(
        severity={"error": sev, "warn": sev / 2, "info": 5.0}, category={"checks": cat, "structure": 2.0},
        default_category=cat / 2, production=prod, consumers=cons, consumers_cap=cap, failed=failed, stale=stale,
        exposure_type={"application": app, "dashboard": dash, "other": 0.6},
        maturity={"high": high, "low": low, "unknown": 0.85}),
    weight, weight, weight, weight, st.sampled_from([0.0, 1.0, 3.0, 8.0]), weight, weight, share, share, share, share,
)


@settings(max_examples=150, deadline=None)
@given(findings=findings_lists, weights=weight_sets)
def test_columns_rank_as_the_formula_and_the_key_do(ctx, findings, weights):  # noqa: F811
    ranking = prioritise(ctx, findings, weights)
    stakes = node_stakes(ctx, weights)
    for f in findings:
        s = stakes.get(f.node, NOTHING) if f.node else NOTHING
        assert ranking.priority[f.fingerprint] == priority_of(f.severity, f.category, s, weights)
        assert (f.fingerprint in ranking.production) == (s.production_exposures > 0)
    ranked = ranking.ranked(findings)
    assert ranked == sorted(findings, key=rank_key(ranking.priority))
    by_loop = group_findings(ranked, Ranking(ranking.priority, ranking.production), minimum=2, top=3)
    assert group_findings(ranked, ranking, minimum=2, top=3) == by_loop
    assert rule_counts(ranked, ranking.frame_of(ranked)) == rule_counts(ranked)


def test_a_ranking_sorts_other_findings_with_its_key(ctx):  # noqa: F811
    found = [Finding("R1", "r1", "structure", "warn", m(n), None, None, "", "", n) for n in ("scratch", "exp_app")]
    ranking = prioritise(ctx, found)
    assert ranking.ranked(found)[0].node == m("exp_app")
    others = list(reversed(found))  # not the list it ranked: sorted with the key, the same order
    assert ranking.frame_of(others) is None and ranking.ranked(others) == ranking.ranked(found)
    assert [f.node for f in Ranking().ranked(found)] == [m("exp_app"), m("scratch")]  # no priorities: by node
