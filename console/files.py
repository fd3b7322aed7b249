"""Reading the user's files safely: regular files only, with a size limit enforced while reading.

A FIFO named ``models/x.sql`` would block a plain ``open`` forever; a symlink to ``/dev/zero``
reports a size of 0 and never ends; a file that grows while it is read defeats a size check made
before reading. :func:`read_limited` refuses anything that is not a regular file, opens without
blocking, and stops reading at ``limit + 1`` bytes. Every reader of a file the user controls
(artifacts, project files, configuration, baselines, last-mile files, query logs) goes through it,
with the same limits whatever the path (see :data:`DEFAULT_LIMITS`).

Limits can be raised with ``CONSOLE_MAX_FILE_MB`` (one number for every kind) for projects that
really have huge files.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.sql"; _ = p.write_text("select 1")
    >>> read_limited(p, 100, "SQL files")
    b'select 1'
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from console.errors import InputError

_MB = 1024 * 1024

DEFAULT_LIMITS: dict[str, int] = {
    "artifact": 2048 * _MB,  # a 50k-node manifest is ~250 MB
    "code": 10 * _MB,  # a model, a macro, a seed to hash, a last-mile file
    "yaml": 10 * _MB,
    "config": 1 * _MB,
    "report": 512 * _MB,  # a baseline JSON report
    "query_log": 4096 * _MB,
}
"""Largest file read, by kind, in bytes (before ``CONSOLE_MAX_FILE_MB``)."""


def limit_for(kind: str) -> int:
    """The size limit for a kind of file; ``CONSOLE_MAX_FILE_MB`` overrides every kind.

    Example:
        >>> limit_for("config")
        1048576
    """
    override = os.environ.get("CONSOLE_MAX_FILE_MB")
    if override:
        try:
            mb = float(override)
        except ValueError:
            raise InputError(None, f"CONSOLE_MAX_FILE_MB must be a number of megabytes, not {override!r}") from None
        if not mb > 0 or mb != mb or mb == float("inf"):
            raise InputError(None, f"CONSOLE_MAX_FILE_MB must be a positive number of megabytes, not {override!r}")
        return int(mb * _MB)
    return DEFAULT_LIMITS[kind]


def is_regular(path: Path) -> bool:
    """True for a regular file (symlinks followed); False for FIFOs, devices, folders, missing paths."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _what_it_is(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_limited(path: Path, limit: int, what: str = "files of this kind") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises:
        InputError: missing or unreadable, not a regular file (a folder, a FIFO, a device), or
            larger than ``limit`` (checked while reading, so a growing file or a device posing
            as an empty file cannot get past it).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise InputError(path, "cannot read: no such file") from None
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    except ValueError:  # an embedded NUL in the path
        raise InputError(path, "is not a valid file name") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(path, f"is {_what_it_is(st.st_mode)}, not a file")
        if st.st_size > limit:
            raise InputError(path, _too_big(st.st_size, limit, what))
        chunks: list[bytes] = []
        total = 0
        want = max(st.st_size, 1 << 16)
        while True:
            chunk = os.read(fd, min(want, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputError(path, _too_big(total, limit, what, growing=True))
            want = 1 << 20
        return b"".join(chunks)
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def _too_big(size: int, limit: int, what: str, growing: bool = False) -> str:
    """Example:
    >>> _too_big(11 * _MB, 10 * _MB, "YAML files")
    'is 11.0 MB, over the 10 MB limit for YAML files (CONSOLE_MAX_FILE_MB raises it)'
    """
    where = "grew past" if growing else f"is {size / _MB:.1f} MB, over"
    return f"{where} the {_mb(limit)} limit for {what} (CONSOLE_MAX_FILE_MB raises it)"


def _mb(n: int) -> str:
    return f"{n / _MB:.1f} MB" if n % _MB else f"{n // _MB} MB"


MAX_WALK_ENTRIES = 200_000
"""Most directory entries one walk looks at before it stops (``--archive /`` must not walk the disk)."""


def walk_files(
    folder: Path,
    want,
    *,
    skip_dirs: frozenset[str] | set[str] = frozenset(),
    notes: list[str] | None = None,
    max_entries: int = MAX_WALK_ENTRIES,
) -> list[Path]:
    """Regular files under ``folder`` whose name ``want(name)`` accepts, sorted by path.

    Bounded and careful, for folders the user names (an archive, last-mile files, a project):

    * hidden folders and ``skip_dirs`` are not entered; symlinked folders are not followed; a
      folder on another file system than ``folder`` (``/proc``, a mount) is not entered;
    * FIFOs, devices and sockets are skipped, as are names that are not UTF-8 or hold control
      characters (they could not be stored or shown safely);
    * after ``max_entries`` directory entries the walk stops.

    What was skipped is said once per cause in ``notes`` (for the collect summary).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.json").write_text("{}")
        >>> os.mkfifo(d / "b.json"); notes = []
        >>> [p.name for p in walk_files(d, lambda n: n.endswith(".json"), notes=notes)], notes  # doctest: +ELLIPSIS
        (['a.json'], ['1 entry under ... skipped: not a regular file (a named pipe or a device)'])
    """
    from console.textsafe import is_clean_name, one_line

    try:
        root_dev = os.stat(folder).st_dev
    except OSError:
        return []
    found: list[Path] = []
    special = badname = 0
    seen = 0
    stopped = False
    stack = [str(folder)]
    while stack and not stopped:
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            seen += 1
            if seen > max_entries:
                stopped = True
                break
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name.startswith(".") or name in skip_dirs:
                        continue
                    if entry.stat(follow_symlinks=False).st_dev != root_dev:
                        continue
                    subdirs.append(entry.path)
                    continue
                if not want(name):
                    continue
                if not is_clean_name(name):
                    badname += 1
                    continue
                if not entry.is_file(follow_symlinks=True):
                    special += 1
                    continue
            except OSError:
                continue
            found.append(Path(entry.path))
        stack.extend(sorted(subdirs, reverse=True))
    if notes is not None:
        where = one_line(folder)
        if special:
            notes.append(f"{special} entr{'y' if special == 1 else 'ies'} under {where} skipped: not a regular file (a named pipe or a device)")
        if badname:
            notes.append(f"{badname} file{'' if badname == 1 else 's'} under {where} skipped: name not UTF-8 or holding control characters")
        if stopped:
            notes.append(f"stopped walking {where} after {max_entries:,} entries; the rest was skipped (is it the right folder?)")
    return sorted(found)
