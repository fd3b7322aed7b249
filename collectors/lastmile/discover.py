"""Finding last-mile files and reading each one into a payload (items and skips).

Each path given may be a folder (walked, skipping ``.git``, ``node_modules``, virtual
environments and caches) or one file. The kind of reader comes from the file's extension;
for YAML and JSON the tool is recognised from the document itself
(:func:`.structured.sniff`), so a Hightouch model is found wherever it lives. A ``.sql`` file is
a Census or Hightouch model only inside a folder named after the tool. Other files are no
last-mile files and are only counted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from collectors.lastmile.model import payload, skip
from console.errors import InputError

EXTENSIONS = {
    ".lkml": "lookml", ".lookml": "lookml", ".ipynb": "notebook", ".py": "python",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".yaml": "structured", ".yml": "structured", ".json": "structured", ".sql": "sql",
}
SKIP_DIRS = frozenset({".git", ".hg", "node_modules", "__pycache__", ".venv", "venv", ".ipynb_checkpoints", ".console", ".tox", ".mypy_cache"})
MAX_BYTES = 10 * 1024 * 1024
"""Largest last-mile file read (bigger ones are skipped with a reason)."""


def reader_kind(name: str) -> str | None:
    """The reader for a file name, or None.

    Example:
        >>> reader_kind("a.view.lkml"), reader_kind("types.d.ts"), reader_kind("README.md"), reader_kind(".py")
        ('lookml', None, None, None)
    """
    lower = name.lower()
    dot = lower.rfind(".")
    if dot <= 0 or lower.endswith(".d.ts"):  # no extension, or a hidden file's name alone
        return None
    return EXTENSIONS.get(lower[dot:])


def relative(path: Path, root: Path) -> str:
    """``path`` relative to the project root when inside it, else absolute (POSIX separators)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def find_files(paths: tuple[Path, ...], root: Path) -> tuple[list[tuple[Path, str, str]], int]:
    """(path, rel, reader kind) of every candidate file under ``paths``, and how many other files.

    Raises:
        InputError: a given path does not exist.
    """
    files, others = scan_files(paths, root)
    return [(Path(f.path), f.rel, f.kind) for f in files], others


class Found(NamedTuple):
    """One candidate file of :func:`scan_files`: its path as text, its path relative to the
    project (POSIX separators), its reader kind, and its size, mtime (ns) and mtime (s)."""

    path: str
    rel: str
    kind: str
    size: int
    mtime_ns: int
    mtime: float


def scan_files(paths: tuple[Path, ...], root: Path) -> tuple[list[Found], int]:
    """Every candidate file under ``paths`` with its stat, sorted by ``rel``, and how many other files.

    Folders are walked with :func:`os.scandir` and each candidate is stat'ed once; paths stay
    strings (a ``Path`` per file costs more than the walk). Symbolic links to folders are not
    followed, unreadable folders are passed over, and a file that cannot be stat'ed (a broken
    link) is left out, as :func:`os.walk` would.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     _ = (Path(d) / "lookml").mkdir(), (Path(d) / "lookml" / "a.view.lkml").write_text("view: a {}")
        ...     _ = (Path(d) / "README.md").write_text("x"), (Path(d) / ".git").mkdir()
        ...     found, others = scan_files((Path(d),), Path(d))
        >>> [(f.rel, f.kind, f.size) for f in found], others
        ([('lookml/a.view.lkml', 'lookml', 10)], 1)

    Raises:
        InputError: a given path does not exist.
    """
    out: dict[str, Found] = {}
    others = 0
    prefix = str(root).rstrip(os.sep) + os.sep

    def rel_of(text: str) -> str:
        return (text[len(prefix):] if text.startswith(prefix) else text).replace(os.sep, "/")

    for given in paths:
        if not given.exists():
            raise InputError(given, "last-mile path not found")
        if given.is_file():
            kind = reader_kind(given.name)
            if kind is None:
                others += 1
                continue
            try:
                st = given.stat()
            except OSError:
                continue
            rel = relative(given, root)
            out.setdefault(rel, Found(str(given), rel, kind, st.st_size, st.st_mtime_ns, st.st_mtime))
            continue
        stack = [str(given)]
        while stack:
            try:
                with os.scandir(stack.pop()) as it:
                    entries = list(it)
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if name not in SKIP_DIRS and not name.startswith(".") and not entry.is_symlink():
                        stack.append(entry.path)
                    continue
                kind = reader_kind(name)
                if kind is None:
                    others += 1
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                rel = rel_of(entry.path)
                out.setdefault(rel, Found(entry.path, rel, kind, st.st_size, st.st_mtime_ns, st.st_mtime))
    return sorted(out.values(), key=lambda f: f.rel), others


def read_payload(rel: str, data: bytes, kind: str, dialect: str) -> dict:
    """Parse one file's bytes into its payload (never raises on bad input: a skip instead)."""
    from collectors.lastmile import structured

    if len(data) > MAX_BYTES:
        return payload(tool_guess(kind, rel), skips=[skip(None, f"over the {MAX_BYTES // 1_048_576} MB limit for last-mile files")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return payload(tool_guess(kind, rel), skips=[skip(data.count(b"\n", 0, e.start) + 1, "not UTF-8 text")])
    text = text.removeprefix("\ufeff")
    if kind == "lookml":
        from collectors.lastmile.lookml_parse import parse_lookml

        doc, skips = parse_lookml(rel, text)
        return payload("lookml", skips=skips, doc=doc)
    if kind == "notebook":
        from collectors.lastmile.notebooks import read_notebook

        return read_notebook(rel, text, dialect)
    if kind == "python":
        from collectors.lastmile.python_code import read_python

        return read_python(rel, text, dialect)
    if kind in ("javascript", "typescript"):
        from collectors.lastmile.javascript import read_script

        return read_script(rel, text, dialect, kind)
    if kind == "sql":
        tool = structured.folder_hint(rel)
        if tool not in ("census", "hightouch"):
            return payload(None)
        from collectors.lastmile.reverse_etl import read_census_sql

        result = read_census_sql(rel, text, dialect)
        result["tool"] = tool
        return result
    return _read_structured(rel, text, dialect)


def tool_guess(kind: str, rel: str) -> str | None:
    """The tool a file's reader or folder suggests, for a skip of a file that could not be read."""
    from collectors.lastmile.structured import folder_hint

    if kind in ("lookml", "notebook", "python", "javascript", "typescript"):
        return kind
    return folder_hint(rel)


def _read_structured(rel: str, text: str, dialect: str) -> dict:
    from collectors.lastmile import structured

    is_json = rel.lower().endswith(".json")
    try:
        if is_json:
            doc, lines = structured.load_json(rel, text), None
        else:
            doc, lines = structured.load_yaml(rel, text)
    except InputError as e:
        tool = structured.folder_hint(rel)
        if tool is None:
            return payload(None)  # an unreadable YAML/JSON file in no tool's folder: not ours
        tail = e.problem.rpartition("line ")[2]
        digits = "".join(ch for ch in tail.split(",")[0].split(")")[0] if ch.isdigit())
        return payload(tool, skips=[skip(int(digits) if digits else None, e.problem)])
    tool = structured.sniff(doc, rel)
    if tool is None:
        return payload(None)
    if tool == "metabase":
        from collectors.lastmile.metabase import read_metabase

        return read_metabase(doc, lines, text, dialect)
    from collectors.lastmile.reverse_etl import read_reverse_etl

    return read_reverse_etl(tool, doc, lines or {}, dialect)
