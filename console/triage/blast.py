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

Relation names (last mile, query log) are resolved to dbt nodes once per load
(:mod:`console.triage.readers`); a consumer's ``queries`` count its reads of the radius's
relations (a query reading two of them counts twice).
When a table is empty the radius says so in ``notes`` instead of pretending nothing is there.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from console.triage.model import CRITICALITY, BlastRadius, Consumer, Impacted, LastMileItem
from console.triage.readers import Readers
from console.triage.signals import SignalIndex
from rules._production import production_exposures
from rules.context import Context

MODEL_TYPES = ("model", "seed", "snapshot")
_RANK = {c: i for i, c in enumerate(CRITICALITY)}


def _production_set(ctx: Context) -> set[str]:
    """Every node some production exposure rests on (cached on the context).

    One walk up from every production exposure at once, not the rules' tree per exposure
    (``rules._production.production_trees``, which caches them on the context): an open app,
    whose Context the rules' caches have left, would keep a tree per exposure for this one set
    (about 4 MiB at 10k nodes).
    """
    cached = ctx.__dict__.get("_triage_production_set")
    if cached is None:
        starts = [e.unique_id for e in production_exposures(ctx)]
        cached = {*starts, *ctx.graph.ancestors(starts)} if starts else set()
        ctx.__dict__["_triage_production_set"] = cached
    return cached


def _exposure_rows(ctx: Context) -> dict[str, tuple[str | None, str | None]]:
    """exposure unique_id -> (type, maturity), cached on the context."""
    cached = ctx.__dict__.get("_triage_exposures")
    if cached is None:
        rows = ctx.frames["nodes"].filter(pl.col("resource_type") == "exposure").select("unique_id", "exposure_type", "maturity")
        cached = {u: (t, m) for u, t, m in rows.iter_rows()}
        ctx.__dict__["_triage_exposures"] = cached
    return cached


def blast_radius(ctx: Context, index: SignalIndex, starts: Iterable[str], readers: Readers | None = None,
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
    exposure_rows = _exposure_rows(ctx)
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
            etype, maturity = exposure_rows.get(n, (None, None))
            prod = prod_exposures.get(n)
            exposures.append(Impacted(index.ref(n), etype or "exposure", "production" if prod else "declared", dist, maturity,
                                      (prod.reason or f"{prod.type} exposure") if prod else ""))
    order = lambda i: (_RANK[i.critical], i.distance, i.node.name)  # noqa: E731
    reach = {**{s: 0 for s in starts}, **down}
    readers = readers or Readers()
    notes = []
    if not readers.has_lastmile:
        notes.append("no last-mile files collected (give --lastmile to see the tools downstream)")
    if not readers.has_log:
        notes.append("no query log collected (give --query-log to see who reads these relations)")
    return BlastRadius(tuple(sorted(models, key=order)), tuple(sorted(exposures, key=order)),
                       tuple(_lastmile(index, readers, reach, production)), tuple(_consumers(index, readers, reach)), tests, tuple(notes))


def _lastmile(index: SignalIndex, readers: Readers, reach: dict[str, int], production: set[str]) -> list[LastMileItem]:
    hits: dict[str, list[str]] = {}
    items = {}
    for uid in reach:
        for item in readers.lastmile.get(uid, ()):
            items[item.artifact_id] = item
            hits.setdefault(item.artifact_id, []).append(uid)
    out = []
    for aid, item in items.items():
        nodes = sorted(set(hits[aid]))
        crit = "production" if any(h in production for h in nodes) else "declared"
        out.append(LastMileItem(aid, item.name, item.tool, item.kind, item.path, item.owner, tuple(index.ref(h).name for h in nodes), crit))
    out.sort(key=lambda x: (_RANK[x.critical], x.tool, x.name))
    return out


def _consumers(index: SignalIndex, readers: Readers, reach: dict[str, int]) -> list[Consumer]:
    users: dict[str, dict] = {}
    for uid in reach:
        for r in readers.log.get(uid, ()):
            u = users.setdefault(r.user, {"role": r.role, "queries": 0, "last": None, "nodes": []})
            u["queries"] += r.queries
            u["role"] = u["role"] or r.role
            if r.last_seen is not None and (u["last"] is None or r.last_seen > u["last"]):
                u["last"] = r.last_seen
            u["nodes"].append(uid)
    out = [Consumer(user, u["role"], u["queries"], u["last"], tuple(sorted(index.ref(n).name for n in set(u["nodes"]))))
           for user, u in users.items()]
    out.sort(key=lambda c: (-c.queries, c.user))
    return out
