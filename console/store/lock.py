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
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from console.errors import StoreBusyError

DEFAULT_TIMEOUT_S = float(os.environ.get("CONSOLE_LOCK_TIMEOUT", "60"))


@contextlib.contextmanager
def store_lock(store_path: Path, *, exclusive: bool, timeout: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """Hold the store's lock file for the duration of the block.

    Raises:
        StoreBusyError: another process held the store for longer than ``timeout`` seconds.
    """
    lock_path = store_path.with_name(store_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
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
