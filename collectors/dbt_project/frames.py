"""Rows -> polars frames with the store's column names and types.

Every column of the store table is present (missing values are NULL), typed as the store types
it: ``VARCHAR[]`` as ``list[str]``, ``JSON`` as JSON text (mappings and lists are encoded here;
YAML dates become ISO text), ``TIMESTAMP`` as ISO text.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import polars as pl

from console.store.schema import TABLES

_TYPES = {
    "VARCHAR": pl.String,
    "VARCHAR[]": pl.List(pl.String),
    "INTEGER": pl.Int32,
    "BIGINT": pl.Int64,
    "DOUBLE": pl.Float64,
    "BOOLEAN": pl.Boolean,
    "TIMESTAMP": pl.String,
    "JSON": pl.String,
}
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def json_text(value: object) -> str | None:
    """JSON text of a value; None for None (YAML dates and other odd scalars as text).

    Example:
        >>> import datetime
        >>> json_text({"owner": "ana", "since": datetime.date(2024, 1, 2), 1: True})
        '{"owner":"ana","since":"2024-01-02","1":true}'
    """
    if value is None:
        return None
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def frame_from_dicts(table: str, rows: Sequence[dict]) -> pl.DataFrame:
    """A frame of ``table`` from row dicts keyed by column name (other keys ignored)."""
    types = dict(TABLES[table].columns)
    data: dict[str, list] = {name: [None] * len(rows) for name in types}
    for i, row in enumerate(rows):  # rows set few of the columns: copy what is there
        for name, value in row.items():
            column = data.get(name)
            if column is not None:
                column[i] = value
    return pl.DataFrame([_series(name, types[name], values) for name, values in data.items()])


def frame_from_tuples(table: str, names: Sequence[str], rows: Sequence[tuple]) -> pl.DataFrame:
    """A frame of ``table`` from tuples whose positions are the columns ``names``."""
    data = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    by_name = dict(zip(names, data, strict=True))
    columns = {}
    for name, sql_type in TABLES[table].columns:
        values = list(by_name.get(name, [None] * len(rows)))
        columns[name] = _series(name, sql_type, values)
    return pl.DataFrame(columns)


def _series(name: str, sql_type: str, values: list) -> pl.Series:
    if sql_type == "JSON":
        values = [None if v is None else json_text(v) for v in values]
    elif sql_type == "VARCHAR[]":
        return _list_series(name, values)
    return pl.Series(name, values, dtype=_TYPES[sql_type], strict=True)


def _list_series(name: str, values: list) -> pl.Series:
    """A ``list[str]`` column. Built from Python lists: the faster Arrow offsets need
    ``pyarrow.compute``, whose import (0.3 s or more) costs a cold collect more than it saves."""
    return pl.Series(name, values, dtype=pl.List(pl.String), strict=False)
