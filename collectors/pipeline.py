"""One collect: read what changed, normalise it, and write it to the store in one transaction.

The steps, in order (:func:`collect`):

1. ``peek`` at the store (a short shared-lock visit): which artifact files it holds already
   (by content hash) and the stat cache (path -> size, mtime, hash).
2. Find artifact files (``target/`` and the archive folders). A file whose size and mtime match
   the stat cache, or whose content hash is known, is not parsed again.
3. Parse what is new. The project snapshot comes from the target's ``manifest.json`` when there
   is one, else from the project's own files (``dbt_project.yml``, SQL, yml).
4. Classify layers; compute SQL facts (cached by content hash; a second phase with progress).
5. Write everything in one transaction (:func:`console.store.open_writer`). Any error before
   or during the write leaves the store exactly as it was.

Parsing happens before the store is opened for writing, so a long parse never blocks a reader
(the terminal UI) for more than the write itself.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from collectors.overlay import find_edited, overlay
from collectors.summary import CollectSummary
from console.errors import InputError
from console.store import cached_sql_facts, open_writer, peek

#: Frames of the project snapshot (replaced whole when a manifest or the project is read).
PROJECT_TABLES = ("project", "nodes", "edges", "node_columns", "tests")
#: Parsed documents smaller than this (in JSON bytes) may be kept until the process exits
#: (see :func:`collect`'s ``keep_documents``); bigger ones are freed at once to bound memory.
KEEP_DOCUMENTS_BELOW = 128 * 1024 * 1024
_KEPT: list[dict] = []

#: Resource types whose SQL gets facts.
SQL_RESOURCE_TYPES = ("model", "snapshot", "analysis")


@dataclass
class _Artifact:
    path: Path
    rel: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    data: bytes | None = None


@dataclass
class _Parsed:
    snapshot: dict[str, pl.DataFrame] | None = None
    catalog: dict[str, pl.DataFrame] | None = None
    history: list[tuple[_Artifact, str, dict[str, pl.DataFrame]]] = field(default_factory=list)
    new_files: list[tuple[_Artifact, str]] = field(default_factory=list)
    manifest_version: int | None = None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stat(path: Path, root: Path) -> _Artifact:
    try:
        st = path.stat()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror}") from None
    return _Artifact(path, _rel(path, root), st.st_size, st.st_mtime_ns)


def _read_bytes(art: _Artifact) -> bytes:
    try:
        return art.path.read_bytes()
    except OSError as e:
        raise InputError(art.path, f"cannot read: {e.strerror}") from None


def _is_known(art: _Artifact, known_hashes: set[str], stats: dict) -> bool:
    cached = stats.get(art.rel)
    if cached and cached[0] == art.size and cached[1] == art.mtime_ns and cached[2] in known_hashes:
        art.sha256 = cached[2]
        return True
    art.data = _read_bytes(art)
    art.sha256 = _sha256(art.data)
    return art.sha256 in known_hashes


def documents_kept() -> bool:
    """True when this process holds parsed documents it can skip tearing down at exit."""
    return bool(_KEPT)


def _parse_artifacts(loc, seen: dict, summary: CollectSummary, keep_documents: bool = False) -> _Parsed:
    from collectors import dbt_artifacts as da

    root = loc.project
    files = da.discover(loc.artifacts if (loc.artifacts_explicit or loc.artifacts.exists()) else None, loc.archive)
    target_dir = loc.artifacts.resolve()
    known = seen["artifact_hashes"]
    stats = seen["file_stats"]
    out = _Parsed()
    for f in files:
        art = _stat(f.path, root)
        in_target = f.path.resolve().parent == target_dir
        if _is_known(art, known, stats):
            summary.files_unchanged += 1
            out.new_files.append((art, "known"))
            continue
        data = art.data if art.data is not None else _read_bytes(art)
        with da.gc_paused():  # Python would walk the whole parsed document otherwise
            kind, version, doc = da.sniff(f.path, data)
            size = len(data)
            art.data = data = None  # the parsed document is all we keep: free the bytes before parsing
            if kind == "manifest":
                if in_target:
                    out.snapshot = da.parse_manifest(f.path, doc, version)
                    out.manifest_version = version
            elif kind == "catalog":
                if in_target:
                    out.catalog = da.parse_catalog(f.path, doc, version)
            elif kind == "run_results":
                out.history.append((art, kind, da.parse_run_results(f.path, doc, version)))
            elif kind == "sources":
                out.history.append((art, kind, da.parse_sources(f.path, doc, version)))
            if keep_documents and size < KEEP_DOCUMENTS_BELOW:
                _KEPT.append(doc)  # freeing a parsed manifest costs as much as parsing it
                gc.freeze()  # and the cyclic GC must not walk its million objects again
            del doc
        out.new_files.append((art, kind))
        summary.files_read += 1
    return out


def _has_target_manifest(loc) -> bool:
    return (loc.artifacts / "manifest.json").is_file()


def _read_project_files(loc) -> dict[str, pl.DataFrame]:
    from collectors.dbt_project import read_project

    return read_project(loc.project)


def _with_layers(nodes: pl.DataFrame, config) -> pl.DataFrame:
    from collectors.layers import DEFAULT_LAYERS, classify_layers, layer_rules_from_config

    try:
        rules = layer_rules_from_config(config.layers) if config.layers else DEFAULT_LAYERS
    except ValueError as e:
        raise InputError(config.source, f"[layers]: {e}") from None
    return nodes.with_columns(classify_layers(nodes, rules).alias("layer"))


def _node_history(nodes: pl.DataFrame, previous: pl.DataFrame | None, collect_time: str) -> pl.DataFrame:
    """Rows for the nodes that are new or whose checksum changed since ``previous``."""
    before = dict(zip(previous["unique_id"].to_list(), previous["checksum"].to_list())) if previous is not None else {}
    ids = nodes["unique_id"].to_list()
    sums = nodes["checksum"].to_list() if "checksum" in nodes.columns else [None] * len(ids)
    changed = [(i, s) for i, s in zip(ids, sums) if i not in before or before[i] != s]
    return pl.DataFrame(
        {
            "unique_id": [i for i, _ in changed],
            "checksum": [s for _, s in changed],
            "seen_at": [collect_time] * len(changed),
        },
        schema={"unique_id": pl.String, "checksum": pl.String, "seen_at": pl.String},
    )


def _sql_facts(code: pl.DataFrame, nodes: pl.DataFrame, edges: pl.DataFrame, adapter: str | None,
               store: Path, progress: Callable | None, summary: CollectSummary, all_edges: pl.DataFrame | None = None):
    """SQL facts for the nodes of ``code`` (unique_id, resource_type, raw_code, compiled_code, language).

    ``nodes`` and ``edges`` are the whole project: hard-coded relations are the tables a model
    reads that are none of its parents' relations.
    """
    from collectors.sql_facts import (
        SqlInput,
        classify_hardcoded,
        compute_facts,
        dialect_for_adapter,
        gc_paused,
        input_hashes,
    )

    dialect = dialect_for_adapter(adapter)
    sql_nodes = code.filter(pl.col("resource_type").is_in(list(SQL_RESOURCE_TYPES)))
    if "language" in sql_nodes.columns:
        sql_nodes = sql_nodes.filter(pl.col("language").is_null() | (pl.col("language") == "sql"))
    inputs = []
    for uid, raw, compiled in sql_nodes.select("unique_id", "raw_code", "compiled_code").iter_rows():
        if compiled:
            inputs.append(SqlInput(uid, compiled, True))
        elif raw:
            inputs.append(SqlInput(uid, raw, False))
    hashes = input_hashes(inputs, dialect)
    if len(inputs) < 20:
        cached = {}  # parsing a few models is cheaper than a visit to the store's cache
    else:
        with gc_paused():  # decoding thousands of cached facts is 5x faster without the cyclic GC
            cached = cached_sql_facts(store, hashes)
    facts, new_cache = compute_facts(inputs, dialect, cached, progress=progress, hashes=hashes)
    summary.sql_parsed += new_cache.height
    summary.sql_cached += len(inputs) - new_cache.height
    if facts.height:
        wanted = set(facts["unique_id"].to_list())
        parents = _parent_relations(nodes, edges.filter(pl.col("child_id").is_in(list(wanted))), all_edges)
        hard = [
            classify_hardcoded(tables or [], parents.get(uid, set()))
            for uid, tables in facts.select("unique_id", "tables_read").iter_rows()
        ]
        facts = facts.with_columns(pl.Series("hardcoded_relations", hard, dtype=pl.List(pl.String)))
    return facts, new_cache


def _parent_relations(nodes: pl.DataFrame, edges: pl.DataFrame, all_edges: pl.DataFrame | None = None) -> dict[str, set[str]]:
    """child -> every name its parents' relations may be written as (relation, schema.table, source.table).

    ``edges`` are the edges into the children wanted. dbt inlines an ephemeral parent as a
    CTE, so its own parents' relations count too (followed through ``all_edges``).
    """
    all_edges = edges if all_edges is None else all_edges
    cols = ["unique_id", "relation_name", "name", "schema", "identifier", "source_name", "materialized"]
    cols = [c for c in cols if c in nodes.columns]
    ephemeral_ids = set(
        nodes.filter(pl.col("materialized") == "ephemeral")["unique_id"].to_list() if "materialized" in nodes.columns else ()
    )
    parents_of: dict[str, list[str]] = {}
    needed = set(edges["parent_id"].to_list())
    frontier = needed & ephemeral_ids
    if frontier:
        for parent, child in all_edges.select("parent_id", "child_id").iter_rows():
            if child in ephemeral_ids:
                parents_of.setdefault(child, []).append(parent)
        while frontier:  # every ancestor reached through ephemeral models
            nxt = {p for e in frontier for p in parents_of.get(e, ())} - needed
            needed |= nxt
            frontier = nxt & ephemeral_ids
    relation_of: dict[str, set[str]] = {}
    for row in nodes.filter(pl.col("unique_id").is_in(list(needed))).select(cols).iter_rows(named=True):
        name, ident = row.get("name"), row.get("identifier")
        names = {n for n in (row.get("relation_name"), name, ident) if n}
        if row.get("source_name"):
            names.add(f"{row['source_name']}.{ident or name}")
        if row.get("schema"):
            names.add(f"{row['schema']}.{ident or name}")
        relation_of[row["unique_id"]] = names

    def names_of(uid: str, seen: set[str]) -> set[str]:
        out = set(relation_of.get(uid, ()))
        if uid in ephemeral_ids and uid not in seen:
            seen.add(uid)
            for p in parents_of.get(uid, ()):
                out |= names_of(p, seen)
        return out

    parents: dict[str, set[str]] = {}
    for parent, child in edges.select("parent_id", "child_id").iter_rows():
        parents.setdefault(child, set()).update(names_of(parent, set()))
    return parents


def _snapshot(loc, parsed: _Parsed, summary: CollectSummary) -> dict[str, pl.DataFrame] | None:
    """The new project snapshot, or None when the project is unchanged since the last collect."""
    root = loc.project
    snapshot = parsed.snapshot
    if snapshot is not None:
        summary.origin = f"manifest v{parsed.manifest_version}"
    elif _has_target_manifest(loc):
        summary.origin = "manifest (unchanged)"
    elif (root / "dbt_project.yml").is_file() or not parsed.history:
        snapshot = _read_project_files(loc)
        summary.origin = "project files"
    if snapshot is not None:
        snapshot["nodes"] = _with_layers(snapshot["nodes"], loc.config)
        snapshot["project"] = snapshot["project"].with_columns(pl.lit(str(root)).alias("root"))
        summary.count_nodes(snapshot["nodes"])
    return snapshot


def _apply_overlay(loc, snapshot, seen, summary):
    """Find model files edited after the manifest; fold them into ``snapshot`` when there is one.

    Returns (edited files, node updates, their new edges, stat-cache rows of the files hashed).
    """
    manifest = loc.artifacts / "manifest.json"
    if not manifest.is_file() or (snapshot is None and seen["nodes"] is None):
        return [], None, None, []
    nodes = snapshot["nodes"] if snapshot is not None else seen["nodes"]
    edited, hashed = find_edited(loc.project, nodes, manifest.stat().st_mtime_ns, seen["file_stats"])
    if not edited:
        return [], None, None, hashed
    updates, new_edges = overlay(edited, nodes)
    summary.edited_models = len(edited)
    if snapshot is not None:
        snapshot["nodes"] = snapshot["nodes"].update(updates, on="unique_id", include_nulls=True)
        ids = [f.unique_id for f in edited]
        snapshot["edges"] = pl.concat([snapshot["edges"].filter(~pl.col("child_id").is_in(ids)), new_edges], how="diagonal_relaxed")
    return edited, updates, new_edges, hashed


def _facts_phase(loc, snapshot, seen, edited, updates, new_edges, progress, summary):
    """SQL facts: every model of a new snapshot (cached by content), or only the edited ones."""
    bar = _progress_bar() if progress else None
    t_sql = time.perf_counter()
    try:
        if snapshot is not None:
            adapter = (snapshot["project"].to_dicts() or [{}])[0].get("adapter")
            return _sql_facts(snapshot["nodes"], snapshot["nodes"], snapshot["edges"], adapter, loc.store,
                              bar.update if bar else None, summary)
        if edited:
            code = seen["nodes"].select("unique_id", "resource_type", "language").join(
                updates.select("unique_id", "raw_code", "compiled_code"), on="unique_id", how="inner")
            return _sql_facts(code, seen["nodes"], new_edges, seen["adapter"], loc.store, None, summary, seen["edges"])
        return None, None
    finally:
        if bar:
            bar.close()
        summary.sql_seconds = time.perf_counter() - t_sql


def _file_stats_frame(rows: list[tuple[str, int, int, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String}, orient="row")


def collect(loc, *, progress: bool = False, sql_facts: bool = True, keep_documents: bool = False) -> CollectSummary:
    """Collect everything ``loc`` (a :class:`console.cli.options.Locations`) points at.

    Args:
        loc: resolved locations and configuration.
        progress: show a progress bar for long phases (the caller checks stderr is a terminal).
        sql_facts: compute SQL facts (the second, slower phase).
        keep_documents: keep parsed JSON documents (below :data:`KEEP_DOCUMENTS_BELOW`) alive
            instead of freeing them: a command-line process that ends with ``os._exit`` then
            never pays for tearing down a million small objects (about 0.3 s for a 10k-node
            manifest). Leave it off in long-running processes.

    Raises:
        InputError: a bad file or folder; the store is left as it was.
    """
    t0 = time.perf_counter()
    root = loc.project
    summary = CollectSummary(project_root=root, store=loc.store)
    for what, given in (("last-mile files", loc.lastmile), ("query logs", loc.query_logs), ("the warehouse", loc.warehouse)):
        if given:
            summary.notes.append(f"{what} are not collected by this release yet; ignored")
    seen = peek(loc.store)
    parsed = _parse_artifacts(loc, seen, summary, keep_documents)
    snapshot = _snapshot(loc, parsed, summary)
    edited, updates, new_edges, hashed = _apply_overlay(loc, snapshot, seen, summary)
    facts = new_cache = None
    if sql_facts:
        facts, new_cache = _facts_phase(loc, snapshot, seen, edited, updates, new_edges, progress, summary)

    with open_writer(loc.store, root) as w:
        now_iso = w.started_at.isoformat()
        if snapshot is not None:
            for table in PROJECT_TABLES:
                w.replace(table, snapshot[table])
            w.append("node_history", _node_history(snapshot["nodes"], seen["nodes"], now_iso).with_columns(
                pl.lit(w.collect_id).alias("collect_id")))
        elif edited:
            w.update("nodes", updates)
            w.delete_where_in("edges", "child_id", [f.unique_id for f in edited])
            w.append("edges", new_edges)
            w.append("node_history", _node_history(updates, seen["nodes"], now_iso).with_columns(
                pl.lit(w.collect_id).alias("collect_id")))
        if facts is not None:
            (w.replace if snapshot is not None else w.upsert)("sql_facts", facts)
            w.append("sql_facts_cache", new_cache)
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
        new_files = [(a, k) for a, k in parsed.new_files if k != "known"]
        if new_files:
            w.append("artifact_files", pl.DataFrame({
                "sha256": [a.sha256 for a, _ in new_files], "path": [a.rel for a, _ in new_files],
                "kind": [k for _, k in new_files], "size": [a.size for a, _ in new_files],
                "mtime_ns": [a.mtime_ns for a, _ in new_files], "collect_id": [w.collect_id] * len(new_files),
            }))
        stats = [(a.rel, a.size, a.mtime_ns, a.sha256) for a, _ in parsed.new_files]
        stats += hashed
        if stats:
            w.upsert("file_stats", _file_stats_frame(stats))
        summary.seconds = time.perf_counter() - t0
        w.finish(summary.to_dict())
    summary.seconds = time.perf_counter() - t0
    return summary


class _Bar:
    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.console import Console

        self._progress = Progress(
            TextColumn("SQL facts"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._task = None

    def update(self, done: int, total: int) -> None:
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("sql", total=total)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._task is not None:
            self._progress.stop()


def _progress_bar() -> _Bar | None:
    return None if os.environ.get("CI") else _Bar()
