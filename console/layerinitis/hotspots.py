"""Layerinitis hotspots: last-mile items and the dbt nodes they rest on, ranked, with a home.

An **item hotspot** is a last-mile item with business logic or a read that bypasses the central
layer. Its score (``docs/layerinitis.md`` explains the choices; weights in
:class:`HotspotWeights`, configurable)::

    score = (logic + duplication + bypass) x criticality x (1 + age)

* ``logic``: the sum of the weights of the item's business expressions by kind (a CASE or a
  window weighs 2, a filter 1...);
* ``duplication``: ``duplication`` weight x the other places that implement one of its rules;
* ``bypass``: the ``bypass`` weight when it reads a staging or intermediate model or a raw table;
* ``criticality``: the factor of the consumer the item is (:mod:`.consumers`): production,
  application, dashboard..., ``undeclared`` when no exposure says it exists;
* ``age``: ``age`` weight x the time past the item's time-to-live, as a fraction of it (capped
  at 1): an item twice its TTL old weighs up to twice as much.

A **node hotspot** is a dbt node that item hotspots read: its score is the sum of theirs. Its
reasons also say who the query logs show reading it (undeclared readers marked), when there
are logs.

Each hotspot says **where its logic belongs** (:func:`home_of`): the export it reads when that
export is its own (it has one consumer, or this item is the exposure it was made for), the mart
it reads when nobody else reads it, else a new export ``exp_<item>_<tool>`` for this one use
(also when it reads staging, intermediate or raw relations).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from console.layerinitis._cache import cached
from console.layerinitis.consumers import consumer_of, consumers_of_node
from console.layerinitis.duplicates import duplicates_by_subject
from console.layerinitis.items import Item, items
from console.layerinitis.resolve import Read, bypassing_reads, node_label, read_label, reads_of

DEFAULT_TTL_DAYS = 90


def _ro(d: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(d)


@dataclass(frozen=True)
class HotspotWeights:
    """The weights of the hotspot score (see the module docstring)."""

    kinds: Mapping[str, float] = field(default_factory=lambda: _ro({
        "filter": 1.0, "case": 1.5, "computed": 1.0, "date_math": 1.0, "window": 1.5,
        "aggregate": 1.0, "join": 1.0, "union": 1.5,
    }))
    duplication: float = 2.0
    bypass: float = 3.0
    criticality: Mapping[str, float] = field(default_factory=lambda: _ro({
        "production": 2.0, "application": 1.5, "ml": 1.5, "dashboard": 1.25, "notebook": 1.1,
        "analysis": 1.1, "declared": 1.1, "undeclared": 1.0,
    }))
    age: float = 1.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> HotspotWeights:
        """Weights from ``settings["hotspot_weights"]`` (``[hotspots]`` in configuration: a table
        of the fields above), else defaults.

        Raises:
            ValueError: an unknown key or a value that is not a number of at least 0, named.

        Example:
            >>> HotspotWeights.from_settings({"hotspot_weights": {"bypass": 5, "kinds": {"case": 3}}}).kinds["case"]
            3.0
            >>> HotspotWeights.from_settings({"hotspot_weights": {"bypas": 5}})
            Traceback (most recent call last):
            ...
            ValueError: unknown key `hotspots.bypas` (did you mean `bypass`?)
        """
        given = (settings or {}).get("hotspot_weights") or {}
        base = cls()
        _check(given, ("kinds", "duplication", "bypass", "criticality", "age"), "hotspots")
        kinds = {**base.kinds, **_numbers(given.get("kinds") or {}, tuple(base.kinds), "hotspots.kinds")}
        crit = {**base.criticality, **_numbers(given.get("criticality") or {}, None, "hotspots.criticality")}
        scalars = _numbers({k: given[k] for k in ("duplication", "bypass", "age") if k in given}, None, "hotspots")
        return cls(
            kinds=_ro(kinds), criticality=_ro(crit),
            duplication=scalars.get("duplication", base.duplication),
            bypass=scalars.get("bypass", base.bypass), age=scalars.get("age", base.age),
        )


def _check(table: Any, valid: tuple[str, ...], where: str) -> None:
    if not isinstance(table, Mapping):
        raise ValueError(f"`{where}` must be a table")
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else f" (valid keys: {', '.join(valid)})"
            raise ValueError(f"unknown key `{where}.{key}`{hint}")


def _numbers(table: Any, valid: tuple[str, ...] | None, where: str) -> dict[str, float]:
    """A table of non-negative numbers (keys checked against ``valid`` when given).

    Raises:
        ValueError: naming the key that is unknown or not a number of at least 0.
    """
    if valid is not None:
        _check(table, valid, where)
    elif not isinstance(table, Mapping):
        raise ValueError(f"`{where}` must be a table")
    out = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"`{where}.{key}` must be a number of at least 0, not {value!r}")
        out[str(key)] = float(value)
    return out


@dataclass(frozen=True)
class Home:
    """Where an item's logic belongs: an existing node, or a new export."""

    node: str | None
    new_export: str | None
    text: str


@dataclass(frozen=True)
class Hotspot:
    """One ranked hotspot.

    Attributes:
        kind: ``item`` (a last-mile item) or ``node`` (a dbt node last-mile logic rests on).
        id: the artifact_id or the node's unique_id.
        label: how to name it (``Hightouch model `Top items for Salesforce```, ```exp_x```).
        path, line: where it is (the item's file; the node's file).
        score: the score (see the module docstring); ``parts`` its terms.
        reasons: why it ranks, most telling first, one short sentence each.
        belongs: where its logic belongs, as a sentence; ``home_node`` (an existing node's
            unique_id) or ``new_export`` (the name of an export to create) say it as data
            (both None for a node hotspot whose consumers need several new exports).
        expressions: the business expressions: ``{sql, kind, key, path, line}`` each.
        tools: the last-mile tools involved.
    """

    kind: str
    id: str
    label: str
    path: str | None
    line: int | None
    score: float
    parts: Mapping[str, float]
    reasons: tuple[str, ...]
    belongs: str
    expressions: tuple[Mapping[str, Any], ...] = ()
    tools: tuple[str, ...] = ()
    owner: str | None = None
    home_node: str | None = None
    new_export: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "id": self.id, "label": self.label, "path": self.path, "line": self.line,
            "score": round(self.score, 2), "parts": {k: round(v, 2) for k, v in self.parts.items()},
            "reasons": list(self.reasons), "belongs": self.belongs, "expressions": [dict(e) for e in self.expressions],
            "tools": list(self.tools), "owner": self.owner,
            "home": {"node": self.home_node, "new_export": self.new_export},
        }


# -- time to live ------------------------------------------------------------------------------


def ttl_days(settings: Mapping[str, Any] | None, tool: str) -> int:
    """The time-to-live of a tool's items: ``lastmile_ttl_days_by_tool[tool]``, else
    ``lastmile_ttl_days``, else 90.

    Example:
        >>> ttl_days({"lastmile_ttl_days": 30, "lastmile_ttl_days_by_tool": {"notebook": 14}}, "notebook")
        14
        >>> ttl_days({}, "lookml"), ttl_days({"lastmile_ttl_days": 0}, "lookml")
        (90, 0)
    """
    settings = settings or {}
    by_tool = settings.get("lastmile_ttl_days_by_tool") or {}
    if tool in by_tool:
        return int(by_tool[tool])
    days = settings.get("lastmile_ttl_days")
    return int(DEFAULT_TTL_DAYS if days is None else days)


def age_days(ctx: Any, item: Item) -> int | None:
    """Whole days since the item last changed, or None when unknown."""
    if item.modified_at is None:
        return None
    return max(0, (ctx.now - item.modified_at).days)


# -- where the logic belongs -----------------------------------------------------------------------


#: Kinds of item that are a part of their file (a LookML dimension, a notebook's filter): a new
#: export for them is named after the file (the view, the notebook), not the part.
PART_KINDS = frozenset({
    "dimension", "measure", "filter", "explore_join", "dataframe_filter", "sql_cell", "sql_string",
    "dimension_group", "always_filter", "sql_always_where",
})


def new_export_name(item: Item) -> str:
    """``exp_<item>_<tool>``: the name of an export made for this one use.

    The item's name, or its file's for an item that is a part of its file (:data:`PART_KINDS`).

    Example:
        >>> new_export_name(Item("a", "metabase", "native_question", "q.json", 1, "Top sellers (full-size)"))
        'exp_top_sellers_full_size_metabase'
        >>> new_export_name(Item("b", "lookml", "dimension", "lookml/market_top_items.view.lkml", 36, "size_bucket"))
        'exp_market_top_items_lookml'
    """
    base = item.name or item.kind or "item"
    if item.kind in PART_KINDS and item.path:
        base = item.path.replace("\\", "/").rsplit("/", 1)[-1].split(".", 1)[0]
    slug = re.sub(r"[^0-9a-z]+", "_", base.lower()).strip("_")[:40].strip("_")
    return f"exp_{slug or 'item'}_{item.tool}"


def home_of(ctx: Any, item: Item) -> Home:
    """Where the item's logic belongs (see the module docstring)."""
    homes = cached(ctx, "homes", dict)
    found = homes.get(item.artifact_id)
    if found is None:
        found = homes[item.artifact_id] = _home(ctx, item)
    return found


def _home(ctx: Any, item: Item) -> Home:
    new = new_export_name(item)
    reads = reads_of(ctx, item)
    bypass = [r for r in reads if r.bypass]
    central = [r for r in reads if r.unique_id and not r.bypass]
    if bypass:
        return Home(None, new, f"a new export `{new}` for this one use (it reads {read_label(ctx, bypass[0])}, {bypass[0].bypass})")
    if not central:
        return Home(None, new, f"a new export `{new}` for this one use (it reads no dbt model)")
    target = central[0]
    uid = target.unique_id
    name = node_label(ctx, uid)
    layer = target.resolution.layer or "model"
    consumers = consumers_of_node(ctx, uid)
    consumer = consumer_of(ctx, item)
    own = len(consumers) <= 1 or (layer == "export" and consumer is not None and uid in _exposure_parents(ctx, consumer.unique_id))
    if own:
        what = "the export it reads" if layer == "export" else f"the {layer} it reads, which nothing else reads"
        return Home(uid, None, f"`{name}`, {what}")
    return Home(None, new, f"a new export `{new}` for this one use (`{name}` has {len(consumers)} consumers)")


def _exposure_parents(ctx: Any, exposure_id: str) -> set[str]:
    return set(ctx.graph.parents.get(exposure_id, ()))


# -- scores --------------------------------------------------------------------------------------


def _item_hotspot(ctx: Any, item: Item, w: HotspotWeights) -> Hotspot | None:
    bypass = bypassing_reads(ctx, item)
    if not item.expressions and not bypass:
        return None
    logic = sum(w.kinds.get(e.kind, 1.0) for e in item.expressions)
    dups = duplicates_by_subject(ctx).get(item.artifact_id, [])
    others = sum(len(g.places) - 1 for g in dups)
    duplication = w.duplication * others
    bypass_term = w.bypass if bypass else 0.0
    consumer = consumer_of(ctx, item)
    crit_name = consumer.criticality if consumer else "undeclared"
    criticality = w.criticality.get(crit_name, w.criticality.get("declared", 1.0))
    ttl = ttl_days(ctx.settings, item.tool)
    age = age_days(ctx, item)
    overdue = max(0, (age or 0) - ttl)
    age_term = w.age * min(overdue / ttl, 1.0) if ttl > 0 else 0.0
    score = (logic + duplication + bypass_term) * criticality * (1 + age_term)

    reasons = []
    if consumer is not None:
        reasons.append(f"feeds {consumer.described}")
    else:
        reasons.append("no exposure declares this consumer")
    for g in dups:
        own = next((p.sql for p in g.places if p.subject_id == item.artifact_id), g.key)
        where = ", ".join(p.label for p in g.places if p.subject_id != item.artifact_id)
        reasons.append(f"the same rule as `{own}` is also in {where}")
    if bypass:
        reasons.append("reads " + ", ".join(f"{read_label(ctx, r)} ({r.bypass})" for r in bypass))
    if item.expressions:
        n = len(item.expressions)
        reasons.append(f"{n} business expression{'s' if n != 1 else ''} ({', '.join(sorted({e.kind for e in item.expressions}))})")
    if overdue:
        reasons.append(f"last changed {age} days ago, past its {ttl}-day time-to-live")
    home = home_of(ctx, item)
    reads = [read_label(ctx, r) for r in reads_of(ctx, item)]
    if reads:
        reasons.append("reads " + ", ".join(dict.fromkeys(reads)))
    return Hotspot(
        kind="item", id=item.artifact_id, label=item.label, path=item.path, line=item.line, score=score,
        parts=_ro({"logic": logic, "duplication": duplication, "bypass": bypass_term, "criticality": criticality, "age": age_term}),
        reasons=tuple(reasons), belongs=home.text, home_node=home.node, new_export=home.new_export,
        expressions=tuple(_expr_dict(item, e) for e in item.expressions), tools=(item.tool,), owner=item.owner,
    )


def _expr_dict(item: Item, e) -> dict[str, Any]:
    return {"sql": e.sql, "kind": e.kind, "key": e.key, "path": item.path, "line": e.line or item.line}


def _node_hotspots(ctx: Any, item_spots: list[Hotspot]) -> list[Hotspot]:
    by_id = {i.artifact_id: i for i in items(ctx)}
    resting: dict[str, list[Hotspot]] = {}
    for spot in item_spots:
        reads: list[Read] = list(reads_of(ctx, by_id[spot.id]))
        for uid in dict.fromkeys(r.unique_id for r in reads if r.unique_id):
            resting.setdefault(uid, []).append(spot)
    out = []
    for uid, spots in resting.items():
        row = ctx.node_index.get(uid) or {}
        name = node_label(ctx, uid)
        tools = tuple(sorted({t for s in spots for t in s.tools}))
        n_expr = sum(len(s.expressions) for s in spots)
        reasons = [
            f"{len(spots)} last-mile item{'s' if len(spots) != 1 else ''} of {', '.join(tools)} "
            f"add{'s' if len(spots) == 1 else ''} {n_expr} business expression{'s' if n_expr != 1 else ''} on it"
        ]
        consumers = consumers_of_node(ctx, uid)
        if len(consumers) > 1:
            reasons.append(f"{len(consumers)} consumers: {', '.join(consumers)}")
        logged = _log_readers(ctx, uid)
        if logged:
            reasons.append(logged)
        layer = row.get("layer") or row.get("resource_type") or "node"
        if layer in ("staging", "intermediate", "source"):
            reasons.append(f"a {layer} {'table' if layer == 'source' else 'model'}: the last mile should not read it")
        readers = [by_id[s.id] for s in spots]
        belongs = _node_home(ctx, uid, name, readers)
        all_here = all(home_of(ctx, i).node == uid for i in readers)
        out.append(Hotspot(
            kind="node", id=uid, label=f"`{name}` ({layer})", path=row.get("path"), line=None,
            score=sum(s.score for s in spots), parts=_ro({"items": float(len(spots))}),
            reasons=tuple(reasons), belongs=belongs,
            expressions=tuple(e for s in spots for e in s.expressions), tools=tools, owner=row.get("owner"),
            home_node=uid if all_here else None,
        ))
    return out


def _log_readers(ctx: Any, uid: str, limit: int = 4) -> str | None:
    """What the query logs say of a node's readers (users and their tools; undeclared marked),
    or None without logs (:func:`rules.federation._consumers.federation`, shared with the
    federation rules)."""
    try:
        from rules.federation._consumers import federation
    except ModuleNotFoundError:  # a build without the federation rules
        return None
    fed = federation(ctx)
    reads = fed.reads.get(uid) or []
    if not reads:
        return None
    shown = []
    for r in reads[:limit]:
        undeclared = "" if fed.declared_by(r.consumer, uid) else ", undeclared"
        shown.append(f"`{r.consumer.name}` ({r.consumer.tool}{undeclared})")
    more = f" and {len(reads) - limit} more" if len(reads) > limit else ""
    return f"the query log shows {len(reads)} reader{'s' if len(reads) != 1 else ''}: {', '.join(shown)}{more}"


def _node_home(ctx: Any, uid: str, name: str, readers: list[Item]) -> str:
    """Where the logic resting on a node belongs: the node itself, or new exports (named)."""
    here = [i for i in readers if home_of(ctx, i).node == uid]
    elsewhere = list(dict.fromkeys(
        f"`{home_of(ctx, i).new_export or node_label(ctx, home_of(ctx, i).node or '')}`"
        for i in readers if home_of(ctx, i).node != uid
    ))
    if not elsewhere:
        return f"`{name}` itself"
    text = f"new exports {', '.join(elsewhere)}" if len(elsewhere) > 1 else f"a new export {elsewhere[0]}"
    if here:
        return f"`{name}` itself for {', '.join(i.label for i in here)}; {text} for the other consumers"
    return f"{text}, one per consumer"


def hotspots(ctx: Any, weights: HotspotWeights | None = None) -> dict[str, list[Hotspot]]:
    """``{"items": [...], "nodes": [...]}``, each ranked by score, highest first.

    Ties break on the label, so the order is stable. Cached on ``ctx`` for the default weights.
    """
    if weights is not None:
        return _rank(ctx, weights)
    return cached(ctx, "hotspots", lambda: _rank(ctx, HotspotWeights.from_settings(ctx.settings)))


def _rank(ctx: Any, weights: HotspotWeights) -> dict[str, list[Hotspot]]:
    spots = [h for i in items(ctx) if (h := _item_hotspot(ctx, i, weights)) is not None]
    spots.sort(key=lambda h: (-h.score, h.label, h.id))
    nodes = _node_hotspots(ctx, spots)
    nodes.sort(key=lambda h: (-h.score, h.label, h.id))
    return {"items": spots, "nodes": nodes}
