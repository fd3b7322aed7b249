"""Root causes: the first broken nodes upstream of a node (or the node itself).

Walk upstream from the node through the graph (one breadth-first walk); every node on the way
with a signal (:mod:`console.triage.signals`) is *broken*. A broken node is a **root cause**
when nothing upstream of it is broken at its level or worse; the other broken nodes are
**symptoms** (an intermediate model whose test fails because the source under it is stale).
So a model that errors on top of a source that merely warns is a root cause of its own, while a
test that warns on top of a stale source is the source's symptom.

A test is walked from the node it tests: a failing ``relationships`` test on ``stg_order_items``
is about ``stg_order_items``, not about every parent the test reads.

Root causes come worst first (error before warn), then nearest first, then by name.

Warehouse evidence: a stale source whose schema, in the warehouse's relation list, holds a
relation no dbt node accounts for and whose name contains the source's table name (``raw.inventory``
stale beside an unknown ``raw.store_inventory``) gets a ``warehouse`` signal saying so: the
classic upstream rename, which dbt alone cannot see.
"""

from __future__ import annotations

from collections import deque

import polars as pl

from console.triage.model import Cause, Signal, level_rank
from console.triage.signals import SignalIndex
from rules._production import path_down, upstream_tree
from rules.context import Context


def walk_start(index: SignalIndex, unique_id: str) -> str:
    """Where the upstream walk starts: a test's tested node, else the node itself."""
    if unique_id.split(".", 1)[0] in ("test", "unit_test"):
        return index.attached.get(unique_id, unique_id)
    return unique_id


def find_causes(ctx: Context, index: SignalIndex, unique_id: str, extra_signals: dict[str, list[Signal]] | None = None
                ) -> tuple[tuple[Cause, ...], tuple[Cause, ...]]:
    """(root causes, symptoms) of ``unique_id``.

    Args:
        ctx: the project.
        index: signals as of the moment triaged.
        unique_id: the node triaged.
        extra_signals: more signals by node (warehouse evidence), merged with the index's.
    """
    start = walk_start(index, unique_id)
    via = upstream_tree(ctx.graph, start)
    considered = [start, *via]
    extra = extra_signals or {}

    def sigs(n: str) -> list[Signal]:
        return [*index.signals.get(n, ()), *extra.get(n, ())]

    broken = {}
    for n in considered:
        s = sigs(n)
        if s:
            broken[n] = max((x.level for x in s), key=level_rank)
    if not broken:
        return (), ()
    tail = (index.ref(unique_id).name,) if start != unique_id else ()
    roots, symptoms = [], []
    for n, level in broken.items():
        path = path_down(via, n) if n != start else [start]
        names = tuple(index.ref(p).name for p in path) + tail
        cause = Cause(index.ref(n), level, tuple(sorted(sigs(n), key=lambda s: -level_rank(s.level))), len(path) - 1, names)
        (roots if _is_origin(ctx, n, level, broken) else symptoms).append(cause)
    order = lambda c: (-level_rank(c.level), c.distance, c.node.name)  # noqa: E731
    return tuple(sorted(roots, key=order)), tuple(sorted(symptoms, key=order))


def _is_origin(ctx: Context, node: str, level: str, broken: dict[str, str]) -> bool:
    """True when no ancestor of ``node`` (among the broken ones) is at ``level`` or worse."""
    rank = level_rank(level)
    if not any(level_rank(lv) >= rank for n, lv in broken.items() if n != node):
        return True
    parents = ctx.graph.parents
    seen = {node}
    queue = deque(parents.get(node, ()))
    while queue:
        p = queue.popleft()
        if p in seen:
            continue
        seen.add(p)
        lv = broken.get(p)
        if lv is not None and level_rank(lv) >= rank:
            return False
        queue.extend(parents.get(p, ()))
    return True


def rename_evidence(ctx: Context, index: SignalIndex, relations: pl.DataFrame) -> dict[str, list[Signal]]:
    """Warehouse signals on stale sources: an unknown relation beside it whose name contains its table's.

    Args:
        relations: the store's ``warehouse_relations`` (database, schema, name, last_altered);
            empty when the warehouse was not collected.
    """
    stale = [uid for uid, sigs in index.signals.items() if uid.startswith("source.") and any(s.kind == "freshness" for s in sigs)]
    if not stale or relations.is_empty():
        return {}
    nodes = ctx.frames["nodes"]
    known: set[tuple[str, str]] = set()
    for kind, schema, alias, ident, name in nodes.select("resource_type", "schema", "alias", "identifier", "name").iter_rows():
        if kind in ("model", "seed", "snapshot", "source") and schema:
            known.add((schema.lower(), (ident or alias or name or "").lower()))
    sources = nodes.filter(pl.col("unique_id").is_in(stale)).select("unique_id", "schema", "identifier", "name")
    rows = {r["unique_id"]: r for r in sources.iter_rows(named=True)}
    out: dict[str, list[Signal]] = {}
    for uid in stale:
        row = rows.get(uid) or {}
        schema, table = (row.get("schema") or "").lower(), (row.get("identifier") or row.get("name") or "").lower()
        if not schema or not table:
            continue
        for db, sch, name in relations.select("database", "schema", "name").iter_rows():
            lname, lsch = (name or "").lower(), (sch or "").lower()
            if lsch != schema or lname == table or (lsch, lname) in known or table not in lname:
                continue
            detail = (f"`{sch}.{name}` sits beside `{schema}.{table}` in the warehouse and no dbt source reads it: "
                      f"was the table renamed upstream? (dbt still reads the old one)")
            out.setdefault(uid, []).append(Signal("warehouse", "warn", f"{db}.{sch}.{name}" if db else f"{sch}.{name}", detail))
    return out
