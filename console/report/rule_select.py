"""``--select rule:FRS002``: select findings by rule as well as by node.

dbt's selector syntax chooses nodes (:mod:`console.selectors`); a report also needs to list
every finding of one rule, which is what a group of repetitive findings points at
(:mod:`console.ranking.groups`). An atom ``rule:X`` matches findings whose rule id or name
is ``X`` (globs allowed: ``rule:STR0*``); in an intersection it narrows the other atoms'
nodes to findings of that rule (``rule:HRD001,path:models/marts``). Terms without a ``rule:``
atom keep dbt's meaning, and a report without any ``rule:`` atom selects exactly as before.

Example:
    >>> split_terms(["rule:FRS002 stg_orders+", "rule:STR*,tag:x"])
    (['stg_orders+'], [(('FRS002',), ''), (('STR*',), 'tag:x')])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

import polars as pl

from console.graph import Graph
from console.selectors import Selection, select_nodes
from rules.base import Finding

_PREFIX = "rule:"


def split_terms(values: Sequence[str]) -> tuple[list[str], list[tuple[tuple[str, ...], str]]]:
    """Option values -> (terms without a rule atom, [(rule patterns, the term's other atoms)])."""
    plain: list[str] = []
    ruled: list[tuple[tuple[str, ...], str]] = []
    for value in values:
        for term in value.split():
            atoms = [a for a in term.split(",") if a]
            rules = tuple(a[len(_PREFIX):] for a in atoms if a.startswith(_PREFIX))
            if rules:
                ruled.append((rules, ",".join(a for a in atoms if not a.startswith(_PREFIX))))
            elif atoms:
                plain.append(term)
    return plain, ruled


def has_rule_atoms(values: Sequence[str]) -> bool:
    return any(_PREFIX in v for v in values)


def _rule_matches(patterns: tuple[str, ...], f: Finding) -> bool:
    return all(fnmatchcase(f.rule, p.upper()) or fnmatchcase(f.name, p.lower()) for p in patterns)


@dataclass(frozen=True)
class _RuleTerm:
    rules: tuple[str, ...]
    nodes: Selection | None

    def matches(self, f: Finding) -> bool:
        return _rule_matches(self.rules, f) and (self.nodes is None or self.nodes.keeps(f.node))


@dataclass(frozen=True)
class FindingSelection:
    """``--select``/``--exclude`` over findings: by node (dbt's syntax) and by rule.

    Attributes:
        select, exclude: the node selection of the terms without a rule atom (None: no such term).
        select_rules, exclude_rules: the terms with a rule atom.
        unmatched: atoms that matched nothing (worth a warning).
    """

    select: Selection | None
    exclude: Selection | None
    select_rules: tuple[_RuleTerm, ...]
    exclude_rules: tuple[_RuleTerm, ...]
    unmatched: tuple[str, ...]

    def keeps(self, f: Finding) -> bool:
        if self.select is not None or self.select_rules:
            chosen = (self.select is not None and self.select.keeps(f.node)) or any(t.matches(f) for t in self.select_rules)
            if not chosen:
                return False
        if self.exclude is not None and f.node is not None and f.node in self.exclude.nodes:
            return False
        return not any(t.matches(f) for t in self.exclude_rules)


def select_findings(graph: Graph, nodes: pl.DataFrame, select: Sequence[str], exclude: Sequence[str],
                    rule_ids: Sequence[str] = ()) -> FindingSelection:
    """The selection of ``--select``/``--exclude`` values that hold ``rule:`` atoms.

    Args:
        rule_ids: the ids and names of the rules that ran (a ``rule:`` atom matching none is
            reported as unmatched).
    """
    unmatched: list[str] = []

    def nodes_of(terms: list[str]) -> Selection | None:
        if not terms:
            return None
        sel = select_nodes(graph, nodes, terms)
        unmatched.extend(sel.unmatched)
        return sel

    def rule_terms(ruled) -> tuple[_RuleTerm, ...]:
        out = []
        for patterns, rest in ruled:
            for p in patterns:
                if rule_ids and not any(fnmatchcase(r, p.upper()) or fnmatchcase(r, p.lower()) for r in rule_ids):
                    unmatched.append(_PREFIX + p)
            out.append(_RuleTerm(patterns, nodes_of([rest]) if rest else None))
        return tuple(out)

    plain_select, ruled_select = split_terms(select)
    plain_exclude, ruled_exclude = split_terms(exclude)
    return FindingSelection(
        nodes_of(plain_select), nodes_of(plain_exclude), rule_terms(ruled_select), rule_terms(ruled_exclude),
        tuple(dict.fromkeys(unmatched)),
    )
