"""Sharing one store between processes.

DuckDB lets one process hold a database file read-write, and others open it read-only only
while no writer holds it. The console works around that rule instead of fighting it:

* every process opens the store only for as long as one unit of work takes (a collect's write
  transaction, or loading the frames a report or a screen needs) and closes it at once;
* an advisory lock file beside the store (``store.duckdb.lock``) orders those short visits:
  writers take it exclusively, readers shared, and both wait (up to a timeout) for their turn.

So the terminal UI can stay open while CI or a shell runs ``console report`` on the same
project: each waits at most for the other's current visit, typically milliseconds to a second.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

from console.errors import InputError, StoreBusyError

DEFAULT_TIMEOUT_S = 60.0
"""How long a visit waits for its turn, unless ``CONSOLE_LOCK_TIMEOUT`` says otherwise."""


def lock_timeout() -> float:
    """``CONSOLE_LOCK_TIMEOUT`` in seconds (default 60), read when a lock is taken.

    Raises:
        InputError: not a finite number of seconds from 0 up (``abc``, ``nan``, ``-1``, ``inf``).
    """
    raw = os.environ.get("CONSOLE_LOCK_TIMEOUT")
    if raw is None or not raw.strip():
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(None, f"CONSOLE_LOCK_TIMEOUT must be a number of seconds (0 or more), not {raw!r}")
    return value


def _open_lock(lock_path: Path, exclusive: bool) -> int | None:
    """The lock file's descriptor; None when a reader may go without one (a read-only place).

    Raises:
        InputError: the lock path is a folder or a symbolic link, or a writer cannot create it.
    """
    flags = os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        return os.open(lock_path, os.O_RDWR | os.O_CREAT | flags, 0o644)
    except IsADirectoryError:
        raise InputError(lock_path, "the store's lock file is a folder; remove it") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise InputError(lock_path, "the store's lock file is a symbolic link; remove it") from None
        if e.errno not in (errno.EROFS, errno.EACCES, errno.EPERM) or exclusive:
            raise InputError(lock_path, f"cannot take the store's lock: {e.strerror}") from None
    # a reader on a read-only file system (or without write permission): use the lock file if
    # it exists, else go without: nobody can write a store there either
    try:
        return os.open(lock_path, os.O_RDONLY | flags)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InputError(lock_path, f"cannot take the store's lock: {e.strerror}") from None


@contextlib.contextmanager
def store_lock(store_path: Path, *, exclusive: bool, timeout: float | None = None) -> Iterator[None]:
    """Hold the store's lock file for the duration of the block.

    Args:
        timeout: seconds to wait for the turn; default :func:`lock_timeout`.

    Raises:
        StoreBusyError: another process held the store for longer than ``timeout`` seconds.
        InputError: the lock file cannot be used (a folder, a link, a read-only place for a writer).
    """
    if timeout is None:
        timeout = lock_timeout()
    lock_path = store_path.with_name(store_path.name + ".lock")
    if exclusive:
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(lock_path.parent, f"cannot create the store's folder: {e.strerror}") from None
    fd = _open_lock(lock_path, exclusive)
    if fd is None:
        yield
        return
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusyError(
                        store_path, f"held by another process for more than {timeout:.0f} s"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
