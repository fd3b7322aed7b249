"""The Layerinitis screen's data, without the screen: the load's hotspots ranking, its search
indexes and the item rows' first reads, computed once per load (:func:`ranked_view`).

Apart from ``console/tui/screens/layerinitis.py`` (which imports Textual) so that the load's own
process (:mod:`console.tui.load_process`) computes it without importing Textual: about 0.35 s
of each load's start. What the ranking caches and which frames it empties: see the screen's
module docstring.
"""

from __future__ import annotations

from typing import Any

from console.tui.digest import SearchIndex
from console.tui.state import AppData, drop_module_caches

VIEWS = ("items", "rules", "nodes")


def ranking(data: AppData) -> dict[str, Any]:
    """``{"items", "nodes", "rules"}``: the hotspots and the duplicated rules of one load."""
    from console.layerinitis import duplicate_rules, hotspots

    ranked = hotspots(data.ctx)
    return {"items": ranked["items"], "nodes": ranked["nodes"], "rules": duplicate_rules(data.ctx)}


#: The frames only the ranking reads once the rules have run (``console.tui.state.SCREEN_TABLES``).
RANKING_TABLES = ("lastmile_artifacts", "logic_facts")


def ranked_view(data: AppData) -> tuple[dict[str, Any], dict[str, SearchIndex], dict[str, str]]:
    """The load's ranking, its search indexes and the item rows' first reads, once per load
    (memoised on ``data``); the ranking's caches on the context are dropped, and the frames
    only it reads (:data:`RANKING_TABLES`) emptied, once it is done."""
    def compute() -> tuple[dict[str, Any], dict[str, SearchIndex], dict[str, str]]:
        ctx = data.ctx
        before = set(ctx.__dict__)
        try:
            result = ranking(data)
            indexes = search_indexes(result)
            reads = first_reads(data, result["items"])
        finally:
            for key in [k for k in ctx.__dict__ if k not in before]:  # the ranking's caches (see the module docstring)
                ctx.__dict__.pop(key, None)
        for name in RANKING_TABLES:
            if name in ctx.frames:
                ctx.frames[name] = ctx.frames[name].clear()
        drop_module_caches()  # the ranking's module-level memos (state.drop_module_caches)
        return result, indexes, reads

    return data.memo("layerinitis.ranking", compute)


def search_indexes(ranked: dict[str, Any]) -> dict[str, SearchIndex]:
    """Per view, its rows' keys and search texts (name, tools, expressions; a rule's places)."""
    out = {}
    for view in VIEWS:
        entries = ranked[view]
        if view == "rules":
            keys = [f"rule:{e.key}" for e in entries]
            texts = (" ".join([e.key, *(p.label + " " + p.sql for p in e.places)]) for e in entries)
        else:
            keys = [e.id for e in entries]
            texts = (" ".join([e.label, *e.tools, *(x["sql"] for x in e.expressions)]) for e in entries)
        out[view] = SearchIndex(keys, texts)
    return out


def first_reads(data: AppData, entries: list[Any]) -> dict[str, str]:
    """Item id -> the first dbt node it reads, for the item rows without a home node (what
    enter opens in the Lineage)."""
    from console.layerinitis.items import items
    from console.layerinitis.resolve import reads_of

    wanted = {e.id for e in entries if e.kind != "node" and not e.home_node}
    out = {}
    for item in items(data.ctx) if wanted else ():
        if item.artifact_id in wanted:
            node = next((r.unique_id for r in reads_of(data.ctx, item) if r.unique_id), None)
            if node:
                out[item.artifact_id] = node
    return out
