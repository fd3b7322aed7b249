"""One node's SQL, read from the store on demand (the terminal UI's detail panes).

The app keeps no SQL text in memory: a detail pane asks for the one node under the cursor, in a
worker, in a short shared-lock visit. Reading the whole ``nodes`` code columns to pick one row
cost 150 to 200 ms of CPU at 10,000 nodes (measured); one row by its key costs a few ms.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from console.errors import InputError
from console.store.lock import store_lock
from console.store.store import _connect


def read_node_code(store_path: Path, unique_id: str) -> tuple[str | None, str | None]:
    """``(raw_code, compiled_code)`` of one node (``(None, None)`` when the store has no such node).

    Raises:
        InputError: there is no store, or it is not a console store.
    """
    if not store_path.exists():
        raise InputError(store_path, "no store here yet; run `console collect` first")
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            row = con.execute("SELECT raw_code, compiled_code FROM nodes WHERE unique_id = ?", [unique_id]).fetchone()
        except duckdb.Error as e:
            raise InputError(store_path, f"cannot read the node's code: {str(e).splitlines()[0]}") from None
        finally:
            con.close()
    return (row[0], row[1]) if row else (None, None)
