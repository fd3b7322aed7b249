"""catalog.json (schema v1, written by ``dbt docs generate``) -> catalog_tables and
catalog_columns frames.

Each entry of ``nodes`` and ``sources`` describes the relation behind a node as the warehouse
reports it: ``metadata`` (type, owner, comment), ``columns`` (type, 1-based index, comment)
and ``stats``, a dict of ``{id, label, value, include, description}``. Adapters name the same
statistic differently: rows are ``row_count`` (Snowflake) or ``num_rows`` (BigQuery), size is
``bytes`` or ``num_bytes``. ``stats`` keeps ``{id: value}`` of the statistics dbt would show
(``include`` true).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from collectors.dbt_artifacts._common import (
    SHAPE_ERRORS,
    ShapeError,
    Where,
    count,
    dumps,
    frame,
    obj,
    shape_error,
    text,
    utc_iso,
)

TABLE_COLUMNS = (
    "unique_id", "database", "schema", "name", "table_type", "owner", "comment", "row_count",
    "bytes", "stats", "generated_at",
)  # fmt: skip
CATALOG_COLUMN_COLUMNS = ("unique_id", "name", "data_type", "position", "comment")


def parse_catalog(path: Path, doc: dict, version: int) -> dict[str, pl.DataFrame]:
    """Read a parsed catalog.json into store frames.

    Args:
        path: the file (named in errors).
        doc: the parsed document.
        version: its schema version (1).

    Returns:
        Frames keyed ``catalog_tables`` and ``catalog_columns``.

    Raises:
        InputError: the document has an unexpected shape (naming the entry and the field).
    """
    where = Where()
    tables: list[tuple] = []
    columns: list[tuple] = []
    seen: set[str] = set()
    try:
        generated_at = utc_iso(obj(doc.get("metadata"), "metadata").get("generated_at"))
        for section in ("nodes", "sources"):
            where.section, where.key = section, None
            for unique_id, entry in obj(doc.get(section), section).items():
                where.key = unique_id
                if unique_id in seen:
                    raise ShapeError("the same unique_id appears twice")
                seen.add(unique_id)
                tables.append(_table_row(unique_id, obj(entry, "the entry"), generated_at, columns))
    except SHAPE_ERRORS as e:
        raise shape_error(path, where, e) from None
    return {
        "catalog_tables": frame(path, "catalog_tables", TABLE_COLUMNS, tables),
        "catalog_columns": frame(path, "catalog_columns", CATALOG_COLUMN_COLUMNS, columns),
    }


def _table_row(unique_id: str, entry: dict, generated_at: str | None, columns: list) -> tuple:
    metadata = obj(entry.get("metadata"), "metadata")
    stats = obj(entry.get("stats"), "stats")
    values = {}
    for key, stat in stats.items():
        stat = obj(stat, f"stats[{key!r}]")
        values[stat.get("id") or key] = stat
    for position, (key, column) in enumerate(obj(entry.get("columns"), "columns").items(), 1):
        column = obj(column, f"columns[{key!r}]")
        index = column.get("index")
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise ShapeError(f"columns[{key!r}].index is not an integer")
        columns.append(
            (unique_id, column.get("name") or key, text(column.get("type")), index or position, text(column.get("comment")))
        )
    shown = {k: s.get("value") for k, s in values.items() if s.get("include") and k != "has_stats"}
    return (
        unique_id,
        text(metadata.get("database")),
        text(metadata.get("schema")),
        text(metadata.get("name")),
        text(metadata.get("type")),
        text(metadata.get("owner")),
        text(metadata.get("comment")),
        _stat(values, "row_count", "num_rows"),
        _stat(values, "bytes", "num_bytes"),
        dumps(shown),
        generated_at,
    )


def _stat(values: dict, *names: str) -> int | None:
    for name in names:
        if name in values:
            return count(values[name].get("value"))
    return None
