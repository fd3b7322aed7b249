"""The same business rule implemented in several places, dbt models included.

Every business expression carries a normalised key (:mod:`collectors.sql_logic.normalise`:
``volume_ml > 50`` in a Hightouch model, ``50 < t.VOLUME_ML`` in a Metabase question and the
CASE branch ``when volume_ml <= 50`` in LookML all have the key ``volume_ml <= 50``). A
**duplicated rule** is a key found in at least two places (a place is one last-mile item or
one dbt model; the same key twice in one place counts once), at least one of them in the last
mile: logic repeated between dbt models alone is dbt's own business, not layerinitis.

Only expressions that state a rule count (:data:`console.layerinitis.items.RULE_KINDS`:
filters, CASE, computed columns, date arithmetic, windows): two places joining on the same key
or summing the same column implement no business rule twice. A key must name a column and
hold no parameter (``store_id = :p1`` is a lookup, not a rule).

Example:
    >>> rule_worthy("volume_ml <= 50"), rule_worthy("store_id = :p1"), rule_worthy("1 = 1")
    (True, False, False)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from collectors.sql_logic.normalise import has_parameter
from console.layerinitis._cache import cached
from console.layerinitis.items import RULE_KINDS, Expression, items, model_expressions
from console.layerinitis.resolve import node_label


@dataclass(frozen=True)
class Place:
    """One place a rule is implemented.

    Attributes:
        subject_id: the last-mile artifact_id, or the dbt model's unique_id.
        subject_type: ``lastmile`` or ``model``.
        tool: the item's tool, or ``dbt``.
        label: how messages name the place (``Hightouch model `Top items for Salesforce```).
        path, line: where the expression is.
        sql: the expression as written there.
        kind: the expression's kind.
    """

    subject_id: str
    subject_type: str
    tool: str
    label: str
    path: str | None
    line: int | None
    sql: str
    kind: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    @property
    def described(self) -> str:
        """``Hightouch model `X` (`volume_ml > 50` at path:10)``."""
        return f"{self.label} (`{self.sql}` at {self.where})"


@dataclass(frozen=True)
class DuplicateRule:
    """A business rule found in several places (dbt models first, then by path)."""

    key: str
    places: tuple[Place, ...]

    @functools.cached_property
    def by_subject(self) -> dict[str, Place]:
        """subject_id -> its place."""
        return {p.subject_id: p for p in self.places}

    @property
    def tools(self) -> list[str]:
        return sorted({p.tool for p in self.places})

    @property
    def in_dbt(self) -> list[Place]:
        return [p for p in self.places if p.subject_type == "model"]

    @property
    def lastmile(self) -> list[Place]:
        return [p for p in self.places if p.subject_type == "lastmile"]


@functools.lru_cache(maxsize=16384)
def rule_worthy(key: str) -> bool:
    """A key that states a business rule: it names a column and holds no parameter."""
    if not key:
        return False
    try:
        tree = sqlglot.parse_one(key, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return True  # a key L2 wrote but sqlglot cannot read back: keep it, it was a rule there
    if tree is None or has_parameter(tree):
        return False
    return any(isinstance(n, exp.Column) for n in tree.walk())


def _worthy(e: Expression) -> bool:
    """:func:`rule_worthy`, without parsing when the facts list the expression's columns (the
    logic facts leave conditions on parameters out, so columns are all that is left to check)."""
    if e.columns is not None:
        return bool(e.key) and bool(e.columns)
    return rule_worthy(e.key)


def _collect(ctx: Any) -> dict[str, dict[str, Place]]:
    """key -> subject_id -> the first place of that key in that subject."""
    by_key: dict[str, dict[str, Place]] = {}

    def add(subject: str, kind: str, tool: str, label: str, path: str | None, e: Expression) -> None:
        if e.kind in RULE_KINDS and _worthy(e):
            places = by_key.setdefault(e.key, {})
            if subject not in places:
                places[subject] = Place(subject, kind, tool, label, path, e.line, e.sql, e.kind)

    for item in items(ctx):
        for e in item.expressions:
            add(item.artifact_id, "lastmile", item.tool, item.label, item.path, e)
    nodes = ctx.node_index
    for uid, exprs in model_expressions(ctx).items():
        row = nodes.get(uid) or {}
        for e in exprs:
            add(uid, "model", "dbt", f"dbt model `{node_label(ctx, uid)}`", row.get("path") or row.get("original_file_path"), e)
    return by_key


def duplicate_rules(ctx: Any, *, min_places: int = 2) -> list[DuplicateRule]:
    """Every duplicated business rule (see the module docstring), most places first.

    Args:
        ctx: the rule context.
        min_places: places from which a rule counts as duplicated.
    """
    groups = cached(ctx, "duplicates", lambda: _groups(ctx))
    return [g for g in groups if len(g.places) >= min_places]


def _groups(ctx: Any) -> list[DuplicateRule]:
    out = []
    for key, places in _collect(ctx).items():
        if len(places) < 2 or not any(p.subject_type == "lastmile" for p in places.values()):
            continue
        ordered = sorted(places.values(), key=lambda p: (p.subject_type != "model", p.path or "", p.line or 0, p.subject_id))
        out.append(DuplicateRule(key, tuple(ordered)))
    out.sort(key=lambda g: (-len(g.places), g.key))
    return out


def duplicates_by_subject(ctx: Any) -> dict[str, list[DuplicateRule]]:
    """subject_id (item or model) -> the duplicated rules it takes part in."""
    def build() -> dict[str, list[DuplicateRule]]:
        out: dict[str, list[DuplicateRule]] = {}
        for group in duplicate_rules(ctx):
            for place in group.places:
                out.setdefault(place.subject_id, []).append(group)
        return out
    return cached(ctx, "duplicates_by_subject", build)
