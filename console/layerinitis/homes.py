"""Where an item's logic belongs: the export or mart it reads, or a new export for this one use.

The export it reads when that export is its own (it has one consumer, or this item is the
exposure the export was made for); the mart it reads when nothing else reads that mart; else a
new export ``exp_<item>_<tool>`` (also when it reads staging, intermediate or raw relations, or
no dbt model at all). ``docs/layerinitis.md`` says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from console.layerinitis._cache import cached
from console.layerinitis.consumers import consumer_of, consumers_of_node
from console.layerinitis.items import Item
from console.layerinitis.resolve import node_label, read_label, reads_of


@dataclass(frozen=True)
class Home:
    """Where an item's logic belongs: an existing node, or a new export."""

    node: str | None
    new_export: str | None
    text: str


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
