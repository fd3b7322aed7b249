"""The one-screen summary that opens the text and Markdown reports (and later the terminal UI).

What a data lead reads first: the project's health score and its trend, the findings counted
by category and severity with the change since the baseline (``--baseline``) or else since
the previous collect's report, the ten findings of highest priority, and the rules that fire
most. Built once from the findings, their ranking and the scores; every face renders it.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from console.ranking.statistics import RuleCount, rule_counts
from rules.base import CATEGORIES, Finding

SEVERITIES = ("error", "warn", "info")
#: How many findings the summary's top list holds, and how many rules its "most frequent" line.
TOP = 10
BUSIEST = 4


def category_counts(findings: Iterable[Finding]) -> dict[str, dict[str, int]]:
    """{category: {severity: n}} for the categories that have findings.

    Example:
        >>> f = Finding("CHK001", "failing-test", "checks", "error", "t", None, None, "", "", "x")
        >>> category_counts([f, f])
        {'checks': {'error': 2, 'warn': 0, 'info': 0}}
    """
    out: dict[str, dict[str, int]] = {}
    for (category, severity), n in Counter((f.category, f.severity) for f in findings).items():
        row = out.get(category)
        if row is None:
            row = out[category] = dict.fromkeys(SEVERITIES, 0)
        row[severity] = row.get(severity, 0) + n
    return out


def _total(counts: Mapping[str, Mapping[str, int]] | None) -> int:
    return sum(sum(row.values()) for row in (counts or {}).values())


@dataclass(frozen=True)
class Overview:
    """The summary's content.

    Attributes:
        score: the project's health score (None without models or sources).
        trend: the score's sparkline and change (``▃▄▆ +0.4``), "" without history.
        counts: {category: {severity: n}} of every current finding (after selection, before
            the baseline hides the known ones).
        reference: the same counts of the baseline or the previous collect's report (None: none).
        reference_label: ``baseline`` or ``last report``.
        top: the findings of highest priority (after the baseline), highest first.
        priority: fingerprint -> priority of the ``top`` findings.
        busiest: the rules with the most findings.
        new: with a baseline, how many findings are not in it (None without one).
    """

    score: float | None
    trend: str
    counts: Mapping[str, Mapping[str, int]]
    reference: Mapping[str, Mapping[str, int]] | None
    reference_label: str
    top: tuple[Finding, ...]
    priority: Mapping[str, int]
    busiest: tuple[RuleCount, ...]
    new: int | None = None

    @property
    def total(self) -> int:
        return _total(self.counts)

    def change(self, category: str | None = None) -> int | None:
        """Findings now minus findings in the reference (of one category, or all); None without one."""
        if self.reference is None:
            return None
        if category is None:
            return self.total - _total(self.reference)
        return sum(self.counts.get(category, {}).values()) - sum(self.reference.get(category, {}).values())

    def categories(self) -> list[str]:
        """Categories with findings now or in the reference: known ones in their order, then the rest."""
        seen = set(self.counts) | set(self.reference or {})
        known = [c for c in CATEGORIES if c in seen]
        return known + sorted(seen - set(known))


def build_overview(
    counted: Sequence[Finding],
    shown: Sequence[Finding],
    priority: Mapping[str, int],
    *,
    score: float | None,
    trend: str = "",
    reference: Mapping[str, Mapping[str, int]] | None = None,
    reference_label: str = "",
    ranked: bool = False,
    frame: pl.DataFrame | None = None,
) -> Overview:
    """The summary of a report.

    Args:
        counted: every current finding (after selection; the baseline not applied).
        shown: the findings the report shows (after the baseline), for the top list.
        priority: fingerprint -> priority.
        score, trend: the project's health score and its trend line.
        reference, reference_label: what the counts are compared with.
        ranked: ``shown`` is in rank order (:func:`console.ranking.rank_key`, as a report
            holds its findings): the top list is then read off the head of each severity.
        frame: ``shown`` as columns, in order (the ranking's frame), to count rules from.
    """
    top = top_findings(shown, priority, ranked)
    return Overview(
        score, trend, category_counts(counted), reference, reference_label, tuple(top),
        {f.fingerprint: priority.get(f.fingerprint, 0) for f in top}, rule_counts(shown, frame)[:BUSIEST],
        len(shown) if reference_label == "baseline" else None,
    )


def top_findings(shown: Sequence[Finding], priority: Mapping[str, int], ranked: bool = False, n: int = TOP) -> list[Finding]:
    """The ``n`` findings of highest priority (ties: higher severity, then rule and node).

    In rank order (severity first, then priority: see :func:`console.ranking.rank_key`), a
    severity's candidates are its first ``n`` findings: only those are compared, instead of a
    key for every finding.

    Example:
        >>> fs = [Finding("R1", "a", "checks", s, f"n{i}", None, None, "", "", f"f{i}")
        ...       for i, s in enumerate(["error", "warn", "warn", "info"])]
        >>> p = {"f0": 50, "f1": 90, "f2": 10, "f3": 60}
        >>> [f.fingerprint for f in top_findings(fs, p, ranked=True, n=3)]
        ['f1', 'f3', 'f0']
        >>> [f.fingerprint for f in top_findings(fs, p, n=3)]
        ['f1', 'f3', 'f0']
    """
    order = {s: i for i, s in enumerate(SEVERITIES)}

    def key(f: Finding) -> tuple:
        return (-priority.get(f.fingerprint, 0), order.get(f.severity, 3), f.rule, f.node or "")

    if ranked:
        level = lambda f: order.get(f.severity, len(SEVERITIES))  # noqa: E731  (rank_key puts unknown ones last)
        candidates: list[Finding] = []
        start = 0
        while start < len(shown):
            end = bisect.bisect_right(shown, level(shown[start]), lo=start, key=level)
            candidates += shown[start:min(end, start + n)]
            start = end
        shown = candidates
    return heapq.nsmallest(n, shown, key=key)
