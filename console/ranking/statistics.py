"""``console report --statistics``: how many findings each rule made, as ruff's ``--statistics`` prints them.

A rule is *fixable by configuration* when its findings go away with a declarative change: a
property in the project's yml (a test, a description, a freshness block, a contract, an
owner, a materialization, an access level) or a key of the console's own configuration (the
layer naming of ``[layers]``), without touching SQL or data. A rule may say so itself with a
class attribute ``fixable_by_config = True``; for the rules that do not, :data:`FIXABLE_BY_CONFIG`
lists the ones that are. Any other rule, including rules of categories added later, counts as
not fixable by configuration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from rules.base import Finding

#: Rules whose findings a declarative change fixes (yml properties or ``[layers]``).
FIXABLE_BY_CONFIG = frozenset({
    "FRS002",  # missing-source-freshness: a freshness block
    "HRD001",  # unhardened-production-dependency: tests, owner, contract
    "STR002",  # duplicate-sources: one source definition
    "STR013",  # unused-sources: drop the source from yml
    "STR014",  # missing-primary-key-tests: unique + not_null
    "STR015",  # sources-without-freshness: a freshness block
    "STR016", "STR017", "STR018", "STR019", "STR020",  # test and documentation coverage
    "STR021", "STR024",  # model-directories, model-naming-conventions: [layers] that match the project
    "STR025", "STR026",  # chained views, exposure parents: materialized config
    "STR027",  # exposures-dependent-on-private-models: access: public
    "STR028", "STR029",  # public models: contract, descriptions
})


@dataclass(frozen=True)
class RuleCount:
    """One line of the statistics: a rule and how many findings it made."""

    rule: str
    name: str
    category: str
    severity: str
    count: int
    fixable_by_config: bool

    def to_dict(self) -> dict:
        return {"rule": self.rule, "name": self.name, "category": self.category, "severity": self.severity,
                "count": self.count, "fixable_by_config": self.fixable_by_config}


def fixable_by_config(rule_id: str) -> bool:
    """Whether findings of ``rule_id`` are fixable by configuration (see the module docstring).

    Example:
        >>> fixable_by_config("FRS002"), fixable_by_config("CHK001"), fixable_by_config("ZZZ999")
        (True, False, False)
    """
    from rules.registry import find_rule

    try:
        declared = getattr(find_rule(rule_id), "fixable_by_config", None)
    except KeyError:  # not a registered rule (a finding of a rule that crashed, a plugin gone)
        declared = None
    return bool(declared) if declared is not None else rule_id in FIXABLE_BY_CONFIG


def rule_counts(findings: Iterable[Finding], frame: pl.DataFrame | None = None) -> tuple[RuleCount, ...]:
    """Findings per rule, most first (ties by rule id); the worst severity of each rule.

    ``frame``: the same findings as columns, in the same order (a ranking's frame,
    :meth:`console.ranking.Ranking.frame_of`): counted by one group_by instead of a loop.

    Example:
        >>> fs = [Finding("STR018", "undocumented-models", "structure", "warn", f"m{i}", None, None, "", "", str(i))
        ...       for i in range(3)] + [Finding("CHK001", "failing-test", "checks", "error", "t", None, None, "", "", "x")]
        >>> [(c.rule, c.count, c.fixable_by_config) for c in rule_counts(fs)]
        [('STR018', 3, True), ('CHK001', 1, False)]
    """
    order = {"error": 0, "warn": 1, "info": 2}
    counts: dict[str, list] = {}
    if frame is not None:  # first seen first, as the Counter below gives them
        counted = frame.group_by("rule", "name", "category", "severity", maintain_order=True).len().iter_rows()
    else:
        counted = ((*key, n) for key, n in Counter((f.rule, f.name, f.category, f.severity) for f in findings).items())
    for rule, name, category, severity, n in counted:
        entry = counts.get(rule)
        if entry is None:
            counts[rule] = [name, category, severity, n]
        else:
            entry[3] += n
            if order.get(severity, 3) < order.get(entry[2], 3):
                entry[2] = severity
    rows = [RuleCount(rule, name, cat, sev, n, fixable_by_config(rule)) for rule, (name, cat, sev, n) in counts.items()]
    return tuple(sorted(rows, key=lambda r: (-r.count, r.rule)))
