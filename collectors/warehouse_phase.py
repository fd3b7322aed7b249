"""The collect's warehouse phase: read the warehouse outside the store lock, write it inside.

Steps (:func:`warehouse_phase`, then :func:`write_warehouse` in the collect's transaction):

1. Which warehouse: ``--warehouse`` / ``[paths] warehouse`` (a DuckDB file or a
   ``postgresql://`` URL), else the project's dbt profile (``--profiles-dir``,
   ``--target``, ``$DBT_PROFILES_DIR``, ``$DBT_TARGET``; :mod:`collectors.warehouse.profiles`).
   ``[warehouse] enabled = false`` turns the phase off.
2. The plan: the sources to measure (each with its ``loaded_at_field``, from the snapshot
   being collected or, when the project is unchanged, from the store), the schemas to list,
   the relations whose NULLs are counted, the timeouts, whether the engine's own query log
   (``pg_stat_statements``) is read (``[warehouse]`` in configuration).
3. The engine reads (:func:`collectors.warehouse.read_warehouse`). Sources without a
   ``loaded_at_field`` take the relation's last-modified time where the engine keeps one.
4. In the write transaction: ``warehouse_relations`` and ``warehouse_columns`` are replaced;
   ``warehouse_snapshots``, ``warehouse_relation_history``, ``warehouse_column_history`` and
   ``warehouse_freshness`` gain this collect's rows.

Decision (failures): a warehouse the user named (``--warehouse``, ``[paths] warehouse``,
``--target``, ``--profiles-dir`` or ``[warehouse] target``) that cannot be read at all is an
input error: one line naming the target (never a secret), exit 2, nothing written; so is a
profile whose engine needs an optional extra that is not installed (Snowflake, BigQuery). The
project's default profile is best effort: the README's first command must work on any
laptop, so an unreachable default target (a server not running, a DuckDB file held by a
running dbt) is a note in the summary and the collect goes on without the warehouse. What
fails on one relation (dropped since the listing, permission denied, a timeout) is always a
counted skip with its reason, in the summary and in ``warehouse_snapshots.skipped``.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import polars as pl

from collectors.summary import CollectSummary
from collectors.warehouse import DriverMissing, FreshnessRequest, Plan, WarehouseRead, WarehouseTarget, WarehouseUnavailable, read_warehouse
from collectors.warehouse._common import FRESHNESS_SCHEMA, freshness_row
from collectors.warehouse.profiles import profile_target
from collectors.warehouse.target import target_from_value
from console.config import WAREHOUSE_DEFAULTS
from console.errors import InputError

_SOURCE_COLUMNS = ["unique_id", "resource_type", "database", "schema", "identifier", "name", "loaded_at_field", "freshness", "enabled"]


def resolve_target(loc, summary: CollectSummary) -> WarehouseTarget | None:
    """The warehouse to read, or None (with a note saying why) when there is none."""
    options = {**WAREHOUSE_DEFAULTS, **loc.config.warehouse_options}
    if not options["enabled"] and not loc.warehouse:
        summary.notes.append("warehouse: off ([warehouse] enabled = false)")
        return None
    if loc.warehouse:
        from_config = loc.config.warehouse is not None and loc.warehouse == loc.config.warehouse
        base = loc.config.source.parent if from_config and loc.config.source else Path.cwd()
        return target_from_value(loc.warehouse, base=base, source=loc.config.source if from_config else None)
    target, why = profile_target(loc.project, profiles_dir=loc.profiles_dir, target=loc.target)
    if target is None:
        summary.notes.append(f"warehouse: not collected: {why}; give --warehouse to read one")
        return None
    if loc.profiles_dir or loc.target:
        target = WarehouseTarget(target.engine, target.label, target.params, explicit=True, source=target.source)
    return target


def _source_rows(loc, snapshot, seen: dict | None = None) -> pl.DataFrame | None:
    """The sources to measure: the snapshot's, else those :func:`console.store.peek` found
    (the project is unchanged or only models were patched: no second store visit), else the
    store's."""
    if snapshot is not None:
        nodes = snapshot["nodes"]
        return nodes.select([c for c in _SOURCE_COLUMNS if c in nodes.columns])
    if seen is not None and seen.get("sources") is not None:
        return seen["sources"]
    if not loc.store.exists():
        return None
    from console.store import read_tables

    try:
        return read_tables(loc.store, {"nodes": _SOURCE_COLUMNS})["nodes"]
    except InputError:
        return None  # an old or foreign store: the write will say so


def freshness_requests(nodes: pl.DataFrame | None) -> tuple[FreshnessRequest, ...]:
    """Every enabled source of ``nodes``, with its relation and ``loaded_at_field``."""
    if nodes is None or nodes.is_empty():
        return ()
    sources = nodes.filter(pl.col("resource_type") == "source")
    if "enabled" in sources.columns:
        sources = sources.filter(pl.col("enabled").fill_null(True))
    out = []
    for row in sources.iter_rows(named=True):
        if not row.get("schema"):
            continue
        freshness = row.get("freshness")
        if isinstance(freshness, str):
            freshness = orjson.loads(freshness) if freshness.strip().startswith("{") else None
        out.append(FreshnessRequest(
            row["unique_id"], row.get("database"), row["schema"], row.get("identifier") or row["name"], row.get("loaded_at_field") or None,
            (freshness or {}).get("filter") or None,
        ))
    return tuple(out)


def build_plan(loc, snapshot, seen: dict | None = None) -> Plan:
    options = {**WAREHOUSE_DEFAULTS, **loc.config.warehouse_options}
    return Plan(
        schemas=tuple(s.lower() for s in options["schemas"]),
        freshness=freshness_requests(_source_rows(loc, snapshot, seen)),
        null_checks=tuple(g.lower() for g in options["null_checks"]),
        connect_timeout=float(options["connect_timeout"]),
        statement_timeout=float(options["statement_timeout"]),
        freshness_timeout=float(options["freshness_timeout"]),
        null_check_timeout=float(options["null_check_timeout"]),
        query_log=bool(options["query_log"]),
    )


def _last_altered_freshness(read: WarehouseRead, plan: Plan) -> None:
    """Sources without a loaded_at_field: the relation's last-modified time, where kept."""
    rels = read.relations.filter(pl.col("last_altered").is_not_null())
    if rels.is_empty():
        return
    altered = {(s.lower(), n.lower()): t for s, n, t in rels.select("schema", "name", "last_altered").iter_rows()}
    rows = [
        freshness_row(r, method="last_altered", value=altered[(r.schema.lower(), r.identifier.lower())])
        for r in plan.freshness
        if not r.loaded_at_field and (r.schema.lower(), r.identifier.lower()) in altered
    ]
    if rows:
        read.freshness = pl.concat([read.freshness, pl.DataFrame(rows, schema=FRESHNESS_SCHEMA)])


def warehouse_phase(loc, snapshot, summary: CollectSummary, seen: dict | None = None) -> WarehouseRead | None:
    """Read the warehouse (no store lock held). None when there is none to read.

    ``seen``: what :func:`console.store.peek` found (its ``sources`` stand for the stored ones).

    Raises:
        InputError: a warehouse the user named cannot be read (one line naming the target).
    """
    target = resolve_target(loc, summary)
    if target is None:
        return None
    plan = build_plan(loc, snapshot, seen)
    try:
        read = read_warehouse(target, plan)
    except WarehouseUnavailable as e:
        if target.explicit or isinstance(e, DriverMissing):
            raise InputError(None, f"warehouse {target.scrub(str(e))}") from None
        summary.notes.append(f"warehouse: not collected: {target.scrub(str(e))}")
        return None
    _last_altered_freshness(read, plan)
    read.skipped = [{"what": s["what"], "reason": target.scrub(s["reason"])} for s in read.skipped]
    summary.notes.append(_summary_line(read))
    summary.notes.extend(f"warehouse skipped {s['what']}: {s['reason']}" for s in read.skipped[:5])
    if len(read.skipped) > 5:
        summary.notes.append(f"warehouse skipped {len(read.skipped) - 5} more (warehouse_snapshots.skipped lists them)")
    return read


def _summary_line(read: WarehouseRead) -> str:
    fresh = read.freshness.filter(pl.col("error").is_null()).height
    parts = [f"{read.relations.height} relations", f"{read.columns.height} columns", f"{fresh} source freshness readings"]
    if not read.nulls.is_empty():
        parts.append(f"NULL counts of {read.nulls.select('schema', 'name').unique().height} relations")
    skipped = f", {len(read.skipped)} skipped" if read.skipped else ""
    return f"warehouse: {read.target}: " + ", ".join(parts) + f" in {read.seconds:.2f} s{skipped}"


def write_warehouse(w, read: WarehouseRead) -> None:
    """This collect's warehouse rows, inside the collect's transaction (``w``: a store Writer)."""
    stamp = pl.lit(w.started_at, dtype=pl.Datetime("us"))
    cid = pl.lit(w.collect_id, dtype=pl.Int64)
    rels = read.relations
    w.replace("warehouse_relations", rels.with_columns(stamp.alias("collected_at"), pl.lit(read.engine).alias("engine")))
    columns_hash = f"{read.columns.height}:{read.columns.hash_rows(seed=0).sum() if read.columns.height else 0}"
    before = w.current("warehouse_snapshots", ["collect_id", "columns_hash"]).sort("collect_id").tail(1)["columns_hash"].to_list()
    if before != [columns_hash]:  # a catalogue unchanged since the last collect is not rewritten (40k rows at 5,000 tables)
        w.replace("warehouse_columns", read.columns)
    w.append("warehouse_relation_history", rels.select(
        cid.alias("collect_id"), "database", "schema", "name", "table_type", "row_count", "bytes", "last_altered"))
    w.append("warehouse_column_history", read.nulls.with_columns(cid.alias("collect_id")))
    w.append("warehouse_freshness", read.freshness.with_columns(cid.alias("collect_id")))
    w.append("warehouse_snapshots", pl.DataFrame({
        "collect_id": [w.collect_id], "collected_at": [w.started_at], "engine": [read.engine], "target": [read.target],
        "relations": [rels.height], "columns": [read.columns.height], "bytes": [read.bytes],
        "seconds": [round(read.seconds, 3)], "skipped": [orjson.dumps(read.skipped).decode()], "columns_hash": [columns_hash],
    }, schema={"collect_id": pl.Int64, "collected_at": pl.Datetime("us"), "engine": pl.String, "target": pl.String,
               "relations": pl.Int64, "columns": pl.Int64, "bytes": pl.Int64, "seconds": pl.Float64, "skipped": pl.String,
               "columns_hash": pl.String}))
