"""Watching the project for changes: a watchdog observer thread that only posts messages.

What is watched (each only if it exists): the artifacts folder (``target/``: its top-level
JSON files), the archive folders, ``models/`` (SQL, Python, yml, md, csv), the last-mile paths,
the query logs, and the project root's configuration files (``dbt_project.yml``,
``console.toml``, ``pyproject.toml``). The store's own folder is never watched: a collect must
not trigger another collect.

The watcher does not debounce: it hands every relevant path to ``on_change`` (the app posts a
:class:`~console.tui.messages.FilesChanged`, which collapses while queued, and debounces with a
timer). dbt writes ``manifest.json`` twice per run and rewrites ``run_results.json`` in place,
so the app waits for quiet before collecting and retries a file that does not parse yet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

_ROOT_FILES = frozenset({"dbt_project.yml", "console.toml", "pyproject.toml"})
_MODEL_SUFFIXES = frozenset({".sql", ".py", ".yml", ".yaml", ".md", ".csv"})


def relevant(path: Path, loc) -> bool:
    """Whether a changed path can change what a collect reads.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> loc = NS(project=Path("/p"), artifacts=Path("/p/target"), archive=(), lastmile=(), query_logs=(), store=Path("/p/.console/store.duckdb"))
        >>> [relevant(Path(p), loc) for p in ("/p/target/run_results.json", "/p/target/compiled/x.sql", "/p/models/a.sql", "/p/.console/store.duckdb")]
        [True, False, True, False]
    """
    if path.name.startswith(".") or path.name.endswith(("~", ".swp", ".tmp", ".lock", ".wal")):
        return False
    if _under(path, loc.store.parent):
        return False
    if path.parent == loc.artifacts:
        return path.suffix == ".json"
    if any(_under(path, a) for a in loc.archive):
        return path.suffix == ".json"
    if _under(path, loc.project / "models"):
        return path.suffix in _MODEL_SUFFIXES
    if any(_under(path, p) or path == p for p in (*loc.lastmile, *loc.query_logs)):
        return True
    return path.parent == loc.project and path.name in _ROOT_FILES


def looks_complete(path: Path) -> bool:
    """Whether a JSON file looks completely written: its last non-blank byte closes the document.

    A cheap check (the last bytes only) so a live collect is not started on a file dbt is still
    writing; the collect itself still refuses a file that does not parse.

    Example:
        >>> import tempfile, os
        >>> d = tempfile.mkdtemp(); p = Path(d, "run_results.json")
        >>> _ = p.write_text('{"results": [1, 2'); looks_complete(p)
        False
        >>> _ = p.write_text('{"results": [1, 2]}  '); looks_complete(p)
        True
    """
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 64))
            tail = f.read().rstrip()
    except OSError:  # gone again (a temp file renamed away): nothing to wait for
        return True
    return not tail or tail.endswith((b"}", b"]"))


def _under(path: Path, folder: Path) -> bool:
    return folder == path or folder in path.parents


def watched_folders(loc) -> list[tuple[Path, bool]]:
    """(folder, recursive) pairs to schedule, existing folders only, none inside another."""
    wanted: list[tuple[Path, bool]] = [(loc.project, False), (loc.artifacts, False), (loc.project / "models", True)]
    wanted += [(a, True) for a in loc.archive]
    for p in (*loc.lastmile, *loc.query_logs):
        wanted.append((p, True) if p.is_dir() else (p.parent, False))
    out: list[tuple[Path, bool]] = []
    for folder, recursive in wanted:
        if not folder.is_dir():
            continue
        if any(r and _under(folder, f) for f, r in out) or any(f == folder and r >= recursive for f, r in out):
            continue
        out.append((folder, recursive))
    return out


class _Handler(FileSystemEventHandler):
    def __init__(self, loc, on_change: Callable[[str], None]):
        self.loc = loc
        self.on_change = on_change

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or event.is_directory:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(raw if isinstance(raw, str) else raw.decode())
                if relevant(path, self.loc):
                    self.on_change(str(path))


class ProjectWatcher:
    """Starts and stops the observer thread; ``on_change(path)`` runs on that thread."""

    def __init__(self, loc, on_change: Callable[[str], None]):
        self.loc = loc
        self.on_change = on_change
        self._observer: Observer | None = None

    @property
    def folders(self) -> list[tuple[Path, bool]]:
        return watched_folders(self.loc)

    def start(self) -> None:
        observer = Observer()
        handler = _Handler(self.loc, self.on_change)
        for folder, recursive in self.folders:
            observer.schedule(handler, str(folder), recursive=recursive)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
