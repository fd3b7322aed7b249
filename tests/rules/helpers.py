"""Build a rule Context the real way: rows written by the store's Writer into a DuckDB file.

``make_context(tmp_path, nodes=[...], edges=[...], ...)`` takes rows as dicts (columns of the
store tables; unspecified columns are NULL) and returns ``Context.from_store`` of that file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from console.store import TABLES, open_writer
from rules.context import Context

_POLARS_TYPES = {"VARCHAR[]": pl.List(pl.String), "BOOLEAN": pl.Boolean, "INTEGER": pl.Int64, "BIGINT": pl.Int64, "DOUBLE": pl.Float64}


def _frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    types = dict(TABLES[table].columns)
    cols = sorted({k for r in rows for k in r}, key=list(types).index)
    data: dict[str, list] = {c: [] for c in cols}
    for r in rows:
        for c in cols:
            v = r.get(c)
            if types[c] == "JSON" and v is not None and not isinstance(v, str):
                v = orjson.dumps(v).decode()
            if isinstance(v, dt.datetime):
                v = v.isoformat()
            data[c].append(v)
    schema = {c: _POLARS_TYPES.get(types[c], pl.String) for c in cols}
    return pl.DataFrame(data, schema=schema)


def node(unique_id: str, **fields: Any) -> dict[str, Any]:
    """A nodes row: resource_type and name derived from the unique_id unless given."""
    parts = unique_id.split(".")
    row = {"unique_id": unique_id, "resource_type": parts[0], "name": parts[-1], "package_name": parts[1] if len(parts) > 2 else None}
    row.update(fields)
    return row


def make_context(tmp_path: Path, *, now: dt.datetime | None = None, settings: dict | None = None, **tables: list[dict[str, Any]]) -> Context:
    store = tmp_path / "store.duckdb"
    if store.exists():
        store.unlink()
    with open_writer(store, tmp_path) as writer:
        for table, rows in tables.items():
            if not rows:
                continue
            frame = _frame(table, rows)
            if TABLES[table].snapshot:
                writer.replace(table, frame)
            else:
                writer.append(table, frame)
        writer.finish({})
    return Context.from_store(store, now=now, settings=settings)
