"""The blast radius: everything downstream of a broken node, most critical first.

* **models** (models, seeds, snapshots downstream), each ``production`` when a production
  exposure (:mod:`rules._production`) rests on it, ``declared`` when another exposure does,
  else ``internal``;
* **exposures** downstream, with type, owner, maturity, and whether they count as production;
* **last-mile items** (``lastmile_artifacts``; the relations their SQL reads from
  ``logic_facts``) reading the node or anything downstream; ``production`` when a relation they
  read feeds a production exposure;
* **query-log consumers**: who the warehouse's query history shows reading those relations
  (reads only: writes are dbt building them), grouped by user.

Relation names (last mile, query log) are resolved to dbt nodes by :class:`console.relations.RelationIndex`.
When a table is empty the radius says so in ``notes`` instead of pretending nothing is there.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from console.triage.extras import Extras
from console.triage.model import CRITICALITY, BlastRadius, Consumer, Impacted, LastMileItem
from console.triage.signals import SignalIndex
from rules._production import production_exposures, production_trees
from rules.context import Context

MODEL_TYPES = ("model", "seed", "snapshot")
_WRITES = ("CREATE", "INSERT", "MERGE", "UPDATE", "DELETE", "COPY", "ALTER", "DROP", "TRUNCATE")
_RANK = {c: i for i, c in enumerate(CRITICALITY)}


def _production_set(ctx: Context) -> set[str]:
    """Every node some production exposure rests on (cached on the context)."""
    cached = ctx.__dict__.get("_triage_production_set")
    if cached is None:
        cached = set()
        for exposure, via in production_trees(ctx):
            cached.update(via)
            cached.add(exposure.unique_id)
        ctx.__dict__["_triage_production_set"] = cached
    return cached


def relation_index(ctx: Context):
    """The project's :class:`console.relations.RelationIndex` (cached on the context)."""
    cached = ctx.__dict__.get("_triage_relation_index")
    if cached is None:
        from console.relations import RelationIndex

        cached = RelationIndex.from_nodes(ctx.frames["nodes"], adapter=ctx.project.get("adapter"))
        ctx.__dict__["_triage_relation_index"] = cached
    return cached


def blast_radius(ctx: Context, index: SignalIndex, starts: Iterable[str], extras: Extras | None = None,
                 *, include_starts: bool = False) -> BlastRadius:
    """Everything downstream of ``starts`` (the starts' own relations count for the last mile and the log).

    ``include_starts`` lists the starts themselves too (at distance 0): a failing test's blast
    radius is its tested model and everything that reads it.
    """
    starts = list(starts)
    down = ctx.graph.descendants(starts)
    if include_starts:
        down = {**{s: 0 for s in starts}, **down}
    production = _production_set(ctx)
    prod_exposures = {e.unique_id: e for e in production_exposures(ctx)}
    node_rows = ctx.node_index
    exposures_down = [n for n in down if n.startswith("exposure.")]
    declared = set(ctx.graph.ancestors(exposures_down)) if exposures_down else set()

    def critical(n: str) -> str:
        return "production" if n in production else "declared" if n in declared else "internal"

    models, exposures, tests = [], [], 0
    for n, dist in down.items():
        kind = n.split(".", 1)[0]
        if kind in ("test", "unit_test"):
            tests += 1
        elif kind in MODEL_TYPES:
            models.append(Impacted(index.ref(n), kind, critical(n), dist))
        elif kind == "exposure":
            row = node_rows.get(n, {})
            prod = prod_exposures.get(n)
            exposures.append(Impacted(index.ref(n), row.get("exposure_type") or "exposure",
                                      "production" if prod else "declared", dist, row.get("maturity"),
                                      (prod.reason or f"{prod.type} exposure") if prod else ""))
    order = lambda i: (_RANK[i.critical], i.distance, i.node.name)  # noqa: E731
    reach = set(down) | set(starts)
    extras = extras or Extras()
    lastmile, notes = _lastmile(ctx, extras, reach, production)
    consumers, note = _consumers(ctx, extras, reach)
    if note:
        notes.append(note)
    return BlastRadius(tuple(sorted(models, key=order)), tuple(sorted(exposures, key=order)), tuple(lastmile),
                       tuple(consumers), tests, tuple(notes))


def _lastmile(ctx: Context, extras: Extras, reach: set[str], production: set[str]) -> tuple[list[LastMileItem], list[str]]:
    items = extras.table("lastmile_artifacts")
    if items.is_empty():
        return [], ["no last-mile files collected (give --lastmile to see the tools downstream)"]
    reads: dict[str, list[str]] = {}
    for aid, rels in zip(items["artifact_id"].to_list(), items["relations_read"].to_list()):
        reads.setdefault(aid, []).extend(rels or ())
    facts = extras.table("logic_facts")
    if not facts.is_empty():
        for sid, kind, rels in facts.select("subject_id", "subject_type", "relations").iter_rows():
            if kind == "lastmile":
                reads.setdefault(sid, []).extend(rels or ())
    index = relation_index(ctx)
    resolved = index.resolve_many({r for rs in reads.values() for r in rs})
    out = []
    for aid, tool, kind, path, name, owner in items.select("artifact_id", "tool", "kind", "path", "name", "owner").iter_rows():
        hits = sorted({resolved[r].unique_id for r in reads.get(aid, ()) if resolved[r].unique_id in reach})
        if not hits:
            continue
        crit = "production" if any(h in production for h in hits) else "declared"
        names = tuple(ctx.node_index.get(h, {}).get("name") or h for h in hits)
        out.append(LastMileItem(aid, name or aid, tool or "", kind or "", path, owner, names, crit))
    out.sort(key=lambda x: (_RANK[x.critical], x.tool, x.name))
    return out, []


def _consumers(ctx: Context, extras: Extras, reach: set[str]) -> tuple[list[Consumer], str]:
    log = extras.table("query_log")
    if log.is_empty():
        return [], "no query log collected (give --query-log to see who reads these relations)"
    qtype = pl.col("query_type").fill_null("").str.to_uppercase()
    reads = log.filter(~pl.any_horizontal(*(qtype.str.starts_with(w) for w in _WRITES)))
    reads = reads.filter(pl.col("objects_read").list.len() > 0).explode("objects_read")
    if reads.is_empty():
        return [], ""
    index = relation_index(ctx)
    names = reads["objects_read"].unique().to_list()
    resolved = index.resolve_many(n for n in names if n)
    hit = {n: r.unique_id for n, r in resolved.items() if r.unique_id in reach}
    if not hit:
        return [], ""
    rows = reads.filter(pl.col("objects_read").is_in(list(hit)))
    rows = rows.with_columns(pl.col("objects_read").replace_strict(hit, default=None).alias("node"))
    grouped = rows.group_by("user_name", maintain_order=True).agg(
        pl.col("role_name").drop_nulls().first(), pl.col("query_id").n_unique().alias("queries"),
        pl.col("started_at").max().alias("last_seen"), pl.col("node").unique().sort(),
    )
    out = [
        Consumer(user or "(unknown user)", role, queries, last, tuple(ctx.node_index.get(n, {}).get("name") or n for n in nodes))
        for user, role, queries, last, nodes in grouped.iter_rows()
    ]
    out.sort(key=lambda c: (-c.queries, c.user))
    return out, ""
