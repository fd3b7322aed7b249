"""Who owns a last-mile file, and when it last changed.

Owner: the last matching line of a CODEOWNERS file (``.github/CODEOWNERS``, ``CODEOWNERS``,
``docs/CODEOWNERS``, gitignore-style patterns, in the git checkout's top folder or the project
root); else the author of the file's last commit; else ``unknown``. Last change: the date of that
commit; else the file's mtime.

Git is asked once per checkout, not once per file: ``git log --name-only`` streams commits
newest first, and reading stops as soon as every file has been seen.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import subprocess
from pathlib import Path

CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@functools.lru_cache(maxsize=4096)
def _pattern_regex(pattern: str) -> re.Pattern:
    """A CODEOWNERS (gitignore-style) pattern as a regex over a POSIX path relative to its base.

    Example:
        >>> bool(_pattern_regex("*.lkml").search("lastmile/lookml/a.view.lkml"))
        True
        >>> bool(_pattern_regex("/lastmile/app/").search("lastmile/app/x/y.py")), bool(_pattern_regex("/app/").search("lastmile/app/y.py"))
        (True, False)
        >>> bool(_pattern_regex("docs/**/*.md").search("docs/a/b/c.md"))
        True
    """
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    p = pattern.strip("/") if pattern != "/" else ""
    directory = pattern.endswith("/")
    out = []
    i = 0
    while i < len(p):
        if p.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif p.startswith("**", i):
            out.append(".*")
            i += 2
        elif p[i] == "*":
            out.append("[^/]*")
            i += 1
        elif p[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(p[i]))
            i += 1
    body = "".join(out)
    prefix = "^" if anchored else "(?:^|/)"
    suffix = "/" if directory else "(?:$|/)"
    return re.compile(prefix + body + suffix)


def read_codeowners(base: Path) -> list[tuple[str, str]]:
    """(pattern, owners) lines of the first CODEOWNERS under ``base``, in file order."""
    for place in CODEOWNERS_PLACES:
        path = base / place
        if path.is_file():
            try:
                text = path.read_text("utf-8", errors="replace")
            except OSError:
                return []
            rules = []
            for raw in text.splitlines():
                line = raw.split(" #", 1)[0].strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    rules.append((parts[0], " ".join(parts[1:])))
            return rules
    return []


def codeowner(rules: list[tuple[str, str]], rel: str) -> str | None:
    """The owners of ``rel`` (last matching rule wins), or None.

    Example:
        >>> codeowner([("*", "@data"), ("lastmile/app/", "@app-team")], "lastmile/app/a.py")
        '@app-team'
    """
    found = None
    for pattern, owners in rules:
        if _pattern_regex(pattern).search(rel):
            found = owners
    return found


def git_toplevel(folder: Path) -> Path | None:
    """The top folder of the git checkout holding ``folder``, or None."""
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.stdout.strip()).resolve() if out.returncode == 0 and out.stdout.strip() else None


def git_last_changes(top: Path, files: list[Path]) -> dict[Path, tuple[str, str]]:
    """file -> (author, ISO date) of its last commit, from one ``git log`` that stops early."""
    wanted = {}
    prefix = str(top).rstrip(os.sep) + os.sep
    for f in files:
        text = str(f)
        if text.startswith(prefix):  # (paths come from walking resolved folders: no resolve() per file)
            wanted[text[len(prefix):].replace(os.sep, "/")] = f
    if not wanted:
        return {}
    out: dict[Path, tuple[str, str]] = {}
    cmd = ["git", "-C", str(top), "-c", "core.quotepath=off", "log", "--format=%x1e%an%x1f%aI", "--name-only", "--no-renames", "--"]
    roots = sorted({str(Path(r).parts[0]) for r in wanted}) if len(wanted) > 200 else sorted(wanted)
    try:
        proc = subprocess.Popen([*cmd, *roots], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace", env={**os.environ, "GIT_PAGER": "cat"})
    except OSError:
        return {}
    author = date = None
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            if line.startswith("\x1e"):
                author, _, date = line[1:].partition("\x1f")
                continue
            if line and line in wanted and wanted[line] not in out and author is not None:
                out[wanted[line]] = (author, date or "")
                if len(out) == len(wanted):
                    break
    finally:
        proc.kill()
        proc.wait()
    return out


def owners_and_dates(
    files: list[Path], project_root: Path, mtimes: dict[Path, float] | None = None
) -> dict[Path, tuple[str, str, str | None]]:
    """file -> (owner, owner_source ``codeowners``/``git``/``unknown``, last change as ISO text).

    ``mtimes`` (file -> st_mtime) saves a second stat of files the caller has seen already.
    """
    by_top: dict[Path | None, list[Path]] = {}
    tops: dict[str, Path | None] = {}
    known: list[str] = []  # checkouts found so far: a folder inside one needs no git call (submodules aside)
    for f in files:
        parent = os.path.dirname(str(f))
        if parent not in tops:
            inside = next((t for t in known if parent == t or parent.startswith(t + os.sep)), None)
            top = Path(inside) if inside else git_toplevel(Path(parent))
            tops[parent] = top
            if top is not None and inside is None:
                known.append(str(top))
        by_top.setdefault(tops[parent], []).append(f)
    mtimes = mtimes or {}
    out: dict[Path, tuple[str, str, str | None]] = {}
    root_rules = read_codeowners(project_root)
    for top, group in by_top.items():
        rules = read_codeowners(top) if top is not None else []
        base = top if rules else project_root
        rules = rules or root_rules
        git = git_last_changes(top, group) if top is not None else {}
        base_prefix = str(base).rstrip(os.sep) + os.sep
        for f in group:
            text = str(f)
            rel = text[len(base_prefix):].replace(os.sep, "/") if text.startswith(base_prefix) else f.as_posix()
            owner = codeowner(rules, rel) if rules else None
            author, date = git.get(f, (None, None))
            if date is None:
                try:
                    mtime = mtimes[f] if f in mtimes else f.stat().st_mtime
                    date = dt.datetime.fromtimestamp(mtime, dt.UTC).replace(tzinfo=None).isoformat()
                except OSError:
                    date = None
            else:
                date = dt.datetime.fromisoformat(date).astimezone(dt.UTC).replace(tzinfo=None).isoformat()
            if owner:
                out[f] = (owner, "codeowners", date)
            elif author:
                out[f] = (author, "git", date)
            else:
                out[f] = ("unknown", "unknown", date)
    return out
