"""Who owns a last-mile file, and when it last changed.

Owner: the last matching line of a CODEOWNERS file (``.github/CODEOWNERS``, ``CODEOWNERS``,
``docs/CODEOWNERS``, gitignore-style patterns, in the git checkout's top folder or the project
root); else the author of the file's last commit; else ``unknown``. Last change: the date of that
commit; else the file's mtime.

Git is asked once per checkout, not once per file: ``git log --name-only`` streams commits
newest first, and reading stops as soon as every file has been seen. A file's checkout is found
by looking for ``.git`` in its folder and the folders above (no process per folder).
:func:`owner_state` (each checkout's HEAD commit and CODEOWNERS rules) lets the last-mile phase
keep the owners of unchanged files from the last collect while it is unchanged, and ask git
only about the files that changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
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
    rules = []
    for raw in _codeowners_text(str(base)).splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) >= 2:
            rules.append((parts[0], " ".join(parts[1:])))
    return rules


def _codeowners_text(base: str) -> str:
    """The text of the first CODEOWNERS under ``base`` (at most 1 MB), or ``""``."""
    for place in CODEOWNERS_PLACES:
        path = os.path.join(base, place)
        if os.path.isfile(path):
            try:
                with open(path, "rb") as fh:
                    return fh.read(1_048_576).decode("utf-8", "replace")
            except OSError:
                return ""
    return ""


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


def find_checkout(folder: str, seen: dict[str, str | None]) -> str | None:
    """The nearest folder at or above ``folder`` holding ``.git`` (a folder, or the file of a
    worktree or submodule), or None; ``seen`` caches the answer of every folder visited.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as d:
        ...     os.makedirs(os.path.join(d, "repo", ".git")); os.makedirs(os.path.join(d, "repo", "a", "b"))
        ...     top = find_checkout(os.path.join(d, "repo", "a", "b"), {})
        >>> top.endswith(os.sep + "repo")
        True
    """
    climbed = []
    at = folder
    while at not in seen:
        climbed.append(at)
        if os.path.exists(os.path.join(at, ".git")):
            seen[at] = at
            break
        up = os.path.dirname(at)
        if up == at:
            seen[at] = None
            break
        at = up
    top = seen[at]
    for f in climbed:
        seen[f] = top
    return top


def git_head(top: str) -> str | None:
    """The commit HEAD names in the checkout ``top``, or None (no commit yet, git missing)."""
    try:
        out = subprocess.run(["git", "-C", top, "rev-parse", "--verify", "-q", "HEAD"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _checkouts(files: list[str]) -> dict[str | None, list[str]]:
    """The files grouped by their checkout's top folder (None: in no checkout)."""
    seen: dict[str, str | None] = {}
    by_folder: dict[str, list[str]] = {}
    for f in files:
        cut = f.rfind(os.sep)
        by_folder.setdefault(f[:cut] if cut > 0 else os.path.dirname(f), []).append(f)
    groups: dict[str | None, list[str]] = {}
    for folder, inside in by_folder.items():
        groups.setdefault(find_checkout(folder, seen), []).extend(inside)
    return groups


def owner_state(files: list[str], project_root: Path) -> dict[str, list]:
    """What the owners and dates of unchanged files depend on: for each checkout (``""`` for
    files in none), its HEAD commit and a hash of the CODEOWNERS rules that apply.

    Equal states and an unchanged file (size and mtime) mean an unchanged owner and date.
    """
    root_rules = _codeowners_text(str(project_root))
    state: dict[str, list] = {}
    for top in _checkouts(files):
        rules = (_codeowners_text(top) if top is not None else "") or root_rules
        head = git_head(top) if top is not None else None
        state[top or ""] = [head, hashlib.sha256(rules.encode()).hexdigest()[:16]]
    return state


def git_last_changes(top: str, files: list[str]) -> dict[str, tuple[str, str]]:
    """file -> (author, ISO date) of its last commit, from one ``git log`` that stops early."""
    wanted = {}
    prefix = str(top).rstrip(os.sep) + os.sep
    for f in files:
        if f.startswith(prefix):
            wanted[f[len(prefix):].replace(os.sep, "/")] = f
    if not wanted:
        return {}
    out: dict[str, tuple[str, str]] = {}
    cmd = ["git", "-C", str(top), "-c", "core.quotepath=off", "log", "--format=%x1e%an%x1f%aI", "--name-only", "--no-renames", "--"]
    roots = sorted({r.split("/", 1)[0] for r in wanted}) if len(wanted) > 200 else sorted(wanted)
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
    files: list[str], project_root: Path, mtimes: dict[str, float] | None = None
) -> dict[str, tuple[str, str, str | None]]:
    """file -> (owner, owner_source ``codeowners``/``git``/``unknown``, last change as ISO text).

    ``files`` are paths as text; ``mtimes`` (file -> st_mtime) saves a second stat of files the
    caller has seen already.
    """
    mtimes = mtimes or {}
    out: dict[str, tuple[str, str, str | None]] = {}
    root_rules = read_codeowners(project_root)
    for top, group in _checkouts(files).items():
        rules = read_codeowners(Path(top)) if top is not None else []
        base = top if rules else str(project_root)
        rules = rules or root_rules
        git = git_last_changes(top, group) if top is not None else {}
        base_prefix = str(base).rstrip(os.sep) + os.sep
        for f in group:
            rel = f[len(base_prefix):].replace(os.sep, "/") if f.startswith(base_prefix) else f.replace(os.sep, "/")
            owner = codeowner(rules, rel) if rules else None
            author, date = git.get(f, (None, None))
            if date is None:
                try:
                    mtime = mtimes[f] if f in mtimes else os.stat(f).st_mtime
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
