"""One node's SQL, read from the store on demand (the terminal UI's detail panes).

The app keeps no SQL text in memory: a detail pane asks for the nodes under and around the
cursor, in a worker, in a short shared-lock visit. Reading the whole ``nodes`` code columns to
pick one row cost 150 to 200 ms of CPU at 10,000 nodes (measured).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from console.errors import InputError
from console.store.lock import store_lock
from console.store.store import _connect


def read_node_code(store_path: Path, unique_ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    """``unique_id -> (raw_code, compiled_code)`` of the given nodes that the store holds.

    A detail pane asks for the node under the cursor and its neighbours in one visit: opening
    the store is most of a visit's cost (about 60 ms of CPU at 10,000 nodes, measured), a few
    more rows are free.

    Raises:
        InputError: there is no store, or it is not a console store.
    """
    wanted = sorted(set(unique_ids))
    if not store_path.exists():
        raise InputError(store_path, "no store here yet; run `console collect` first")
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            rows = con.execute(
                "SELECT unique_id, raw_code, compiled_code FROM nodes WHERE list_contains(?, unique_id)", [wanted]
            ).fetchall()
        except duckdb.Error as e:
            raise InputError(store_path, f"cannot read the nodes' code: {str(e).splitlines()[0]}") from None
        finally:
            con.close()
    return {uid: (raw, compiled) for uid, raw, compiled in rows}
