"""Reading the render cache (``render_cache``): models rendered with Jinja by earlier collects.

The collect reads every entry in one short shared-lock visit before it reads the project's
files (the table holds one small row per rendered model text); new entries are written in the
collect's single transaction (:meth:`console.store.store.Writer.upsert`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from console.store.lock import store_lock
from console.store.store import _connect, _run


def cached_renders(store_path: Path) -> dict[str, tuple[str, str, str]]:
    """text_hash -> (macros JSON, vars JSON, calls JSON) for every cached render.

    Empty when the store does not exist yet or predates the table (a store of version 2 is
    migrated by the collect's write).
    """
    if not store_path.exists():
        return {}
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            try:
                rows = _run(con, "SELECT text_hash, macros, vars, calls FROM render_cache")
            except duckdb.CatalogException:
                return {}
            return {h: (m, v, c) for h, m, v, c in rows}
        finally:
            con.close()
