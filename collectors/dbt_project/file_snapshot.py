"""A stat snapshot of the files a project-files collect depends on, and what changed since the last.

:func:`take` walks the project folder (hidden folders and build output skipped, installed
packages in ``dbt_packages/`` included: their macros render models) and returns, for every
file a read may use (``.sql``, ``.py``, ``.csv``, ``.yml``, ``.yaml``), ``(size, mtime_ns,
sha256)``, keyed by the path relative to the project folder. Files whose size and mtime match
the previous snapshot keep their hash without being read; the others are read and hashed (and
their bytes handed on, so the collect that follows does not read them again).

Change is decided by content, never by stat alone: a file touched but unchanged is unchanged. A
file modified within :data:`RACY_NS` of the walk is recorded with mtime ``-1`` (it may change
again within the file system's clock tick without its stat changing), so the next walk hashes
it again: git's "racily clean" rule.

The snapshot lives in the store's ``project_files`` table (read by :func:`console.store.peek`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from console.files import limit_for

Row = tuple[int, int, str | None]
"""``(size, mtime_ns, sha256)`` of one file."""

SUFFIXES = (".sql", ".py", ".csv", ".yml", ".yaml")
"""The files a project-files read may depend on."""
SKIPPED = frozenset({"target", "logs", "node_modules", "venv", "__pycache__", "dbt_modules"})
"""Folders never walked (besides hidden ones); ``dbt_packages`` is walked."""
RACY_NS = 200_000_000
"""A file modified this close to the walk (ns) is hashed again by the next walk."""
MAX_ENTRIES = 200_000
"""A folder with more entries than this is not followed (every collect reads it whole)."""


@dataclass
class Snapshot:
    """One walk's result.

    Attributes:
        rows: path (relative, ``/``-separated) -> ``(size, mtime_ns, sha256)``.
        data: absolute path -> bytes, for the files read on the way.
    """

    rows: dict[str, Row] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _walk(root: str) -> dict[str, os.stat_result] | None:
    from console.textsafe import is_clean_name

    out: dict[str, os.stat_result] = {}
    stack = [root]
    seen = 0
    prefix = len(root) + 1
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        seen += len(entries)
        if seen > MAX_ENTRIES:
            return None
        for entry in entries:
            name = entry.name
            if not is_clean_name(name):
                continue  # not UTF-8 or with control characters: the read skips it too (and says so)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not name.startswith(".") and name not in SKIPPED:
                        stack.append(entry.path)
                elif name.endswith(SUFFIXES) and not name.startswith("."):
                    st = entry.stat()
                    if stat.S_ISREG(st.st_mode):  # never a FIFO or a device: opening one may block
                        out[entry.path[prefix:].replace(os.sep, "/")] = st
            except OSError:
                continue
    return out


def take(root: Path, previous: dict[str, Row], extra: list[Path] = ()) -> Snapshot | None:
    """The snapshot of ``root`` now (see the module docstring); None when the folder is too big
    to follow. ``extra`` files outside the folder (a profile) are keyed by their absolute path."""
    started = time.time_ns()
    base = str(root)
    stats = _walk(base)
    if stats is None:
        return None
    for path in extra:
        try:
            st = path.stat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            stats[str(path)] = st
    out = Snapshot()
    limit = limit_for("code")
    for rel, st in stats.items():
        size, mtime = st.st_size, st.st_mtime_ns
        recent = mtime >= started - RACY_NS
        before = previous.get(rel)
        if before is not None and before[0] == size and before[1] == mtime and not recent:
            out.rows[rel] = before
            continue
        full = rel if os.path.isabs(rel) else os.path.join(base, rel)
        if size > limit:
            sha = f"size:{size}:{mtime}"  # never read whole: the read reports it
        else:
            try:
                with open(full, "rb", opener=_nonblocking) as f:  # replaced by a FIFO since the walk: no wait
                    data = f.read(limit + 1)
            except OSError:
                continue
            sha = hashlib.sha256(data).hexdigest()
            out.data[full] = data
        out.rows[rel] = (size, -1 if recent else mtime, sha)
    return out


def changes(before: dict[str, Row], now: dict[str, Row]) -> tuple[set[str], set[str], set[str]]:
    """``(added, removed, changed in content)`` paths between two snapshots.

    Example:
        >>> changes({"a": (1, 1, "x"), "b": (1, 1, "y")}, {"a": (2, 5, "x"), "c": (1, 1, "z")})
        ({'c'}, {'b'}, set())
    """
    added = now.keys() - before.keys()
    removed = before.keys() - now.keys()
    changed = {p for p in now.keys() & before.keys() if now[p][2] != before[p][2]}
    return set(added), set(removed), changed
