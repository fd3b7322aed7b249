"""One collect: read what changed, normalise it, and write it to the store in one transaction.

The steps, in order (:func:`collect`):

1. ``peek`` at the store (a short shared-lock visit): which artifact files it holds already
   (by content hash), the stat cache (path -> size, mtime, hash), node identities and edges.
2. Artifacts (:mod:`collectors.artifact_phase`): find them in ``target/`` and the archive
   folders; parse only the new ones.
3. Snapshot: the target's ``manifest.json`` when it changed, else nothing; with no manifest at
   all, the project's own files (``dbt_project.yml``, SQL, yml). Layers are classified; without
   a new snapshot, the stored nodes are classified again and those whose layer ``[layers]``
   now changes are rewritten (:func:`collectors.layers.changed_layers`).
4. Overlay (:mod:`collectors.overlay`): model files edited since dbt's last parse.
5. SQL facts (:mod:`collectors.facts_phase`), cached by content hash, with a progress bar.
5b. The warehouse (:mod:`collectors.warehouse_phase`): relations, columns, row counts, source
   freshness from the data, read-only and in bounded time; best effort for the default dbt
   profile, an input error for a warehouse the user named.
5b2. The last mile (:mod:`collectors.lastmile_phase`): reverse-ETL models and syncs, LookML,
   Metabase questions, SQL in app code and notebooks, dbt models marked as sync outputs; each
   file parsed once per content, bad files counted as skips.
5c. SQL logic (:mod:`collectors.logic_phase`): pass-through or business logic, and the business
   rules with their keys, in models (with the SQL-facts switch) and last-mile items; cached.
5d. Query logs (:mod:`collectors.querylog_phase`): new log files read with DuckDB, each
   distinct query text parsed once ever, with pg_stat_statements when the warehouse read
   brought it; who read what is summed in the write.
6. Write everything in one transaction (:func:`console.store.open_writer`). Any error before
   or during the write leaves the store exactly as it was.

Parsing happens before the store is opened for writing, so a long parse never blocks a reader
(the terminal UI) for more than the write itself.
"""

from __future__ import annotations

import sys
import time

import polars as pl

from collectors.artifact_phase import Parsed, parse_artifacts
from collectors.facts_phase import facts_phase
from collectors.lastmile_phase import lastmile_phase, write_lastmile
from collectors.logic_phase import ModelLogic, logic_phase, write_logic
from collectors.overlay import find_edited, overlay
from collectors.query_logs.pg_live import live_log
from collectors.querylog_phase import querylog_phase, write_querylog
from collectors.summary import CollectSummary
from collectors.warehouse_phase import warehouse_phase, write_warehouse
from console.errors import InputError
from console.store import open_writer, peek

#: Frames of the project snapshot (replaced whole when a manifest or the project is read).
PROJECT_TABLES = ("project", "nodes", "edges", "node_columns", "tests")


def _has_target_manifest(loc) -> bool:
    return (loc.artifacts / "manifest.json").is_file()


def _read_project_files(loc, seen, notes: list[str], sql_facts: bool):
    """The project's files, read incrementally (:mod:`collectors.dbt_project.incremental`)."""
    from collectors.dbt_project.incremental import read_files

    return read_files(loc, seen, notes, {"sql_facts": sql_facts})


def _with_layers(nodes: pl.DataFrame, config) -> pl.DataFrame:
    from collectors.layers import (
        DEFAULT_LAYERS,
        classify_layers,
        layer_rules_from_config,
    )

    try:
        rules = layer_rules_from_config(config.layers) if config.layers else DEFAULT_LAYERS
    except ValueError as e:
        raise InputError(config.source, f"[layers]: {e}") from None
    return nodes.with_columns(classify_layers(nodes, rules).alias("layer"))


def _relayered(nodes: pl.DataFrame | None, config) -> pl.DataFrame | None:
    """(unique_id, layer) of stored nodes that the configuration's ``[layers]`` now classifies
    otherwise (None without stored nodes)."""
    if nodes is None or "layer" not in nodes.columns:
        return None
    from collectors.layers import changed_layers

    return changed_layers(nodes, _with_layers(nodes, config)["layer"])


def _node_history(nodes: pl.DataFrame, previous: pl.DataFrame | None, collect_time: str, collect_id: int) -> pl.DataFrame:
    """Rows for the nodes that are new or whose checksum changed since ``previous`` (columns
    selected and filtered by polars: a cold 10k-node collect's rows are its nodes' columns)."""
    rows = nodes.select(
        pl.col("unique_id").cast(pl.String),
        (pl.col("checksum") if "checksum" in nodes.columns else pl.lit(None)).cast(pl.String).alias("checksum"),
        pl.lit(collect_time, dtype=pl.String).alias("seen_at"),
        pl.lit(collect_id, dtype=pl.Int64).alias("collect_id"),
        # kept so triage can diff two versions
        (pl.col("raw_code") if "raw_code" in nodes.columns else pl.lit(None)).cast(pl.String).alias("raw_code"),
    )
    if previous is None:
        return rows
    before = previous.select(pl.col("unique_id").cast(pl.String), pl.col("checksum").cast(pl.String).alias("_before"), pl.lit(True).alias("_seen"))
    rows = rows.join(before.unique("unique_id", keep="last"), on="unique_id", how="left", maintain_order="left")
    return rows.filter(pl.col("_seen").is_null() | pl.col("checksum").ne_missing(pl.col("_before"))).drop("_before", "_seen")


def _snapshot(loc, parsed: Parsed, summary: CollectSummary, seen, sql_facts: bool = True):
    """(the new project snapshot, or None when the project is unchanged since the last collect
    or only patched; the project-files read, or None when the snapshot is not from the files)."""
    root = loc.project
    snapshot = parsed.snapshot
    read = None
    if snapshot is not None:
        summary.origin = f"manifest v{parsed.manifest_version}"
    elif _has_target_manifest(loc):
        summary.origin = "manifest (unchanged)"
    elif (root / "dbt_project.yml").is_file() or not parsed.history:
        walk_notes: list[str] = []
        read = _read_project_files(loc, seen, walk_notes, sql_facts)
        summary.notes.extend(dict.fromkeys(walk_notes))  # a folder may be walked for several resource types
        snapshot = read.frames
        summary.origin = "project files"
        if read.kind != "full":
            summary.origin = "project files (unchanged)" if read.kind == "unchanged" else (
                f"project files ({read.updates.height} model{'s' if read.updates.height != 1 else ''} patched)")
            summary.count_nodes(seen["nodes"])
            if read.updates is not None:
                read.updates = _with_layers(read.updates, loc.config)
    if snapshot is not None:
        snapshot["nodes"] = _with_layers(snapshot["nodes"], loc.config)
        snapshot["project"] = snapshot["project"].with_columns(
            pl.lit(str(root)).alias("root"), pl.lit(parsed.manifest_sha256, dtype=pl.String).alias("manifest_sha256")
        )
        summary.count_nodes(snapshot["nodes"])
    return snapshot, read


def _apply_overlay(loc, snapshot, seen, summary):
    """Find model files edited after the manifest; fold them into ``snapshot`` when there is one.

    Returns (edited files, node updates, their new edges, stat-cache rows of the files hashed,
    render cache entries made, or None).
    """
    manifest = loc.artifacts / "manifest.json"
    if not manifest.is_file() or (snapshot is None and seen["nodes"] is None):
        return [], None, None, [], None
    nodes = snapshot["nodes"] if snapshot is not None else seen["nodes"]
    edited, hashed = find_edited(loc.project, nodes, manifest.stat().st_mtime_ns, seen["file_stats"])
    if not edited:
        return [], None, None, hashed, None
    from collectors.dbt_project.render_cache import RenderCache
    from console.store.render_cache import cached_renders

    renders = RenderCache(load=lambda: cached_renders(loc.store))  # a store visit only if a model renders
    updates, new_edges = overlay(edited, nodes, loc.project, renders)
    summary.edited_models = len(edited)
    if snapshot is not None:
        snapshot["nodes"] = snapshot["nodes"].update(updates, on="unique_id", include_nulls=True)
        ids = [f.unique_id for f in edited]
        snapshot["edges"] = pl.concat([snapshot["edges"].filter(~pl.col("child_id").is_in(ids)), new_edges], how="diagonal_relaxed")
    return edited, updates, new_edges, hashed, renders.frame(new_only=True)


_EMPTY_ROWS = pl.DataFrame(schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String})


def _write_patch(w, read, seen, now_iso: str) -> None:
    """The rows of models patched from their files: their nodes, the edges into them, their
    render cache entries (see :mod:`collectors.dbt_project.incremental`)."""
    ids = read.updates["unique_id"].to_list()
    w.delete_where_in("nodes", "unique_id", ids)
    w.append("nodes", read.updates)
    w.delete_where_in("edges", "child_id", ids)
    w.append("edges", read.edges)
    w.append("node_history", _node_history(read.updates, seen["nodes"], now_iso, w.collect_id))
    w.delete_where_in("render_cache", "text_hash", read.renders_gone)
    w.upsert("render_cache", read.renders_new)


def _file_stats_frame(rows: list[tuple[str, int, int, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String}, orient="row")


def collect(loc, *, progress: bool = False, sql_facts: bool = True, keep_documents: bool = False) -> CollectSummary:
    """Collect everything ``loc`` (a :class:`console.cli.options.Locations`) points at.

    Args:
        loc: resolved locations and configuration.
        progress: show a progress bar for long phases (the caller checks stderr is a terminal).
        sql_facts: compute SQL facts (the second, slower phase).
        keep_documents: keep parsed JSON documents (below
            :data:`collectors.artifact_phase.KEEP_DOCUMENTS_BELOW`) alive
            instead of freeing them: a command-line process that ends with ``os._exit`` then
            never pays for tearing down a million small objects (about 0.3 s for a 10k-node
            manifest). Leave it off in long-running processes. A long-running process (this
            off) whose collect finds the project files unchanged reads them in a background
            thread afterwards, so that its first edit is patched
            (:mod:`collectors.dbt_project.incremental`).

    Raises:
        InputError: a bad file or folder; the store is left as it was.
    """
    t0 = time.perf_counter()
    incremental = sys.modules.get("collectors.dbt_project.incremental")  # only a process that imported
    if incremental is not None:  # it can have started a read (and a cold one skips its 0.1 s import)
        incremental.settle()  # a background read of the project this process started (see ``warm`` below)
    root = loc.project
    summary = CollectSummary(project_root=root, store=loc.store)
    seen = peek(loc.store)
    parsed = parse_artifacts(loc, seen, summary, keep_documents)
    snapshot, read = _snapshot(loc, parsed, summary, seen, sql_facts)
    renders = snapshot.pop("render_cache", None) if snapshot is not None else None
    edited, updates, new_edges, hashed, overlay_renders = _apply_overlay(loc, snapshot, seen, summary)
    if read is not None and read.kind == "patch":  # models whose text changed: like the overlay's edits
        edited, updates, new_edges = read.updates["unique_id"].to_list(), read.updates, read.edges
    # the stored nodes are classified again unless the project files' settings digest (the
    # configuration's [layers] in it) says they were classified by the same rules
    same_settings = read is not None and read.kind in ("unchanged", "patch")
    relayered = _relayered(seen["nodes"], loc.config) if snapshot is None and not same_settings else None
    if relayered is not None and relayered.height:
        n = relayered.height
        summary.notes.append(f"layers: {n} node{'s' if n != 1 else ''} in another layer, as [layers] now says")
    facts = new_cache = None
    model_logic = ModelLogic()  # the SQL-facts phase fills it from the parse it makes anyway
    if sql_facts:
        facts, new_cache = facts_phase(loc, snapshot, seen, edited, updates, new_edges, progress, summary, model_logic)
    warehouse = warehouse_phase(loc, snapshot, summary, seen)
    lastmile = lastmile_phase(  # the new layers and the rewritten rows' marks: sync items follow them now
        loc, snapshot, seen, summary, relayered=relayered, updated=updates if edited else None
    )
    lastmile_items, lastmile_gone = lastmile.logic_delta()  # only the changed files' items when patched
    logic = logic_phase(
        loc, snapshot, seen, updates if edited else None, lastmile_items, summary, models=sql_facts,
        model_logic=model_logic, lastmile_gone=lastmile_gone,
    )
    querylogs = querylog_phase(loc, seen, snapshot, live=live_log(warehouse))

    with open_writer(loc.store, root) as w:
        now_iso = w.started_at.isoformat()
        if snapshot is not None:
            for table in PROJECT_TABLES:
                w.replace(table, snapshot[table])
            w.append("node_history", _node_history(snapshot["nodes"], seen["nodes"], now_iso, w.collect_id))
            if renders is not None:
                w.replace("render_cache", renders)
            w.replace("project_files", read.rows_frame() if read is not None else _EMPTY_ROWS)
        elif read is not None and read.kind == "patch":
            _write_patch(w, read, seen, now_iso)
        elif edited:
            w.update("nodes", updates)
            w.delete_where_in("edges", "child_id", [f.unique_id for f in edited])
            w.append("edges", new_edges)
            w.append("node_history", _node_history(updates, seen["nodes"], now_iso, w.collect_id))
        if overlay_renders is not None:
            w.upsert("render_cache", overlay_renders)  # the next overlay or project-files read finds them
        if read is not None and read.kind != "full" and read.rows_changed:
            w.upsert("project_files", read.rows_frame(only_changed=True))
        if relayered is not None and relayered.height:
            w.update("nodes", relayered)
        if facts is not None:
            (w.replace if snapshot is not None else w.upsert)("sql_facts", facts)
            w.append("sql_facts_cache", new_cache)
        if warehouse is not None:
            write_warehouse(w, warehouse)
        write_lastmile(w, lastmile)
        write_logic(w, logic)
        if parsed.catalog is not None:
            for table, frame in parsed.catalog.items():
                w.replace(table, frame)
        for art, kind, frames in parsed.history:
            inv = frames["invocations"].with_columns(
                pl.lit(art.rel).alias("file_path"), pl.lit(art.sha256).alias("file_sha256"), pl.lit(w.collect_id).alias("collect_id")
            )
            added = w.append("invocations", inv)
            results_table = "node_results" if kind == "run_results" else "freshness_results"
            rows = w.append(results_table, frames[results_table])
            summary.add_history(kind, added, rows)
        new_files = parsed.new_files
        if new_files:
            w.append("artifact_files", pl.DataFrame({
                "sha256": [a.sha256 for a, _ in new_files], "path": [a.rel for a, _ in new_files],
                "kind": [k for _, k in new_files], "size": [a.size for a, _ in new_files],
                "mtime_ns": [a.mtime_ns for a, _ in new_files], "collect_id": [w.collect_id] * len(new_files),
            }))
        seen_files = [a for a, _ in parsed.new_files] + parsed.known_files
        stats = [(a.rel, a.size, a.mtime_ns, a.sha256) for a in seen_files] + hashed
        if stats:
            w.upsert("file_stats", _file_stats_frame(stats))
        if querylogs is not None:
            write_querylog(w, querylogs, summary)
        summary.seconds = time.perf_counter() - t0
        w.finish(summary.to_dict())
    summary.seconds = time.perf_counter() - t0
    if read is not None and read.warm is not None and not keep_documents:
        read.warm()  # a process that lives on: read the project in the background, so its first edit is a patch
    return summary


