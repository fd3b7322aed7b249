"""A stat snapshot of the files a project-files collect depends on, and what changed since the last.

:func:`take` walks dbt's own paths (:func:`watched`): for every project at or below the folder,
its ``dbt_project.yml``, ``packages.yml``, ``dependencies.yml`` and ``profiles.yml``, its model,
macro, seed, snapshot, analysis and test paths as its ``dbt_project.yml`` names them (also those
outside the folder, such as ``../shared/models``; also those that do not exist yet), and its
installed packages (``packages-install-path``, ``dbt_packages/``: their macros render models);
hidden folders and build output are skipped. For every file a read may use there (``.sql``,
``.py``, ``.csv``, ``.yml``, ``.yaml``) it returns ``(size, mtime_ns, sha256)``, keyed by the
path relative to the project folder (absolute for paths outside it). Anything else in the folder
(last-mile files kept beside the project: LookML, reverse-ETL models, app code, notebooks) is
never walked, so editing it never makes the project's files read again. When the projects
cannot be read (no ``dbt_project.yml``, invalid YAML) the whole folder is walked: the read then
reports the problem, and the next snapshot, once it is fixed, differs.

Files whose size and mtime match the previous snapshot keep their hash without being read; the
others are read and hashed (and their bytes handed on, so the collect that follows does not read
them again).

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


TOP_FILES = ("dbt_project.yml", "packages.yml", "dependencies.yml", "profiles.yml")
"""Files of a project's own folder that a snapshot follows (beside its paths)."""


def watched(root: Path) -> tuple[list[str], list[str]]:
    """``(folders to walk, files to stat)``: dbt's own paths of every project at or below ``root``
    (see the module docstring); ``([root], [])`` when the projects cannot be read.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "dbt_project.yml").write_text("name: shop\\nmodel-paths: [models, ../shared]\\n")
        >>> folders, files = watched(d)
        >>> [os.path.relpath(f, d) for f in folders]
        ['../shared', 'analyses', 'dbt_packages', 'macros', 'models', 'seeds', 'snapshots', 'tests']
        >>> [os.path.basename(f) for f in files]
        ['dbt_project.yml', 'packages.yml', 'dependencies.yml', 'profiles.yml']
    """
    from collectors.dbt_project.project_yml import find_project_dirs, read_project_file
    from console.errors import InputError

    folders: set[str] = set()
    files: list[str] = []
    try:
        for folder in find_project_dirs(root):
            project = read_project_file(folder)
            files.extend(str(folder / name) for name in TOP_FILES)
            folders.update(os.path.normpath(folder / rel) for paths in project.paths.values() for rel in paths)
            folders.add(os.path.normpath(folder / project.packages_dir))
    except InputError:
        return [str(root)], []
    outer: list[str] = []
    for folder in sorted(folders):  # a folder inside another one is walked with it
        if not any(folder.startswith(kept + os.sep) for kept in outer):
            outer.append(folder)
    return outer, files


def _walk(root: str, folders: list[str]) -> dict[str, tuple[str, os.stat_result]] | None:
    """key -> (path, stat) of the files to follow under ``folders``; None past :data:`MAX_ENTRIES`."""
    from console.textsafe import is_clean_name

    out: dict[str, tuple[str, os.stat_result]] = {}
    stack = list(reversed(folders))
    seen = 0
    inside = root + os.sep
    prefix = len(inside)
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
                        out[_key(entry.path, inside, prefix)] = (entry.path, st)
            except OSError:
                continue
    return out


def _key(path: str, inside: str, prefix: int) -> str:
    """A file's key: relative to the project folder (``/``-separated), else absolute."""
    return path[prefix:].replace(os.sep, "/") if path.startswith(inside) else path


def take(root: Path, previous: dict[str, Row], extra: list[Path] = ()) -> Snapshot | None:
    """The snapshot of ``root`` now (see the module docstring); None when the folder is too big
    to follow. ``extra`` files (a profile found elsewhere) are followed too."""
    started = time.time_ns()
    base = str(root)
    folders, files = watched(root)
    stats = _walk(base, folders)
    if stats is None:
        return None
    inside = base + os.sep
    for path in [*files, *map(str, extra)]:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            stats[_key(path, inside, len(inside))] = (path, st)
    out = Snapshot()
    limit = limit_for("code")
    for rel, (full, st) in stats.items():
        size, mtime = st.st_size, st.st_mtime_ns
        recent = mtime >= started - RACY_NS
        before = previous.get(rel)
        if before is not None and before[0] == size and before[1] == mtime and not recent:
            out.rows[rel] = before
            continue
        if size > limit:
            sha = f"size:{size}:{mtime}"  # never read whole: the read reports it
        else:
            try:
                data = _read(full, size, limit)
            except OSError:
                continue
            sha = hashlib.sha256(data).hexdigest()
            out.data[full] = data
        out.rows[rel] = (size, -1 if recent else mtime, sha)
    return out


def _read(path: str, size: int, limit: int) -> bytes:
    """The file's bytes (at most ``limit + 1``): one read of the size the walk saw, more only
    when it has grown since (a read of ``limit + 1`` at once would allocate that much every time)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # replaced by a FIFO since the walk: no wait
    try:
        data = os.read(fd, size + 1)
        if len(data) > size:
            parts = [data]
            total = len(data)
            while total <= limit:
                more = os.read(fd, min(1 << 20, limit + 1 - total))
                if not more:
                    break
                parts.append(more)
                total += len(more)
            data = b"".join(parts)
        return data
    finally:
        os.close(fd)


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
