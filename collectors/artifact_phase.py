"""Phase 1 of a collect: find the artifact files, skip the known ones, parse the new ones.

A file whose size and mtime match the store's stat cache, or whose content hash the store
knows, is not read again. New files are sniffed (kind and schema version) and parsed with the
cyclic GC paused. The target's manifest and catalog make the project snapshot; every
run_results and sources file, from the target or the archive, is history.
"""

from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from collectors.dbt_artifacts.sniff import NotAnArtifact
from collectors.summary import CollectSummary
from console.errors import InputError
from console.files import limit_for, read_limited
from console.textsafe import one_line

#: Parsed documents smaller than this (in JSON bytes) may be kept until the process exits
#: (see :func:`collect`'s ``keep_documents``); bigger ones are freed at once to bound memory.
KEEP_DOCUMENTS_BELOW = 128 * 1024 * 1024
_KEPT: list[dict] = []


@dataclass
class Artifact:
    path: Path
    rel: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    data: bytes | None = None


@dataclass
class Parsed:
    """What the artifact phase found: the snapshot frames, history frames, and every file seen."""

    snapshot: dict[str, pl.DataFrame] | None = None
    catalog: dict[str, pl.DataFrame] | None = None
    history: list[tuple[Artifact, str, dict[str, pl.DataFrame]]] = field(default_factory=list)
    new_files: list[tuple[Artifact, str]] = field(default_factory=list)  # (file, kind) parsed now
    known_files: list[Artifact] = field(default_factory=list)  # unchanged since an earlier collect
    manifest_version: int | None = None
    manifest_sha256: str | None = None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stat(path: Path, root: Path) -> Artifact:
    try:
        st = path.stat()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror}") from None
    return Artifact(path, _rel(path, root), st.st_size, st.st_mtime_ns)


def _read_bytes(art: Artifact) -> bytes:
    return read_limited(art.path, limit_for("artifact"), "dbt artifacts")


def _is_known(art: Artifact, known_hashes: set[str] | frozenset[str], stats: dict) -> bool:
    """Whether the file's content is one of ``known_hashes``; reads and hashes it unless the
    stat cache vouches for it (then ``art.data`` stays None)."""
    cached = stats.get(art.rel)
    if cached and cached[0] == art.size and cached[1] == art.mtime_ns and cached[2] in known_hashes:
        art.sha256 = cached[2]
        return True
    art.data = _read_bytes(art)
    art.sha256 = _sha256(art.data)
    return art.sha256 in known_hashes


def _sniff(path: Path, data: bytes, target_manifest: bool):
    """:func:`collectors.dbt_artifacts.sniff`, except that the target's manifest of at least
    :data:`KEEP_DOCUMENTS_BELOW` bytes is split (:mod:`collectors.dbt_artifacts.pieces`) and
    read piece by piece, so its whole parsed document never exists."""
    from collectors import dbt_artifacts as da

    if target_manifest and len(data) >= KEEP_DOCUMENTS_BELOW:
        pieces = da.split_manifest(path, data)
        if pieces is not None:
            kind, version = da.check_schema(path, pieces.head)
            return kind, version, pieces
    return da.sniff(path, data)


def documents_kept() -> bool:
    """True when this process holds parsed documents it can skip tearing down at exit."""
    return bool(_KEPT)


def parse_artifacts(loc, seen: dict, summary: CollectSummary, keep_documents: bool = False) -> Parsed:
    from collectors import dbt_artifacts as da

    root = loc.project
    files = da.discover(loc.artifacts if (loc.artifacts_explicit or loc.artifacts.exists()) else None, loc.archive, summary.notes)
    target_dir = loc.artifacts.resolve()
    known = seen["artifact_hashes"]
    stats = seen["file_stats"]
    out = Parsed()
    snapshot_manifest = frozenset(filter(None, [seen.get("manifest_sha256")]))
    root_real = root.resolve()
    for f in files:
        in_target = f.path.resolve().parent == target_dir
        # a file found by walking an archive outside the project (`--archive /`, a shared CI
        # folder) may be anyone's: a broken one is skipped and said, never fatal, and so is one
        # that is gone or unreadable by the time it is read
        foreign = not in_target and not f.path.resolve().is_relative_to(root_real)
        # the target's manifest is skipped only when the current snapshot was made from it (a
        # manifest seen before, e.g. after switching branches back, must become the snapshot again)
        target_manifest = in_target and f.kind_hint == "manifest"
        try:
            art = _stat(f.path, root)
            is_known = _is_known(art, snapshot_manifest if target_manifest else known, stats)
        except InputError as e:
            if not foreign:
                raise
            summary.notes.append(f"skipped {one_line(_rel(f.path, root))}: {e.problem}")
            continue
        if is_known:
            summary.files_unchanged += 1
            out.known_files.append(art)
            continue
        data = art.data  # read and hashed by _is_known
        with da.gc_paused():  # Python would walk the whole parsed document otherwise
            try:
                kind, version, doc = _sniff(f.path, data, in_target and f.kind_hint == "manifest")
            except InputError as e:
                if in_target or not (foreign or isinstance(e, NotAnArtifact)):
                    raise
                summary.notes.append(f"skipped {one_line(art.rel)}: {e.problem}")
                art.data = data = None
                continue
            size = len(data)
            art.data = data = None  # the parsed document is all we keep: free the bytes before parsing
            if kind == "manifest":
                if in_target:
                    out.snapshot = da.parse_manifest(f.path, doc, version)
                    out.manifest_version = version
                    out.manifest_sha256 = art.sha256
            elif kind == "catalog":
                if in_target:
                    out.catalog = da.parse_catalog(f.path, doc, version)
            elif kind in ("run_results", "sources"):
                parse = da.parse_run_results if kind == "run_results" else da.parse_sources
                try:
                    out.history.append((art, kind, parse(f.path, doc, version)))
                except InputError as e:
                    if not foreign:
                        raise
                    summary.notes.append(f"skipped {one_line(art.rel)}: {e.problem}")
                    continue
            if keep_documents and size < KEEP_DOCUMENTS_BELOW and type(doc) is dict:
                _KEPT.append(doc)  # freeing a parsed manifest costs as much as parsing it
                gc.freeze()  # and the cyclic GC must not walk its million objects again
            del doc
        out.new_files.append((art, kind))
        summary.files_read += 1
    return out
