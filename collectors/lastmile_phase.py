"""The last-mile phase of a collect: reverse-ETL models, LookML, BI questions, app code, notebooks.

Runs before the write transaction and hands :class:`LastmileResult` frames to
:func:`write_lastmile` inside it. Steps:

1. Paths: ``--lastmile`` (repeatable), else ``[paths] lastmile`` / ``[lastmile] paths``, else
   ``PROJECT/lastmile/`` when it exists (:attr:`console.cli.options.Locations.lastmile`).
2. Files (:func:`collectors.lastmile.discover.scan_files`: one ``os.scandir`` walk, one stat
   per file), each recognised by its reader.
3. One visit to the store (:func:`_store_state`): the cache, the last collect's digest and
   owner state, the stored items' ids, tools and owners, the skips, the parsed LookML blocks.
4. Cache (``lastmile_files``): a file whose (size, mtime) match the cache is not read; one
   whose content hash, dialect and reader version match is not parsed. The rest are parsed,
   on every core when there are many (:data:`POOL_MIN`, :func:`collectors.pool.run_chunks`);
   a LookML file is parsed once, its blocks kept in the cache.
5. Unchanged: the same files, hashes and owner state (each checkout's HEAD and CODEOWNERS,
   :func:`collectors.lastmile.owners.owner_state`) as the last collect's digest: nothing to do.
6. LookML is resolved where a change needs it (joins name fields of other files' views):
   the changed files and the files reading their views (:mod:`collectors.lastmile.lookml_cache`).
7. dbt models marked as sync outputs (:mod:`collectors.lastmile.dbt_sync`).
8. Owners and last changes (:mod:`collectors.lastmile.owners`: CODEOWNERS, one git log), asked
   only for the files rebuilt that changed since the last collect, or for every file when a
   checkout's HEAD or CODEOWNERS moved; the others keep their stored owner.
9. Frames: ``lastmile_artifacts`` (one row per item, ids stable across runs; after the first
   collect only the rows of the files rebuilt, as a patch), ``lastmile_skips``, and the cache
   rows that changed.

Nothing here raises on a bad file: it becomes a skip, counted in the summary. Only a path the
user named that does not exist is an input error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import polars as pl

from collectors.lastmile.discover import MAX_BYTES, read_payload, scan_files, tool_guess
from collectors.lastmile.lookml_cache import resolve_changed_lookml
from collectors.lastmile.model import TOOLS
from console.errors import InputError
from console.files import read_limited
from console.gc_pause import gc_paused

READER_VERSION = "1"
"""Part of the cache key: bump it when a reader finds different items in the same file."""
POOL_MIN = 64
"""Fewer files to parse than this: no process pool."""

ARTIFACT_SCHEMA = {
    "artifact_id": pl.String, "tool": pl.String, "kind": pl.String, "path": pl.String, "line": pl.Int32,
    "name": pl.String, "owner": pl.String, "sql": pl.String, "relations_read": pl.List(pl.String),
    "literal_filters": pl.String, "meta": pl.String, "dialect": pl.String, "sql_line": pl.Int32,
    "content_hash": pl.String, "owner_source": pl.String, "modified_at": pl.String, "file_sha256": pl.String,
}
SKIP_SCHEMA = {"path": pl.String, "line": pl.Int32, "tool": pl.String, "reason": pl.String}
FILE_SCHEMA = {
    "path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String, "dialect": pl.String,
    "reader_version": pl.String, "tool": pl.String, "payload": pl.String, "doc": pl.String,
    "views": pl.List(pl.String), "reads": pl.List(pl.String),
}
#: Columns of ``lastmile_files`` read at every collect (not ``doc``: parsed LookML is read only
#: for the files a change touches). A cache row is these without ``path``: size 0, mtime 1,
#: sha 2, dialect 3, reader version 4, tool 5, payload 6, views 7, reads 8.
#: Columns of the stored items a patch reads (ids to delete, tools to count, owners to compare):
#: not their SQL, which is most of the table's bytes.
STORED_COLUMNS = ["artifact_id", "tool", "path", "owner", "owner_source", "modified_at"]
CACHE_COLUMNS = ["path", "size", "mtime_ns", "sha256", "dialect", "reader_version", "tool", "payload", "views", "reads"]


@dataclass
class ToolCounts:
    """Per tool: files seen, items found, items parsed, skips and why."""

    files: int = 0
    items: int = 0
    parsed: int = 0
    skipped: int = 0
    reasons: Counter = field(default_factory=Counter)


@dataclass
class LastmileResult:
    """Frames for the write transaction, and the counts for the summary.

    ``artifacts`` is every item when the table is written whole, and only the rows of the
    files the collect rebuilt when earlier rows are patched (``patch``).
    """

    artifacts: pl.DataFrame
    skips: pl.DataFrame
    files_changed: pl.DataFrame
    files_removed: list[str]
    counts: dict[str, ToolCounts]
    files_parsed: int = 0
    files_cached: int = 0
    other_files: int = 0
    seconds: float = 0.0
    #: cache rows of files not re-read whose LookML was resolved again: path, payload, reads
    files_updated: pl.DataFrame | None = None
    #: when earlier rows were patched: (paths whose rows go, their new rows); the write then
    #: touches only those rows instead of replacing the table
    patch: tuple[list[str], pl.DataFrame] | None = None
    #: sha256 of every item row: equal to the last collect's, nothing needs writing or analysing
    digest: str = ""
    unchanged: bool = False
    #: per checkout, the HEAD commit and CODEOWNERS hash the owners were read with
    #: (:func:`collectors.lastmile.owners.owner_state`)
    owner_state: dict = field(default_factory=dict)
    #: with ``patch``: the artifact_ids of the stored rows the patch deletes (their logic rows
    #: go with them)
    gone_ids: list[str] | None = None

    def changed_artifacts(self) -> pl.DataFrame | None:
        """The items for the SQL-logic phase, or None when they are the ones already stored."""
        return None if self.unchanged else self.artifacts

    def logic_delta(self) -> tuple[pl.DataFrame | None, list[str] | None]:
        """What the SQL-logic phase must analyse: ``(items, gone_ids)``.

        ``(None, None)`` when nothing changed; ``(every item, None)`` when the items are
        written whole (their logic rows are replaced); ``(the new rows, ids)`` when earlier
        rows were patched: only the new rows are analysed, and the logic rows of ``ids`` (the
        rows the patch deleted) are deleted before theirs are written.

        Example:
            >>> r = LastmileResult(pl.DataFrame({"artifact_id": ["a"]}), pl.DataFrame(), pl.DataFrame(), [], {})
            >>> r.logic_delta()[1] is None
            True
            >>> r.patch, r.gone_ids = (["f.lkml"], pl.DataFrame({"artifact_id": ["b"]})), ["b", "c"]
            >>> r.logic_delta()[0]["artifact_id"].to_list(), r.logic_delta()[1]
            (['b'], ['b', 'c'])
        """
        if self.unchanged:
            return None, None
        if self.patch is not None and self.gone_ids is not None:
            return self.patch[1], self.gone_ids
        return self.artifacts, None


def lastmile_paths(loc) -> tuple[Path, ...]:
    """The paths to read: the ones given, else ``PROJECT/lastmile`` when it is a folder."""
    if loc.lastmile:
        return tuple(loc.lastmile)
    default = loc.project / "lastmile"
    return (default,) if default.is_dir() else ()


def _dialect(loc, snapshot, seen) -> str:
    from collectors.dialects import dialect_for_adapter

    configured = getattr(loc.config, "lastmile_dialect", None)
    if configured:
        return configured
    adapter = None
    if snapshot is not None:
        adapter = (snapshot["project"].to_dicts() or [{}])[0].get("adapter")
    return dialect_for_adapter(adapter or seen.get("adapter"))


def _content_hash(sql: str, dialect: str) -> str:
    try:
        from collectors.sql_logic import content_hash
    except ImportError:  # the logic collector is not installed: a hash of the same inputs
        return hashlib.sha256(f"lastmile\0{dialect}\0{sql}".encode("utf-8", "surrogatepass")).hexdigest()
    return content_hash(sql, dialect)


@dataclass
class _StoreState:
    """What one visit to the store gives the phase (see :func:`_store_state`)."""

    cache: dict[str, tuple] = field(default_factory=dict)
    last: dict = field(default_factory=dict)
    nodes: pl.DataFrame | None = None
    stored: tuple[pl.DataFrame, pl.DataFrame] | None = None
    docs: pl.DataFrame | None = None

    def docs_of(self, paths) -> dict[str, str]:
        """path -> parsed LookML blocks (JSON text) of these paths, for those the cache holds."""
        if self.docs is None:
            return {}
        hits = self.docs.filter(pl.col("path").is_in(list(paths)) & pl.col("doc").is_not_null())
        return dict(zip(hits["path"].to_list(), hits["doc"].to_list()))


def _store_state(store: Path, need_nodes: bool) -> _StoreState:
    """One visit to the store (opening it is the visit's main cost): the cache rows by path,
    the last collect's last-mile summary part (its digest, counts and owner state), the stored
    nodes when the snapshot is not new, the stored items (:data:`STORED_COLUMNS` only) and
    skips in this phase's frame schemas, and the parsed LookML blocks (decoded only for the
    files a change touches)."""
    from console.store import read_tables

    if not store.exists():
        return _StoreState()
    tables: dict = {
        "lastmile_files": [*CACHE_COLUMNS, "doc"], "collects": ["collect_id", "summary"],
        "lastmile_artifacts": STORED_COLUMNS, "lastmile_skips": list(SKIP_SCHEMA),
    }
    if need_nodes:
        tables["nodes"] = ["unique_id", "resource_type", "name", "path", "tags", "meta", "config", "layer", "relation_name"]
    try:
        frames = read_tables(store, tables)
    except InputError:
        return _StoreState()  # an older store (migrated by this collect's write) or none: parse everything
    files = frames["lastmile_files"]
    cache = {row[0]: row[1:] for row in files.select(CACHE_COLUMNS).iter_rows()}
    collects = frames["collects"].sort("collect_id")
    last = orjson.loads(collects["summary"][-1] or "{}") if collects.height else {}
    part = last.get("lastmile") if isinstance(last, dict) else None
    art = frames["lastmile_artifacts"]
    if art["modified_at"].dtype != pl.String:
        art = art.with_columns(pl.col("modified_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f"))
    stored = (art.cast({c: ARTIFACT_SCHEMA[c] for c in STORED_COLUMNS}), frames["lastmile_skips"].cast(SKIP_SCHEMA))
    return _StoreState(cache, part if isinstance(part, dict) else {}, frames.get("nodes"), stored, files.select("path", "doc"))


def _parse_jobs(jobs: list[tuple[str, bytes, str, str]]) -> list[dict]:
    return [read_payload(rel, data, kind, dialect) for rel, data, kind, dialect in jobs]


def _parse_all(jobs: list[tuple[str, bytes, str, str]]) -> list[dict]:
    """Each file's payload, in order; on every core from :data:`POOL_MIN` files (a LookML file
    is parsed with ``lkml`` once, here, and its blocks kept in the cache for later collects)."""
    from collectors.pool import run_chunks

    return run_chunks(_parse_jobs, jobs, pool_min=POOL_MIN, per_worker=6, max_size=128, warm_up=_warm_up)


def _warm_up() -> None:
    """Import the readers before the pool forks, so that no worker imports them again."""
    from collectors.lastmile import javascript, lookml_parse, metabase, notebooks, python_code, reverse_etl  # noqa: F401


def _artifact_ids(tool: str, rel: str, items: list[dict]) -> list[str]:
    """Stable ids: ``lastmile.<tool>.<path>#<name or kind:line>``, made unique within the file."""
    ids, used = [], set()
    for it in items:
        key = it["name"] if it["name"] else f"{it['kind']}:{it['line']}"
        candidate = f"lastmile.{tool}.{rel}#{key}"
        if candidate in used:
            candidate = f"lastmile.{tool}.{rel}#{it['kind']}:{key}"
        n = 2
        base = candidate
        while candidate in used:
            candidate = f"{base}~{n}"
            n += 1
        used.add(candidate)
        ids.append(candidate)
    return ids


def lastmile_phase(loc, snapshot, seen, summary, relayered: pl.DataFrame | bool | None = None,
                   updated: pl.DataFrame | None = None) -> LastmileResult:
    """Read the last mile (see the module docstring); also sets ``summary.lastmile``.

    The cyclic garbage collector is paused meanwhile: the phase builds and decodes thousands of
    small tuples and dicts (cache rows, payloads, parsed LookML blocks), none of them cyclic,
    and each collection would walk the whole heap again (a third of a one-change collect's
    decoding time was the collector's).

    ``relayered``: the stored nodes this collect moves to another layer, as ``(unique_id,
    layer)`` (:func:`collectors.layers.changed_layers`; a layer can mark a sync output). The
    stored nodes the phase reads are the ones from before this collect's write, so it applies
    these layers itself: a model ``[layers]`` moves into or out of ``export`` gains or loses
    its sync item in this collect, not the next one. ``True``: some changed (which, unknown).

    ``updated``: the node rows this collect rewrites without a new snapshot (models whose text
    changed, patched from the project's files or overlaid on a manifest): their tags, meta and
    config come from the new text (a ``config(tags=['sync'])`` just added marks a sync output
    now), and are applied over the stored rows the same way.

    Raises:
        InputError: a last-mile path the user named does not exist.
    """
    with gc_paused():
        return _lastmile_phase(loc, snapshot, seen, summary, relayered, updated)


_MARK_COLUMNS = ("resource_type", "name", "path", "tags", "meta", "config", "relation_name")
"""The node columns a patched row brings to the sync marks (:mod:`collectors.lastmile.dbt_sync`)."""


def with_updates(nodes: pl.DataFrame | None, updated: pl.DataFrame | None) -> pl.DataFrame | None:
    """The stored nodes with this collect's rewritten rows over them (see :func:`lastmile_phase`).

    Only the columns both frames have and a sync mark reads are taken; a row the store does
    not have yet is added.

    Example:
        >>> stored = pl.DataFrame({"unique_id": ["a", "b"], "tags": [[], ["x"]], "layer": ["mart", "mart"]})
        >>> new = pl.DataFrame({"unique_id": ["a"], "tags": [["sync"]], "raw_code": ["select 1"]})
        >>> with_updates(stored, new).rows()
        [('a', ['sync'], 'mart'), ('b', ['x'], 'mart')]
    """
    if nodes is None or updated is None or updated.is_empty() or "unique_id" not in updated.columns:
        return nodes
    cols = [c for c in _MARK_COLUMNS if c in nodes.columns and c in updated.columns]
    if not cols:
        return nodes
    try:
        new = updated.select("unique_id", *[pl.col(c).cast(nodes.schema[c]) for c in cols])
    except pl.exceptions.PolarsError:  # a column of another shape: the stored marks stand
        return nodes
    out = nodes.update(new, on="unique_id", how="left", include_nulls=True)
    added = new.join(nodes.select("unique_id"), on="unique_id", how="anti")
    return pl.concat([out, added], how="diagonal_relaxed") if added.height else out


def with_layers(nodes: pl.DataFrame | None, relayered: pl.DataFrame | bool | None) -> pl.DataFrame | None:
    """The stored nodes with the layers this collect gives them (see :func:`lastmile_phase`).

    Example:
        >>> stored = pl.DataFrame({"unique_id": ["a", "b", "c"], "layer": ["mart", "staging", "export"]})
        >>> moved = pl.DataFrame({"unique_id": ["a", "c"], "layer": ["export", None]})
        >>> with_layers(stored, moved).rows()
        [('a', 'export'), ('b', 'staging'), ('c', None)]
    """
    if nodes is None or not isinstance(relayered, pl.DataFrame) or relayered.is_empty() or "layer" not in nodes.columns:
        return nodes
    moved = relayered.select("unique_id", pl.col("layer").cast(nodes.schema["layer"]))
    return nodes.update(moved, on="unique_id", how="left", include_nulls=True)  # a node may leave every layer


def _nothing_to_read(loc, snapshot, seen, summary, dialect: str, relayered: pl.DataFrame | bool | None,
                     t0: float, updated: pl.DataFrame | None = None) -> LastmileResult | None:
    """No last-mile paths and no dbt model marked as a sync output, as at the last collect:
    unchanged, without visiting the store (the last collect's summary came with
    :func:`console.store.peek`). None when the phase must look further.

    Without a new snapshot the stored nodes' marks are those of the last collect unless a
    layer changed or a rewritten row (a patch or an overlay) carries a mark, so a last collect
    without sync items means none now.
    """
    try:
        last = orjson.loads(seen.get("last_summary") or "{}")
    except orjson.JSONDecodeError:
        return None
    last = last.get("lastmile") if isinstance(last, dict) else None
    if not isinstance(last, dict) or not isinstance(last.get("tools"), dict) or not last.get("digest"):
        return None
    if snapshot is not None:
        from collectors.lastmile.dbt_sync import dbt_sync_items

        if dbt_sync_items(snapshot["nodes"]):
            return None
    elif _moved(relayered) or "dbt_sync" in last["tools"]:
        return None
    elif updated is not None and not updated.is_empty():
        from collectors.lastmile.dbt_sync import dbt_sync_items

        if dbt_sync_items(updated):
            return None
    from collectors.lastmile.owners import owner_state

    owners_now = owner_state([], loc.project)
    digest = hashlib.sha256(orjson.dumps([dialect, READER_VERSION, [], owners_now, []])).hexdigest()
    if digest != last["digest"]:
        return None
    return _unchanged(summary, last, digest, owners_now, 0, 0, t0)


def _moved(relayered: pl.DataFrame | bool | None) -> bool:
    return relayered.height > 0 if isinstance(relayered, pl.DataFrame) else bool(relayered)


def _lastmile_phase(loc, snapshot, seen, summary, relayered: pl.DataFrame | bool | None = None,
                    updated: pl.DataFrame | None = None) -> LastmileResult:
    from collectors.lastmile.dbt_sync import dbt_sync_items
    from collectors.lastmile.owners import owner_state, owners_and_dates

    t0 = time.perf_counter()
    paths = lastmile_paths(loc)
    root = loc.project
    dialect = _dialect(loc, snapshot, seen)
    if not paths:
        quick = _nothing_to_read(loc, snapshot, seen, summary, dialect, relayered, t0, updated)
        if quick is not None:
            return quick
    found, others = scan_files(paths, root) if paths else ([], 0)
    state = _store_state(loc.store, snapshot is None)
    cache, last = state.cache, state.last
    nodes = snapshot["nodes"] if snapshot is not None else with_layers(with_updates(state.nodes, updated), relayered)

    payloads: dict[str, dict] = {}
    raw: dict[str, str] = {}  # cached payloads (files unchanged since the last collect), decoded only when needed
    tools: dict[str, str | None] = {}
    shas: dict[str, str] = {}
    changed_rows: list[tuple] = []
    by_sha = {row[2]: row for row in cache.values() if row[3] == dialect and row[4] == READER_VERSION and row[5] != "lookml"}
    fresh_docs: dict[str, dict | None] = {}
    mtimes: dict[str, float] = {}
    jobs: list[tuple[str, bytes, str, str]] = []
    pending: dict[str, tuple[int, int, str]] = {}
    for f in found:
        rel = f.rel
        mtimes[f.path] = f.mtime
        hit = cache.get(rel)
        if hit and hit[0] == f.size and hit[1] == f.mtime_ns and hit[3] == dialect and hit[4] == READER_VERSION:
            raw[rel], tools[rel], shas[rel] = hit[6], hit[5], hit[2]
            continue
        try:  # a regular file only, its size limit enforced while reading (a FIFO never blocks)
            data = read_limited(Path(f.path), MAX_BYTES, "last-mile files")
        except InputError as e:
            tools[rel] = tool_guess(f.kind, rel)
            payloads[rel] = {"tool": tools[rel], "items": [], "skips": [{"line": None, "reason": e.problem}]}
            continue
        sha = hashlib.sha256(data).hexdigest()
        shas[rel] = sha
        known = by_sha.get(sha)
        if known is not None:
            payloads[rel], tools[rel] = orjson.loads(known[6]), known[5]
            changed_rows.append((rel, f.size, f.mtime_ns, sha, dialect, READER_VERSION, known[5], known[6], None, None, None))
            continue
        jobs.append((rel, data, f.kind, dialect))
        pending[rel] = (f.size, f.mtime_ns, sha)
    parsed = _parse_all(jobs)
    for (rel, _data, _kind, _d), result in zip(jobs, parsed):
        payloads[rel], tools[rel] = result, result["tool"]
        size, mtime, sha = pending[rel]
        doc_text = views = None
        if result["tool"] == "lookml":
            from collectors.lastmile.lookml import defined_views

            fresh_docs[rel] = result.pop("doc", None)
            doc_text, views = orjson.dumps(fresh_docs[rel]).decode(), defined_views(fresh_docs[rel])
        changed_rows.append((rel, size, mtime, sha, dialect, READER_VERSION, result["tool"], orjson.dumps(result).decode(), doc_text, views, None))

    sync_items = dbt_sync_items(nodes)
    abs_of = {f.rel: f.path for f in found}
    sync_files = {rel: os.path.join(root, rel) for rel, _ in sync_items}
    sync_files = {rel: path for rel, path in sync_files.items() if os.path.isfile(path)}
    owners_now = owner_state([abs_of[rel] for rel, tool in tools.items() if tool] + list(sync_files.values()), root)
    removed = [rel for rel in cache if rel not in tools]
    digest = hashlib.sha256(orjson.dumps([
        dialect, READER_VERSION, sorted((rel, shas.get(rel), tool) for rel, tool in tools.items()), owners_now,
        [[rel, it, _mtime_ns(sync_files.get(rel))] for rel, it in sync_items],
    ])).hexdigest()
    if digest == last.get("digest") and not changed_rows and not removed and isinstance(last.get("tools"), dict):
        return _unchanged(summary, last, digest, owners_now, len(found), others, t0)
    stored = state.stored if last.get("digest") and cache else None
    # An owner and date depend on the file (its size and mtime), its checkout's commits and the
    # CODEOWNERS rules: with the same HEAD and rules as the last collect, a file unchanged since
    # keeps the owner its stored items have, and git is asked only about the others.
    same_owners = stored is not None and last.get("owners") == owners_now
    before: dict[str, tuple] = {}
    owners: dict[str, tuple] = {}
    if stored is None:  # no earlier rows to patch: every file's items are built
        dirty = {rel for rel, tool in tools.items() if tool}
    else:  # only the files that changed (content, owner, or LookML they depend on)
        dirty = {row[0] for row in changed_rows} | set(payloads)  # parsed, re-bound or unreadable now
        if not same_owners:  # new commits or rules: every stored file's owner is asked again
            before = _owners_by_path(stored[0])
            owners = owners_and_dates([abs_of[rel] for rel in before if tools.get(rel)], root, mtimes)
            dirty |= {rel for rel in before if tools.get(rel) and owners[abs_of[rel]] != before[rel]}
    lookml_rebuilt, lookml_updates = resolve_changed_lookml(tools, payloads, raw, fresh_docs, cache, removed, changed_rows, stored, dialect, state.docs_of)
    dirty |= lookml_rebuilt
    payloads.update((rel, orjson.loads(raw[rel])) for rel in dirty if rel not in payloads)
    if same_owners:  # the owners of the unchanged files among those rebuilt are the stored ones
        before = _owners_by_path(stored[0], dirty & raw.keys())
    kept = raw.keys() & before.keys() if same_owners else set()
    ask = [abs_of[rel] for rel in dirty if tools.get(rel) and rel not in kept and abs_of[rel] not in owners]
    owners.update(owners_and_dates(ask + list(sync_files.values()), root, mtimes))

    def owner_of(rel: str, path: str | None) -> tuple:
        if path in owners:
            return owners[path]
        return before[rel] if rel in kept else ("unknown", "unknown", None)

    rows: list[dict] = []
    skip_rows: list[tuple] = []
    for rel in sorted(dirty):
        p = payloads[rel]
        tool = p.get("tool")
        if tool is None:
            continue
        owner, source, modified = owner_of(rel, abs_of.get(rel))
        skip_rows.extend((rel, s["line"], tool, s["reason"]) for s in p["skips"])
        for it, aid in zip(p["items"], _artifact_ids(tool, rel, p["items"])):
            rows.append(_row(aid, tool, rel, it, owner, source, modified, shas.get(rel), dialect))
            if it.get("parse_error"):
                skip_rows.append((rel, it["sql_line"] or it["line"], tool, f"SQL of `{it['name'] or it['kind']}` does not parse: {it['parse_error']}"))
    for rel, it in sync_items:
        owner, source, modified = owners.get(sync_files.get(rel), ("unknown", "unknown", None))
        rows.append(_row(f"lastmile.dbt_sync.{rel}#{it['name']}", "dbt_sync", rel, it, owner, source, modified, None, dialect))
    artifacts = pl.DataFrame(rows, schema=ARTIFACT_SCHEMA) if rows else pl.DataFrame(schema=ARTIFACT_SCHEMA)
    skips = pl.DataFrame(skip_rows, schema=SKIP_SCHEMA, orient="row")
    patch = gone_ids = None
    if stored is not None:
        gone = list(dirty | set(removed))
        dropped = pl.col("path").is_in(gone) | (pl.col("tool") == "dbt_sync")
        keep = stored[0].filter(~dropped)
        gone_ids = stored[0].filter(dropped)["artifact_id"].to_list()
        patch = (gone, artifacts)  # the kept rows are never read whole: only their ids, tools, owners
        item_tools = pl.concat([keep.select("tool"), artifacts.select("tool")])
        skips = pl.concat([stored[1].filter(~pl.col("path").is_in(gone)), skips])
    else:
        item_tools = artifacts.select("tool")
    others += sum(1 for tool in tools.values() if tool is None)
    result = LastmileResult(
        artifacts=artifacts,
        skips=skips,
        files_changed=pl.DataFrame(changed_rows, schema=FILE_SCHEMA, orient="row"),
        files_updated=pl.DataFrame(lookml_updates, schema={"path": pl.String, "payload": pl.String, "reads": pl.List(pl.String)}, orient="row"),
        files_removed=removed,
        counts=_counts(tools, item_tools, skips),
        files_parsed=len(jobs),
        files_cached=len(found) - len(jobs),
        other_files=others,
        digest=digest,
        owner_state=owners_now,
        patch=patch,
        gone_ids=gone_ids,
    )
    result.seconds = time.perf_counter() - t0
    summary.lastmile = result
    return result


def _mtime_ns(path: str | None) -> int | None:
    try:
        return os.stat(path).st_mtime_ns if path else None
    except OSError:
        return None


def _owners_by_path(artifacts: pl.DataFrame, paths=None) -> dict[str, tuple]:
    """path -> (owner, owner_source, last change as ISO text) of its first stored item, in the
    form :func:`collectors.lastmile.owners.owners_and_dates` gives (one row per file read into
    Python, not one per item), for every stored path or only ``paths``."""
    if paths is not None:
        artifacts = artifacts.filter(pl.col("path").is_in(list(paths)))
    firsts = artifacts.select("path", "owner", "owner_source", "modified_at").unique("path", keep="first", maintain_order=True)
    return {
        path: (owner, source, dt.datetime.fromisoformat(modified).isoformat() if modified else None)
        for path, owner, source, modified in firsts.iter_rows()
    }


def _counts(tools: dict[str, str | None], artifacts: pl.DataFrame, skips: pl.DataFrame) -> dict[str, ToolCounts]:
    """Per tool: files, items, parsed, skips and their reasons, from the frames written."""
    counts: dict[str, ToolCounts] = {}
    for tool, n in Counter(tools.values()).items():
        if tool:
            counts[tool] = ToolCounts(files=n)
    for tool, n in artifacts.group_by("tool").len().iter_rows():
        c = counts[tool] if tool in counts else counts.setdefault(tool, ToolCounts())
        c.items = c.parsed = n
    for tool, reason in skips.select("tool", "reason").iter_rows():
        c = counts[tool] if tool in counts else counts.setdefault(tool, ToolCounts())
        c.skipped += 1
        if reason.startswith("SQL of "):
            c.parsed -= 1
            c.reasons["SQL does not parse"] += 1
        else:
            c.reasons[reason.split(":")[0]] += 1
    return {t: counts[t] for t in TOOLS if t in counts}


def _unchanged(summary, last: dict, digest: str, owner_state: dict, files: int, others: int, t0: float) -> LastmileResult:
    """Nothing changed since the last collect: its counts, no frames to write."""
    counts = {}
    for tool, c in last["tools"].items():
        counts[tool] = ToolCounts(c.get("files", 0), c.get("items", 0), c.get("parsed", 0), c.get("skipped", 0), Counter(c.get("reasons") or {}))
    result = LastmileResult(
        artifacts=pl.DataFrame(schema=ARTIFACT_SCHEMA), skips=pl.DataFrame(schema=SKIP_SCHEMA),
        files_changed=pl.DataFrame(schema=FILE_SCHEMA), files_removed=[], counts=counts,
        files_parsed=0, files_cached=files, other_files=others, digest=digest, owner_state=owner_state, unchanged=True,
    )
    result.seconds = time.perf_counter() - t0
    summary.lastmile = result
    return result


def _row(aid, tool, rel, it, owner, source, modified, sha, dialect) -> dict:
    sql = it.get("sql")
    meta = dict(it.get("meta") or {})
    if it.get("parse_error"):
        meta["parse_error"] = it["parse_error"]
    return {
        "artifact_id": aid, "tool": tool, "kind": it["kind"], "path": rel, "line": it["line"], "name": it["name"],
        "owner": owner, "sql": sql, "relations_read": it.get("relations_read") or [],
        "literal_filters": orjson.dumps(it.get("literal_filters") or []).decode(),
        "meta": orjson.dumps(meta, default=str).decode(), "dialect": dialect if sql is not None else None,
        "sql_line": it.get("sql_line"), "content_hash": _content_hash(sql, dialect) if sql is not None else None,
        "owner_source": source, "modified_at": modified, "file_sha256": sha,
    }


def write_lastmile(w, result: LastmileResult | None) -> None:
    """Write the phase's frames inside the collect's transaction."""
    if result is None or result.unchanged:
        return
    if result.patch is not None:
        gone, new_rows = result.patch
        w.delete_where_in("lastmile_artifacts", "path", gone)
        w.delete_where_in("lastmile_artifacts", "tool", ["dbt_sync"])
        w.append("lastmile_artifacts", new_rows)
    else:
        w.replace("lastmile_artifacts", result.artifacts)
    w.replace("lastmile_skips", result.skips)
    if result.files_removed:
        w.delete_where_in("lastmile_files", "path", result.files_removed)
    if result.files_changed.height:
        w.upsert("lastmile_files", result.files_changed)
    if result.files_updated is not None and result.files_updated.height:
        w.update("lastmile_files", result.files_updated)


def summary_lines(result: LastmileResult) -> list[str]:
    """The collect summary's last-mile lines: per tool, files, items, parsed, skipped and why.

    Example:
        >>> r = LastmileResult(pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), [], {"lookml": ToolCounts(3, 5, 4, 1, Counter({"SQL does not parse": 1}))})
        >>> summary_lines(r)[1]
        '    lookml: 3 files, 5 items (4 parsed, 1 skipped: SQL does not parse 1)'
    """
    head = f"  last mile: {sum(c.files for c in result.counts.values())} files ({result.files_parsed} parsed, {result.files_cached} unchanged) in {result.seconds:.2f} s"
    lines = [head]
    for tool, c in result.counts.items():
        why = ", ".join(f"{r} {n}" for r, n in c.reasons.most_common(3))
        skipped = f", {c.skipped} skipped: {why}" if c.skipped else ""
        files = f"{c.files} files, " if tool != "dbt_sync" else ""
        lines.append(f"    {tool}: {files}{c.items} items ({c.parsed} parsed{skipped})")
    return lines


def summary_dict(result: LastmileResult) -> dict:
    """The counts as the ``collects`` table keeps them, and the digest of the items written."""
    tools = {
        tool: {"files": c.files, "items": c.items, "parsed": c.parsed, "skipped": c.skipped, "reasons": dict(c.reasons)}
        for tool, c in result.counts.items()
    }
    return {"digest": result.digest, "tools": tools, "owners": result.owner_state}
