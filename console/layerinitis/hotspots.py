"""Layerinitis hotspots: last-mile items and the dbt nodes they rest on, ranked, with a home.

An **item hotspot** is a last-mile item with business logic or a read that bypasses the central
layer. Its score (``docs/layerinitis.md`` explains the choices; weights in
:class:`~console.layerinitis.weights.HotspotWeights`, configurable)::

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

Each hotspot says **where its logic belongs** (:mod:`console.layerinitis.homes`): the export it
reads when that export is its own (it has one consumer, or this item is the exposure it was made
for), the mart it reads when nobody else reads it, else a new export ``exp_<item>_<tool>`` for
this one use (also when it reads staging, intermediate or raw relations). The weights and the
time-to-live are in :mod:`console.layerinitis.weights`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from console.layerinitis._cache import cached
from console.layerinitis.consumers import consumer_of, consumers_of_node
from console.layerinitis.duplicates import duplicates_by_subject
from console.layerinitis.homes import Home, home_of, new_export_name
from console.layerinitis.items import Item, items
from console.layerinitis.resolve import Read, bypassing_reads, node_label, read_label, reads_of
from console.layerinitis.weights import DEFAULT_TTL_DAYS, HotspotWeights, _ro, age_days, ttl_days

#: Other places of a duplicated rule a hotspot's reason names before counting the rest (the
#: duplicated-rules list names them all).
OTHER_PLACES = 4

__all__ = [
    "DEFAULT_TTL_DAYS", "Home", "Hotspot", "HotspotWeights", "age_days", "home_of", "hotspots",
    "item_hotspots", "new_export_name", "ttl_days",
]

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
        reads: for an item, what it reads: ``{written, kind, node, bypass}`` each (kind of
            :class:`console.relations.Resolution`; bypass the reason it bypasses the central
            layer, or None).
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
    reads: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "id": self.id, "label": self.label, "path": self.path, "line": self.line,
            "score": round(self.score, 2), "parts": {k: round(v, 2) for k, v in self.parts.items()},
            "reasons": list(self.reasons), "belongs": self.belongs, "expressions": [dict(e) for e in self.expressions],
            "tools": list(self.tools), "owner": self.owner,
            "home": {"node": self.home_node, "new_export": self.new_export},
            "reads": [dict(r) for r in self.reads],
        }


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
        mine = g.by_subject.get(item.artifact_id)
        own = mine.sql if mine is not None else g.key
        others = [p.label for p in g.places[: OTHER_PLACES + 1] if p.subject_id != item.artifact_id][:OTHER_PLACES]
        others += [""] * (len(g.places) - 1 - len(others))  # counted, not named
        where = ", ".join(others[:OTHER_PLACES]) + (f" and {len(others) - OTHER_PLACES} more" if len(others) > OTHER_PLACES else "")
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
        reads=tuple(
            {"written": r.written, "kind": r.resolution.kind, "node": r.unique_id, "bypass": r.bypass}
            for r in reads_of(ctx, item)
        ),
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

    Ties break on the label, so the order is stable. Cached on ``ctx`` for the default weights
    (the configured ones, ``ctx.settings``).
    """
    if weights is not None:
        return _with_nodes(ctx, _rank_items(ctx, weights))
    return cached(ctx, "hotspots", lambda: _with_nodes(ctx, item_hotspots(ctx)))


def item_hotspots(ctx: Any) -> list[Hotspot]:
    """The item hotspots alone, ranked: ``hotspots(ctx)["items"]``, without ranking the nodes
    (what the report shows; cached on ``ctx``, and reused by :func:`hotspots`)."""
    return cached(ctx, "item_hotspots", lambda: _rank_items(ctx, HotspotWeights.from_settings(ctx.settings)))


def _rank_items(ctx: Any, weights: HotspotWeights) -> list[Hotspot]:
    spots = [h for i in items(ctx) if (h := _item_hotspot(ctx, i, weights)) is not None]
    spots.sort(key=lambda h: (-h.score, h.label, h.id))
    return spots


def _with_nodes(ctx: Any, spots: list[Hotspot]) -> dict[str, list[Hotspot]]:
    nodes = _node_hotspots(ctx, spots)
    nodes.sort(key=lambda h: (-h.score, h.label, h.id))
    return {"items": spots, "nodes": nodes}
