"""What the warehouse rules share: the latest warehouse collect, relations matched to nodes.

A node's relation is ``(database, schema, alias)`` for models, seeds and snapshots and
``(database, schema, identifier)`` for sources, compared case-insensitively. When the
warehouse collect saw one database only (a DuckDB file, a PostgreSQL database), relations are
matched on ``(schema, name)``: a DuckDB file named otherwise than dbt's ``database`` is still
the same warehouse. Every rule is silent until the store holds a warehouse collect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import polars as pl

from rules.context import Context

#: Resource types that dbt builds into (or reads from) a relation.
RELATION_TYPES = ("model", "seed", "snapshot", "source")
_CACHE = "_warehouse_view"


def _key(database: str | None, schema: str | None, name: str | None, with_db: bool) -> tuple[str, ...]:
    parts = (database or "", schema or "", name or "") if with_db else (schema or "", name or "")
    return tuple(p.lower() for p in parts)


@dataclass
class WarehouseView:
    """The latest warehouse collect as the rules need it (built once per context)."""

    ctx: Context

    @cached_property
    def snapshots(self) -> pl.DataFrame:
        frame = self.ctx.frames.get("warehouse_snapshots")
        return frame.sort("collect_id") if frame is not None else pl.DataFrame()

    @property
    def present(self) -> bool:
        return not self.snapshots.is_empty()

    @cached_property
    def latest(self) -> dict[str, Any]:
        return self.snapshots.row(self.snapshots.height - 1, named=True)

    def baseline(self, hours: float) -> dict[str, Any] | None:
        """The warehouse collect to compare the latest with: the newest one at least ``hours``
        older, else the oldest there is (None with a single collect). A collect every few
        minutes (the terminal UI follows edits) must not hide yesterday's drop behind a
        collect of a minute ago."""
        if self.snapshots.height < 2:
            return None
        earlier = self.snapshots.head(self.snapshots.height - 1)
        cutoff = self.latest["collected_at"] - dt.timedelta(hours=hours)
        old_enough = earlier.filter(pl.col("collected_at") <= cutoff)
        pick = old_enough.tail(1) if old_enough.height else earlier.head(1)
        return pick.row(0, named=True)

    @cached_property
    def with_db(self) -> bool:
        rels = self.ctx.frames["warehouse_relations"]
        return rels["database"].n_unique() > 1 if rels.height else False

    def key(self, database: str | None, schema: str | None, name: str | None) -> tuple[str, ...]:
        return _key(database, schema, name, self.with_db)

    @cached_property
    def relations(self) -> dict[tuple[str, ...], dict[str, Any]]:
        """key -> the warehouse_relations row."""
        return {self.key(r["database"], r["schema"], r["name"]): r for r in self.ctx.frames["warehouse_relations"].iter_rows(named=True)}

    @cached_property
    def schemas(self) -> set[str]:
        """Schemas (lower case) in which the warehouse collect saw at least one relation."""
        return {k[-2] for k in self.relations}

    @cached_property
    def columns(self) -> dict[tuple[str, ...], dict[str, str]]:
        """key -> {column name (lower case): data type} of the warehouse."""
        out: dict[tuple[str, ...], dict[str, str]] = {}
        for db, schema, name, col, dtype in self.ctx.frames["warehouse_columns"].select(
            "database", "schema", "name", "column_name", "data_type"
        ).iter_rows():
            out.setdefault(self.key(db, schema, name), {})[col.lower()] = dtype
        return out

    @cached_property
    def node_relations(self) -> dict[str, tuple[str, ...]]:
        """unique_id -> relation key, for the enabled nodes that have a relation."""
        nodes = self.ctx.frames["nodes"].filter(pl.col("resource_type").is_in(RELATION_TYPES))
        out = {}
        for r in nodes.iter_rows(named=True):
            if r.get("enabled") is False or r.get("materialized") == "ephemeral" or not r.get("schema"):
                continue
            name = r.get("identifier") or r.get("name") if r["resource_type"] == "source" else r.get("alias") or r.get("name")
            out[r["unique_id"]] = self.key(r.get("database"), r["schema"], name)
        return out

    @cached_property
    def relation_nodes(self) -> dict[tuple[str, ...], str]:
        """relation key -> the unique_id of the node built into it (sources after models)."""
        out: dict[tuple[str, ...], str] = {}
        for uid, key in sorted(self.node_relations.items(), key=lambda kv: kv[0].startswith("source.")):
            out.setdefault(key, uid)
        return out


def warehouse(ctx: Context) -> WarehouseView:
    """The context's :class:`WarehouseView` (cached on the context)."""
    view = ctx.__dict__.get(_CACHE)
    if view is None:
        view = ctx.__dict__[_CACHE] = WarehouseView(ctx)
    return view


def shown(key: tuple[str, ...]) -> str:
    """A relation key as people write it: ``schema.name``.

    Example:
        >>> shown(("raw", "orders"))
        'raw.orders'
    """
    return ".".join(key)


def readers(ctx: Context, node: str, limit: int = 4) -> list[str]:
    """What reads ``node``: its direct children that are not tests, then the exposures further
    down, as ``kind `name``` labels."""
    from rules._text import label

    kinds = {uid: rt for uid, rt in zip(ctx.frames["nodes"]["unique_id"].to_list(), ctx.frames["nodes"]["resource_type"].to_list())}
    direct = [c for c in ctx.graph.children.get(node, []) if kinds.get(c) not in ("test", "unit_test", None)]
    exposures = [d for d in ctx.graph.descendants(node) if kinds.get(d) == "exposure" and d not in direct]
    return [f"{kinds[n]} `{label(ctx, n)}`" for n in (sorted(direct) + sorted(exposures))]
