"""Repetitive findings, grouped: one rule firing on many nodes becomes a count and its top few.

``FRS002 missing-source-freshness: 116 sources, 12 feeding production; top 5 below`` with the
exact selector that lists them all (``--select rule:FRS002``; see
:mod:`console.ranking.rule_select`). A rule is grouped when it has at least
:data:`GROUP_MIN` findings; the group shows the :data:`GROUP_TOP` of highest priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from console.ranking.columns import SEVERITY_ORDER, severity_level
from console.ranking.priority import Ranking
from rules.base import Finding

#: A rule with at least this many findings is folded into a group.
GROUP_MIN = 8
#: How many of a group's findings the text and Markdown reports show.
GROUP_TOP = 5

_NOUNS = {"model": "models", "source": "sources", "test": "tests", "exposure": "exposures", "seed": "seeds",
          "snapshot": "snapshots", "unit_test": "unit tests", "metric": "metrics"}


@dataclass(frozen=True)
class Group:
    """One rule's findings, folded.

    Attributes:
        rule, name, category: the rule.
        severity: the most severe of its findings.
        count: how many findings.
        production: how many of them are on nodes a production exposure depends on.
        noun: what the findings are on (``sources``, ``models``, or ``findings`` when mixed).
        top: the fingerprints of the :data:`GROUP_TOP` findings of highest priority, in order.
        select: the ``--select`` value that lists them all.
    """

    rule: str
    name: str
    category: str
    severity: str
    count: int
    production: int
    noun: str
    top: tuple[str, ...]
    select: str

    @property
    def headline(self) -> str:
        """``FRS002 missing-source-freshness: 116 sources, 12 feeding production; top 5 below``."""
        prod = f", {self.production} feeding production" if self.production else ""
        return f"{self.rule} {self.name}: {self.count} {self.noun}{prod}; top {len(self.top)} below"

    def to_dict(self) -> dict:
        return {"rule": self.rule, "name": self.name, "category": self.category, "severity": self.severity,
                "count": self.count, "production": self.production, "noun": self.noun, "top": list(self.top),
                "select": self.select}


def group_findings(findings: Sequence[Finding], ranking: Ranking, *, minimum: int = GROUP_MIN,
                   top: int = GROUP_TOP) -> tuple[Group, ...]:
    """The groups of ``findings`` (already in rank order), in the order of their first finding.

    Example:
        >>> import polars as pl

from console.ranking.columns import SEVERITY_ORDER, severity_level
from console.ranking.priority import Ranking
        >>> fs = [Finding("FRS002", "missing-source-freshness", "freshness", "warn", f"source.p.s.t{i}", None,
        ...               None, "", "", f"f{i}") for i in range(10)]
        >>> (g,) = group_findings(fs, Ranking({}, frozenset({"f0", "f1"})))
        >>> g.headline, g.select
        ('FRS002 missing-source-freshness: 10 sources, 2 feeding production; top 5 below', 'rule:FRS002')
    """
    frame = ranking.frame_of(findings)
    if frame is not None:
        return _grouped_columns(frame, minimum, top)
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    out = []
    for rule, items in by_rule.items():
        if len(items) < minimum:
            continue
        kinds = {(f.node or "").partition(".")[0] for f in items}
        noun = _NOUNS.get(kinds.pop(), "findings") if len(kinds) == 1 else "findings"
        severities = {f.severity for f in items}
        worst = next((s for s in ("error", "warn", "info") if s in severities), items[0].severity)
        out.append(Group(
            rule, items[0].name, items[0].category, worst, len(items),
            sum(1 for f in items if f.fingerprint in ranking.production), noun,
            tuple(f.fingerprint for f in items[:top]), f"rule:{rule}",
        ))
    return tuple(out)


def _grouped_columns(frame: pl.DataFrame, minimum: int, top: int) -> tuple[Group, ...]:
    """:func:`group_findings` over a ranking's frame (in rank order, with ``production``): one
    group_by instead of a loop over every finding; the same groups."""
    level = severity_level()
    groups = (
        frame.group_by("rule", maintain_order=True)
        .agg(pl.len().alias("count"), pl.col("name").first(), pl.col("category").first(),
             pl.col("severity").first().alias("first_severity"), level.min().alias("level"),
             pl.col("node").fill_null("").str.extract(r"^([^.]*)", 1).unique().alias("kinds"),
             pl.col("production").sum().alias("production"), pl.col("fingerprint").head(top).alias("top"))
        .filter(pl.col("count") >= minimum)
    )
    names = {v: k for k, v in SEVERITY_ORDER.items()}
    out = []
    for rule, count, name, category, first, lvl, kinds, production, fingerprints in groups.iter_rows():
        noun = _NOUNS.get(kinds[0], "findings") if len(kinds) == 1 else "findings"
        out.append(Group(rule, name, category, names.get(lvl, first), count, production, noun, tuple(fingerprints),
                         f"rule:{rule}"))
    return tuple(out)
