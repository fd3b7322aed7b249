"""What each last-mile item reads, resolved to dbt nodes, and which reads bypass the central layer.

The relation index (:class:`console.relations.RelationIndex`) is built once per context from
the store's nodes, the project's adapter, and the ``default_database`` / ``default_schema``
settings when configuration gives them (else the models' most common ones).

A read **bypasses the central layer** when it resolves to a staging or intermediate model, to a
dbt source (a raw table dbt itself reads as a source), or to a raw table dbt does not know. The
central layer is what consumers should read: marts and exports (and seeds, snapshots, models of
no known layer: not judged).

Example:
    >>> from console.relations import Resolution
    >>> Read("raw.orders", Resolution("node", "source.p.shop.orders", ("w", "raw", "orders"), "source", "source")).bypass
    'a raw table dbt reads as a source'
    >>> Read("analytics.fct", Resolution("node", "model.p.fct", ("w", "analytics", "fct"), "model", "mart")).bypass is None
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from console.layerinitis._cache import cached
from console.layerinitis.items import TOOL_LABELS, Item, items
from console.relations import RelationIndex, Resolution, split_name
from rules._text import label

#: node layer -> how a bypass names it.
BYPASS_LAYERS: dict[str, str] = {
    "staging": "a staging model",
    "intermediate": "an intermediate model",
    "source": "a raw table dbt reads as a source",
}


@dataclass(frozen=True)
class Read:
    """One relation an item reads: as written, and what it resolved to."""

    written: str
    resolution: Resolution

    @property
    def unique_id(self) -> str | None:
        return self.resolution.unique_id

    @property
    def bypass(self) -> str | None:
        """Why this read bypasses the central layer (see the module docstring), or None."""
        r = self.resolution
        if r.kind == "raw":
            return "a raw table dbt does not know"
        if r.kind == "node":
            layer = "source" if r.resource_type == "source" else (r.layer or "")
            return BYPASS_LAYERS.get(layer)
        return None


def relation_index(ctx: Any) -> RelationIndex:
    """The context's relation index (cached on ``ctx``)."""
    def build() -> RelationIndex:
        settings: Mapping[str, Any] = getattr(ctx, "settings", {}) or {}
        return RelationIndex.from_nodes(
            ctx.frames["nodes"],
            adapter=ctx.project.get("adapter"),
            dialect=settings.get("warehouse_dialect"),
            default_database=settings.get("default_database"),
            default_schema=settings.get("default_schema"),
        )
    return cached(ctx, "relation_index", build)


#: item kinds that are an object other items of the same tool read by name.
_OBJECT_KINDS = frozenset({"view", "derived_table", "model"})


def tool_objects(all_items: Iterable[Item]) -> dict[tuple[str, str], Item]:
    """(tool, lower-case name) -> the item a name of that tool stands for: a LookML view (its
    derived table or ``sql_table_name`` view), a Hightouch or Census model (by slug), a
    Metabase card (``metabase_card_<id>``, as its reader writes ``{{#201}}``).

    The one registry of the tools' objects, keyed by tool: a name resolves to an object of
    the reading item's own tool only (:func:`resolve_written`). :func:`item_reads` and the
    labelled-corpus benchmark (``benchmarks/lastmile_accuracy.py``) both resolve names through
    it, so ``product_margin`` (a LookML derived table a LookML join names) is a ``tool`` read
    in both, and the same name in a Metabase question is a warehouse relation.

    Example:
        >>> cards = [Item("a", "metabase", "native_question", "q.json", 1, "VIP", meta={"id": 201})]
        >>> sorted(tool_objects(cards))
        [('metabase', 'metabase_card_201')]
    """
    out: dict[tuple[str, str], Item] = {}
    for item in all_items:
        if item.tool == "metabase" and item.meta.get("id") is not None:  # {{#201}} reads card 201
            out.setdefault(("metabase", f"metabase_card_{item.meta['id']}"), item)
        if item.kind not in _OBJECT_KINDS:
            continue
        for name in (item.meta.get("view"), item.meta.get("slug"), item.name):
            if isinstance(name, str) and name:
                out.setdefault((item.tool, name.lower()), item)
    return out


def own_object(objects: Mapping[tuple[str, str], Item], tool: str, written: str, dialect: str = "duckdb") -> Item | None:
    """The object of ``tool`` that ``written`` names, when it is a bare (one-part) name of one.

    Example:
        >>> views = {("lookml", "product_margin"): Item("v", "lookml", "derived_table", "m.lkml", 1, "product_margin")}
        >>> own_object(views, "lookml", '"Product_Margin"').name, own_object(views, "metabase", "product_margin")
        ('product_margin', None)
        >>> own_object(views, "lookml", "analytics.product_margin") is None
        True
    """
    parts = split_name(written, dialect) if written.strip() else []
    if len(parts) != 1 or not parts[0][0]:
        return None
    return objects.get((tool, parts[0][0].lower()))


def resolve_written(index: RelationIndex, objects: Mapping[tuple[str, str], Item], item: Item, written: str,
                    holes: tuple[str, ...] = ()) -> Resolution:
    """What a name ``item`` writes stands for, in this order:

    1. an object of the item's **own tool** of that bare name (a LookML derived-table view a
       field or a join names, a Hightouch or Census model a sync names, ``metabase_card_201``
       for ``{{#201}}``): ``tool``. It comes before dbt nodes: in a LookML file a bare view
       name is the view (its derived table), even when a dbt model has the same name. An item
       never stands for itself (a derived table ``orders`` reading the table ``orders``);
    2. the **warehouse** (:meth:`console.relations.RelationIndex.resolve`): a dbt node, a raw
       table, the warehouse's catalogue, a tool's own schema, a ``<tool>:`` name;
    3. **never another tool's object**: a tool reads what another tool defines only through the
       warehouse (a Looker derived table is materialised under a generated name in
       ``looker_scratch``; a Hightouch model or a Metabase card is no relation at all), so a
       Metabase question's ``product_margin`` is the warehouse's ``product_margin`` (a node, a
       raw table or unknown), whatever LookML calls a view. A name that means another tool's
       object says so with a ``<tool>:`` prefix (step 2).
    """
    own = own_object(objects, item.tool, written, index.dialect)
    if own is not None and own.artifact_id != item.artifact_id:
        return Resolution("tool", None, (item.tool, "", written), tool=item.tool)
    return index.resolve(written, holes=holes)


def _holes(item: Item) -> tuple[str, ...]:
    """The identifiers standing for interpolated values in the item's SQL (``p1``... when
    application code built the SQL from placeholders: ``meta.placeholders`` of them)."""
    count = item.meta.get("placeholders")
    return tuple(f"p{n}" for n in range(1, int(count) + 1)) if isinstance(count, int) and count > 0 else ()


def item_reads(ctx: Any) -> dict[str, tuple[Read, ...]]:
    """artifact_id -> the item's reads, each resolved (cached on ``ctx``).

    Besides the relations an item names, it reads what the objects of its own tool that it
    names read: a LookML dimension on ``${TABLE}`` of a derived-table view reads the view, hence
    what the derived table reads; a Metabase question on ``{{#201}}`` reads card 201
    (``metabase_card_201``), hence what it reads; a notebook's dataframe filter on the result of
    a SQL cell (``meta.from_sql``) reads what that cell reads; a Hightouch or Census sync reads
    its model (``meta.model``). The object itself is kept as a read of kind ``tool``. In SQL that application code built from placeholders
    (``meta.placeholders``), the identifiers ``p1``, ``p2``... are holes (see
    :meth:`console.relations.RelationIndex.resolve`).
    """
    def build() -> dict[str, tuple[Read, ...]]:
        index = relation_index(ctx)
        all_items = items(ctx)
        objects = tool_objects(all_items)
        by_file = {(i.path, i.name): i for i in all_items}
        direct = {i.artifact_id: [Read(w, resolve_written(index, objects, i, w, _holes(i))) for w in i.relations] for i in all_items}

        def expand(item: Item, seen: frozenset[str]) -> list[Read]:
            out: list[Read] = []
            for read in direct[item.artifact_id]:
                own = read.resolution.kind == "tool" and read.resolution.tool == item.tool
                target = own_object(objects, item.tool, read.written, index.dialect) if own else None
                out.append(read)
                if target is not None and target.artifact_id not in seen and target is not item:
                    out.extend(expand(target, seen | {target.artifact_id}))
            source = item.meta.get("from_sql")
            cell = by_file.get((item.path, source)) if isinstance(source, str) else None
            if cell is not None and cell.artifact_id not in seen:
                out.extend(expand(cell, seen | {cell.artifact_id}))
            model = item.meta.get("model") if item.kind == "sync" else None
            synced = objects.get((item.tool, model.lower())) if isinstance(model, str) else None
            if synced is not None and synced.artifact_id not in seen:  # a sync reads its model
                out.append(Read(model, Resolution("tool", None, (item.tool, "", model), tool=item.tool)))
                out.extend(expand(synced, seen | {synced.artifact_id}))
            return list(dict.fromkeys(out))

        return {i.artifact_id: tuple(expand(i, frozenset({i.artifact_id}))) for i in all_items}
    return cached(ctx, "item_reads", build)


def reads_of(ctx: Any, item: Item) -> tuple[Read, ...]:
    """The item's reads, resolved."""
    return item_reads(ctx).get(item.artifact_id, ())


def bypassing_reads(ctx: Any, item: Item) -> list[Read]:
    """The item's reads that bypass the central layer."""
    return [r for r in reads_of(ctx, item) if r.bypass]


def readers_of(ctx: Any) -> dict[str, list[Item]]:
    """dbt node unique_id -> the items reading it, in item order (cached on ``ctx``)."""
    def build() -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = {}
        reads = item_reads(ctx)
        for item in items(ctx):
            for uid in dict.fromkeys(r.unique_id for r in reads.get(item.artifact_id, ()) if r.unique_id):
                out.setdefault(uid, []).append(item)
        return out
    return cached(ctx, "readers_of", build)


def node_label(ctx: Any, unique_id: str) -> str:
    """A node's name as messages give it: ``exp_top_items_crm``; a source as ``source.table``."""
    return label(ctx, unique_id)


def read_label(ctx: Any, read: Read) -> str:
    """A read as messages give it: ```stg_orders``` (a node), ```market_top_items` (LookML object)``
    (another tool's), or ```raw.refunds``` (as written)."""
    if read.unique_id:
        return f"`{node_label(ctx, read.unique_id)}`"
    if read.resolution.kind == "tool":
        return f"`{read.written}` ({TOOL_LABELS.get(read.resolution.tool or '', read.resolution.tool)} object)"
    return f"`{read.written}`"
