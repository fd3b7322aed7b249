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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from console.ranking.columns import findings_frame, rank_order
from console.ranking.stakes import Stakes, node_stakes
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
        frame: the ranked findings as columns (:func:`console.ranking.columns.findings_frame`
            with ``priority`` and ``production``), None for a ranking made otherwise.
        source: the list ``frame`` was built from (its row ``i`` is ``source[i]``).
    """

    priority: Mapping[str, int] = field(default_factory=dict)
    production: frozenset[str] = frozenset()
    frame: pl.DataFrame | None = field(default=None, repr=False, compare=False)
    source: Sequence[Finding] | None = field(default=None, repr=False, compare=False)

    def key(self):
        """The sort key of :func:`rank_key` over these priorities."""
        return rank_key(self.priority)

    def covers(self, findings: Sequence[Finding]) -> bool:
        """Whether :attr:`frame` holds exactly these findings, in this order."""
        return self.frame is not None and (findings is self.source or (
            len(findings) == len(self.source) and all(a is b for a, b in zip(findings, self.source))))

    def ranked(self, findings: Sequence[Finding]) -> list[Finding]:
        """``findings`` in rank order (:func:`rank_key`): one sort of the frame's columns when it
        holds them, else a sort with the key. The frame in that order is kept for
        :meth:`frame_of` (the groups read it), so the order is computed once."""
        if not self.covers(findings):
            return sorted(findings, key=self.key())
        order = rank_order(self.frame)
        out = [findings[i] for i in order]
        object.__setattr__(self, "_in_order", (out, self.frame[order]))
        return out

    def frame_of(self, findings: Sequence[Finding]) -> pl.DataFrame | None:
        """The frame of exactly these findings in their order (a list :meth:`ranked` returned,
        or the one it ranked), else None."""
        done = self.__dict__.get("_in_order")
        if done is not None and findings is done[0]:
            return done[1]
        return self.frame if self.covers(findings) else None


def prioritise(ctx: Context, findings: Iterable[Finding], weights: PriorityWeights | None = None) -> Ranking:
    """Rank every finding: the formula as one polars expression over the findings' columns,
    joined with the stakes of their nodes (computed once per call).

    The terms are added in :func:`priority_terms`' order and rounded half to even, as
    :func:`priority_of` does, so both give the same number for every finding (a test holds
    them to it); the consumers term is computed per distinct count with :mod:`math`.
    """
    weights = weights or PriorityWeights()
    findings = findings if isinstance(findings, (list, tuple)) else list(findings)
    frame = findings_frame(findings)
    stakes = stakes_frame(node_stakes(ctx, weights), weights)
    points = pl.col("severity").replace_strict(weights.severity, default=0.0, return_dtype=pl.Float64)
    points = points + pl.col("category").replace_strict(weights.category, default=weights.default_category,
                                                        return_dtype=pl.Float64)
    for term in ("_production", "_consumers", "_failed", "_stale"):
        points = points + pl.col(term).fill_null(0.0)
    ranked = (
        frame.join(stakes, on="node", how="left", maintain_order="left")
        .select(*frame.columns, points.clip(upper_bound=100.0).round(0).cast(pl.Int64).alias("priority"),
                pl.col("_exposures").fill_null(0).gt(0).alias("production"))
    )
    fingerprints = ranked["fingerprint"].to_list()
    priority = dict(zip(fingerprints, ranked["priority"].to_list()))
    production = frozenset(ranked.filter("production")["fingerprint"].to_list())
    return Ranking(priority, production, ranked, findings)


def stakes_frame(stakes: Mapping[str, Stakes], weights: PriorityWeights) -> pl.DataFrame:
    """``node`` and the stakes' terms of the formula (``_production``, ``_consumers``,
    ``_failed``, ``_stale``, as :func:`priority_terms` computes them) with ``_exposures``, the
    count of production exposures; one row per node with something at stake.

    Nodes with equal stakes share one :class:`Stakes` object: the terms are computed once per
    distinct object and joined to the nodes.
    """
    index: dict[int, int] = {}  # id of a distinct Stakes -> its row
    distinct: list[Stakes] = []
    for s in stakes.values():
        if id(s) not in index:
            index[id(s)] = len(distinct)
            distinct.append(s)
    terms = [priority_terms("", "", s, weights) for s in distinct]
    table = pl.DataFrame(
        {"_sid": range(len(distinct)), "_production": [t["production"] for t in terms],
         "_consumers": [t["consumers"] for t in terms], "_failed": [t["failed"] for t in terms],
         "_stale": [t["stale"] for t in terms], "_exposures": [s.production_exposures for s in distinct]},
        schema={"_sid": pl.Int64, "_production": pl.Float64, "_consumers": pl.Float64, "_failed": pl.Float64,
                "_stale": pl.Float64, "_exposures": pl.Int64},
    )
    nodes = pl.DataFrame({"node": list(stakes), "_sid": [index[id(s)] for s in stakes.values()]},
                         schema={"node": pl.String, "_sid": pl.Int64})
    return nodes.join(table, on="_sid", how="left").drop("_sid")


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
