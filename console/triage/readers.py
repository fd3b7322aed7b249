"""Who reads each dbt relation outside dbt: last-mile items and query-log readers, by node.

Built once per load (:func:`build_readers`): every relation name the last mile and the query
log write is resolved to a dbt node once (:class:`console.relations.RelationIndex`), so the
blast radius of any node, and the Lineage screen's columns, are dictionary lookups.

Query-log reads are counted per (node, user): a query that reads two relations of a blast
radius counts for each. Writes (``CREATE``, ``INSERT``, ``MERGE``...) are dbt building the
relation, not someone reading it, and are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from console.triage.extras import Extras
from rules.context import Context

WRITES = ("CREATE", "INSERT", "MERGE", "UPDATE", "DELETE", "COPY", "ALTER", "DROP", "TRUNCATE")


@dataclass(frozen=True, slots=True)  # one per item or node: no instance dict
class Item:
    """A last-mile item (a row of ``lastmile_artifacts``)."""

    artifact_id: str
    name: str
    tool: str
    kind: str
    path: str | None
    owner: str | None


@dataclass(frozen=True, slots=True)  # one per item or node: no instance dict
class Reads:
    """One user's reads of one node's relation in the query log."""

    user: str
    role: str | None
    queries: int
    last_seen: dt.datetime | None


@dataclass
class Readers:
    """node unique_id -> the last-mile items and query-log readers of its relation.

    ``has_lastmile`` / ``has_log``: whether the store holds any last mile / query log at all
    (so triage can tell "nobody reads it" from "not collected").
    """

    lastmile: dict[str, tuple[Item, ...]] = field(default_factory=dict)
    log: dict[str, tuple[Reads, ...]] = field(default_factory=dict)
    has_lastmile: bool = False
    has_log: bool = False


def relation_index(ctx: Context):
    """The project's :class:`console.relations.RelationIndex` (cached on the context)."""
    cached = ctx.__dict__.get("_triage_relation_index")
    if cached is None:
        from console.relations import RelationIndex

        cached = RelationIndex.from_nodes(ctx.frames["nodes"], adapter=ctx.project.get("adapter"))
        ctx.__dict__["_triage_relation_index"] = cached
    return cached


def build_readers(ctx: Context, extras: Extras | None) -> Readers:
    """The :class:`Readers` of a load (empty when ``extras`` is None or holds neither table)."""
    out = Readers()
    if extras is None:
        return out
    _lastmile(ctx, extras, out)
    _log(ctx, extras, out)
    return out


def _lastmile(ctx: Context, extras: Extras, out: Readers) -> None:
    items = extras.table("lastmile_artifacts")
    if items.is_empty():
        return
    out.has_lastmile = True
    reads: dict[str, list[str]] = {}
    for aid, rels in zip(items["artifact_id"].to_list(), items["relations_read"].to_list()):
        reads.setdefault(aid, []).extend(rels or ())
    facts = extras.table("logic_facts")
    if not facts.is_empty():
        for sid, kind, rels in facts.select("subject_id", "subject_type", "relations").iter_rows():
            if kind == "lastmile":
                reads.setdefault(sid, []).extend(rels or ())
    names = {r for rs in reads.values() for r in rs if r}
    if not names:
        return
    resolved = relation_index(ctx).resolve_many(names)
    by_node: dict[str, list[Item]] = {}
    for aid, tool, kind, path, name, owner in items.select("artifact_id", "tool", "kind", "path", "name", "owner").iter_rows():
        item = Item(aid, name or aid, tool or "", kind or "", path, owner)
        for uid in {resolved[r].unique_id for r in reads.get(aid, ()) if r and resolved[r].unique_id}:
            by_node.setdefault(uid, []).append(item)
    out.lastmile = {u: tuple(sorted(v, key=lambda x: (x.tool, x.name))) for u, v in by_node.items()}


def _log(ctx: Context, extras: Extras, out: Readers) -> None:
    log = extras.table("query_log")
    if log.is_empty():
        return
    out.has_log = True
    qtype = pl.col("query_type").fill_null("").str.to_uppercase()
    rows = log.filter(~pl.any_horizontal(*(qtype.str.starts_with(w) for w in WRITES)))
    rows = rows.filter(pl.col("objects_read").list.len() > 0).explode("objects_read")
    if rows.is_empty():
        return
    resolved = relation_index(ctx).resolve_many(n for n in rows["objects_read"].unique().to_list() if n)
    hit = {n: r.unique_id for n, r in resolved.items() if r.unique_id}
    if not hit:
        return
    rows = rows.filter(pl.col("objects_read").is_in(list(hit)))
    rows = rows.with_columns(pl.col("objects_read").replace_strict(hit, default=None).alias("node"))
    grouped = rows.group_by("node", "user_name").agg(
        pl.col("role_name").drop_nulls().first(), pl.col("query_id").n_unique().alias("n"), pl.col("started_at").max().alias("last"),
    ).sort("n", "user_name", descending=[True, False], nulls_last=True)
    by_node: dict[str, list[Reads]] = {}
    for node, user, role, n, last in grouped.iter_rows():
        by_node.setdefault(node, []).append(Reads(user or "(unknown user)", role, n, last))
    out.log = {u: tuple(v) for u, v in by_node.items()}
