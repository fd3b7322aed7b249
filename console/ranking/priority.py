"""A finding's priority: 0 to 100, from its severity, its category and what is at stake at its node.

The formula (docs/priority.md explains each term and its default)::

    priority = min(100, round(
          severity[finding.severity]
        + category[finding.category]
        + production * best production exposure's type share * its maturity share
        + consumers  * min(1, log2(1 + exposures downstream) / log2(1 + consumers_cap))
        + failed     * (the node or a test of it failed in the last `recent_runs` runs)
        + stale      * (the source was stale in the latest freshness check)))

Every format sorts findings by severity first and by priority within a severity
(:func:`rank_key`), so an error stays above a warning however much rests on the warning.

Example:
    >>> from console.ranking.stakes import Stakes
    >>> from console.ranking.weights import PriorityWeights
    >>> w = PriorityWeights()
    >>> priority_of("warn", "structure", Stakes(), w)
    22
    >>> priority_of("warn", "hardening", Stakes(production=1.0, production_exposures=2, consumers=2), w)
    66
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from console.ranking.stakes import NOTHING, Stakes, node_stakes
from console.ranking.weights import PriorityWeights
from rules.base import Finding
from rules.context import Context


def priority_of(severity: str, category: str, stakes: Stakes, weights: PriorityWeights) -> int:
    """The priority of a finding of this severity and category on a node with these stakes."""
    return round(min(100.0, sum(priority_terms(severity, category, stakes, weights).values())))


def priority_terms(severity: str, category: str, stakes: Stakes, weights: PriorityWeights) -> dict[str, float]:
    """The formula's terms, by name (what a screen shows when asked why a finding ranks high).

    Example:
        >>> from console.ranking.weights import PriorityWeights
        >>> priority_terms("error", "checks", Stakes(failed=True), PriorityWeights())
        {'severity': 40.0, 'category': 20.0, 'production': 0.0, 'consumers': 0.0, 'failed': 10.0, 'stale': 0.0}
    """
    consumers = 0.0
    if stakes.consumers and weights.consumers_cap > 0:
        consumers = min(1.0, math.log2(1 + stakes.consumers) / math.log2(1 + weights.consumers_cap))
    return {
        "severity": weights.severity.get(severity, 0.0),
        "category": weights.category_points(category),
        "production": weights.production * stakes.production,
        "consumers": weights.consumers * consumers,
        "failed": weights.failed if stakes.failed else 0.0,
        "stale": weights.stale if stakes.stale else 0.0,
    }


@dataclass(frozen=True)
class Ranking:
    """The priorities of a set of findings.

    Attributes:
        priority: fingerprint -> priority (0 to 100).
        production: fingerprints of findings on nodes a production exposure depends on.
    """

    priority: Mapping[str, int] = field(default_factory=dict)
    production: frozenset[str] = frozenset()

    def key(self):
        """The sort key of :func:`rank_key` over these priorities."""
        return rank_key(self.priority)


def prioritise(ctx: Context, findings: Iterable[Finding], weights: PriorityWeights | None = None) -> Ranking:
    """Rank every finding (stakes are computed once per call)."""
    weights = weights or PriorityWeights()
    stakes = node_stakes(ctx, weights)
    memo: dict[tuple[str, str, int], int] = {}  # keyed by the Stakes object's id: they live as long as the call
    out: dict[str, int] = {}
    production = []
    get = stakes.get
    for f in findings:
        s = get(f.node, NOTHING) if f.node else NOTHING
        key = (f.severity, f.category, id(s))
        p = memo.get(key)
        if p is None:
            p = memo[key] = priority_of(f.severity, f.category, s, weights)
        out[f.fingerprint] = p
        if s.production_exposures:
            production.append(f.fingerprint)
    return Ranking(out, frozenset(production))


_SEVERITY_ORDER = {"error": 0, "warn": 1, "info": 2}


def rank_key(priorities: Mapping[str, int]):
    """A sort key: severity (highest first), then priority (highest first), then rule and node.

    Example:
        >>> from rules.base import Finding
        >>> a = Finding("R1", "a", "structure", "warn", "n1", None, None, "", "", "fa")
        >>> b = Finding("R2", "b", "hardening", "warn", "n2", None, None, "", "", "fb")
        >>> c = Finding("R3", "c", "structure", "error", "n3", None, None, "", "", "fc")
        >>> [f.rule for f in sorted([a, b, c], key=rank_key({"fa": 23, "fb": 60, "fc": 43}))]
        ['R3', 'R2', 'R1']
    """

    def key(f: Finding) -> tuple:
        return (_SEVERITY_ORDER.get(f.severity, 3), -priorities.get(f.fingerprint, 0), f.rule, f.node or "",
                f.path or "", f.line or 0, f.fingerprint)

    return key
