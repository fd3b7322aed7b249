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


ARROW_LISTS_FROM = 5000
"""Rows from which list columns are built from Arrow offsets (several times faster than nested
lists, but the first use imports ``pyarrow.compute``, about 0.1 s of CPU: below this the nested
lists cost less)."""


_SEP = "\x1f"
"""Joins a list's strings into one for :func:`_joined_list_series` (the ASCII unit separator)."""


def _list_series(name: str, values: list) -> pl.Series:
    """A ``list[str]`` column (see :data:`ARROW_LISTS_FROM`).

    Example:
        >>> _list_series("tags", [["a", "b"], [], None, [""]]).to_list()
        [['a', 'b'], [], None, ['']]
    """
    if len(values) < ARROW_LISTS_FROM:
        joined = _joined_list_series(name, values)
        return joined if joined is not None else pl.Series(name, values, dtype=pl.List(pl.String), strict=False)
    import pyarrow as pa

    offsets = [0]
    flat: list[str] = []
    has_null = False
    for value in values:
        if value is None:
            has_null = True
        else:
            flat.extend(value)
        offsets.append(len(flat))
    mask = pa.array([v is None for v in values], pa.bool_()) if has_null else None
    array = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(flat, pa.large_string()), mask=mask)
    return pl.Series(name, array)


def _joined_list_series(name: str, values: list) -> pl.Series | None:
    """A ``list[str]`` column built by splitting each list's strings joined into one (about five
    times faster than polars reading nested Python lists); None when a list holds something
    other than strings, or a string holding the separator: the caller builds it the slow way."""
    lengths = []
    texts = []
    try:
        for value in values:
            if value is None:
                lengths.append(None)
                texts.append(None)
            else:
                lengths.append(len(value))
                texts.append(_SEP.join(value))
    except TypeError:
        return None
    joined = pl.Series(name, texts, dtype=pl.String)
    separators = sum(n - 1 for n in lengths if n)
    if (joined.str.count_matches(_SEP, literal=True).sum() or 0) != separators:
        return None
    empty = pl.Series(lengths, dtype=pl.Int64) == 0
    return pl.select(
        pl.when(empty).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(joined.str.split(_SEP)).alias(name)
    ).to_series()
