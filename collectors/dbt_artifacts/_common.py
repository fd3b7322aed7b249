"""Helpers shared by the artifact parsers: shape errors, timestamps, JSON text and frames.

The parsers read a parsed artifact in one Python pass into row tuples, then build each frame
once, column by column, with the polars type of the store column (:func:`frame`). Anything a
hand-edited or half-written artifact can throw at them ends as an :class:`InputError` naming
the file and where in it the shape went wrong (:func:`shape_error`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import reprlib
from collections.abc import Sequence
from pathlib import Path

import orjson
import polars as pl

from console.errors import InputError
from console.gc_pause import gc_paused  # noqa: F401 - re-exported
from console.store.schema import TABLES

EMPTY: dict = {}
"""A shared empty mapping for ``x.get(k) or EMPTY`` (never mutated)."""

SHAPE_ERRORS = (KeyError, TypeError, AttributeError, ValueError)
"""What reading an unexpected shape raises in Python; the parse entry points convert these."""

_POLARS_TYPES = {
    "VARCHAR": pl.String,
    "VARCHAR[]": pl.List(pl.String),
    "INTEGER": pl.Int32,
    "BIGINT": pl.Int64,
    "DOUBLE": pl.Float64,
    "BOOLEAN": pl.Boolean,
    "TIMESTAMP": pl.String,  # ISO-8601 text: the store casts
    "JSON": pl.String,  # JSON text
}
_PYTHON_TYPES = {
    "VARCHAR": (str,),
    "INTEGER": (int,),
    "BIGINT": (int,),
    "DOUBLE": (int, float),
    "BOOLEAN": (bool,),
    "TIMESTAMP": (str,),
    "JSON": (str,),
}


class ShapeError(ValueError):
    """A value of the wrong kind, found by a parser; the message says what was expected."""


class Where:
    """Where a parse is: a section and a key, updated as the pass goes (for error messages)."""

    __slots__ = ("section", "key")

    def __init__(self, section: str = "metadata", key: object = None):
        self.section = section
        self.key = key

    def __str__(self) -> str:
        return self.section if self.key is None else f"{self.section}[{self.key!r}]"



_REPR = reprlib.Repr()  # (keyword arguments need Python 3.12)
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 3, 40, 40, 4, 4


def _brief(value: object) -> str:
    """A short ``repr`` of a value from an artifact, safe on values nested 1,000 deep.

    Example:
        >>> deep = []
        >>> for _ in range(5000): deep = [deep]
        >>> _brief(deep)
        '[[[[...]]]]'
    """
    return _clip(_REPR.repr(value), 60)

def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shape_error(path: Path, where: Where, error: Exception) -> InputError:
    """Turn an error raised while reading a document into one line naming the place.

    Example:
        >>> err = shape_error(Path("manifest.json"), Where("nodes", "model.a.b"), KeyError("config"))
        >>> str(err)
        "manifest.json: unexpected shape at nodes['model.a.b']: missing key 'config'"
    """
    if isinstance(error, ShapeError):
        what = str(error)
    elif isinstance(error, KeyError):
        what = f"missing key {error.args[0]!r}" if error.args else "missing key"
    else:
        what = f"{type(error).__name__}: {error}"
    return InputError(path, _clip(f"unexpected shape at {where}: {what}", 300))




def obj(value: object, what: str) -> dict:
    """``value`` if it is a JSON object, ``{}`` if it is missing or null, else a ShapeError."""
    if type(value) is dict:
        return value
    if value is None:
        return EMPTY
    raise ShapeError(f"{what} is {_kind(value)}, expected an object")


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def dumps(value: object) -> str | None:
    """JSON text of ``value``, or None for None and empty objects or lists.

    Example:
        >>> dumps({"owner": "ana"}), dumps({}), dumps([]), dumps(None)
        ('{"owner":"ana"}', None, None, None)
    """
    if not value:
        return None
    return orjson.dumps(value).decode()


def text(value: object) -> str | None:
    """A scalar as text (dbt versions are ints in newer manifests: ``1`` -> ``"1"``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ShapeError(f"{_kind(value)} where a text was expected: {_brief(value)}")


def count(value: object) -> int | None:
    """A number of rows or bytes as an int; None when missing, negative or not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if value >= 0 else None


_UTC_ISO = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]00:?00)?")


def utc_iso(value: object) -> str | None:
    """An ISO-8601 timestamp as UTC text that DuckDB casts correctly, checked on the way.

    DuckDB's cast to ``TIMESTAMP`` drops a UTC offset instead of applying it, so a time with
    a non-zero offset (freshness of a warehouse in another zone) is converted here; dbt's
    usual ``...Z`` text is kept as written.

    Example:
        >>> utc_iso("2026-11-01T07:00:00.123Z")
        '2026-11-01T07:00:00.123Z'
        >>> utc_iso("2026-11-01T09:00:00+02:00")
        '2026-11-01T07:00:00'
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ShapeError(f"{_kind(value)} where a timestamp was expected")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ShapeError(f"{_brief(value)} is not an ISO-8601 timestamp") from None
    offset = parsed.utcoffset()
    if not offset and _UTC_ISO.fullmatch(value):
        return value
    if offset is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.isoformat()




def frame(
    path: Path, table: str, columns: Sequence[str], rows: list[tuple], constants: dict | None = None
) -> pl.DataFrame:
    """Build one store frame from row tuples, each column with its store type.

    Args:
        path: the artifact (named in the error).
        table: the store table whose column names and types the frame takes.
        columns: the column of each tuple position (a subset of the table's columns).
        rows: one tuple per row.
        constants: columns whose value is the same on every row (not repeated in the tuples).

    Raises:
        InputError: a value of the wrong type (the first column names the row).

    Example:
        >>> frame(Path("x.json"), "edges", ("parent_id", "child_id"), [("a", "b")]).to_dicts()
        [{'parent_id': 'a', 'child_id': 'b'}]
    """
    types = dict(TABLES[table].columns)
    unknown = [c for c in (*columns, *(constants or ())) if c not in types]
    if unknown:
        raise RuntimeError(f"{table} has no columns {unknown}")  # a bug here, not bad input
    data = list(zip(*rows)) if rows else [() for _ in columns]
    series = []
    for name, values in zip(columns, data):
        sql_type = types[name]
        try:
            if values and values[0] is None and values.count(None) == len(values):  # sparse columns
                series.append(pl.repeat(None, len(values), dtype=_POLARS_TYPES[sql_type], eager=True).alias(name))
            elif sql_type == "VARCHAR[]":
                series.append(_list_series(name, values))
            else:
                series.append(pl.Series(name, values, dtype=_POLARS_TYPES[sql_type], strict=True))
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            raise _bad_value(path, table, columns, name, sql_type, rows) from None
    for name, value in (constants or {}).items():
        series.append(pl.repeat(value, len(rows), dtype=_POLARS_TYPES[types[name]], eager=True).alias(name))
    return pl.DataFrame(series)


_SEP = "\x1f"
"""Joins a list's strings into one for :func:`_list_series` (the ASCII unit separator)."""
_LIST = pl.List(pl.String)


def _list_series(name: str, values: Sequence) -> pl.Series:
    """A ``list[str]`` column: each list's strings joined into one and split again by polars.

    Several times faster than polars reading nested Python lists, and without pyarrow (a
    cold collect from a manifest imports none: about 0.06 s of CPU; the store registers its
    frames through the Arrow PyCapsule interface). A list holding something other than
    strings (None), or a string holding the separator, is built the slow way.

    Example:
        >>> _list_series("tags", [["a", "b"], [], None, [""], ["x\\x1fy"]]).to_list()
        [['a', 'b'], [], None, [''], ['x\\x1fy']]
    """
    texts: list[str | None] = []
    nulls = 0  # lists that are None (an empty list's text is None too, until the split)
    separators = 0
    try:
        for value in values:
            if value is None:
                texts.append(None)
                nulls += 1
            elif type(value) is list or type(value) is tuple:
                if value:
                    texts.append(_SEP.join(value))
                    separators += len(value) - 1
                else:
                    texts.append(None)
            else:
                raise ShapeError("not a list")
    except TypeError:  # an item that is not a string
        return pl.Series(name, values, dtype=_LIST, strict=True)
    joined = pl.Series(name, texts, dtype=pl.String)
    if (joined.str.count_matches(_SEP, literal=True).sum() or 0) != separators:
        return pl.Series(name, values, dtype=_LIST, strict=True)
    lists = joined.str.split(_SEP)
    if not nulls:
        return lists.fill_null(pl.lit([], dtype=_LIST))
    if nulls == joined.null_count():
        return lists
    empty = pl.Series([value is not None and not value for value in values], dtype=pl.Boolean)
    return pl.select(pl.when(empty).then(pl.lit([], dtype=_LIST)).otherwise(lists).alias(name)).to_series()


def _bad_value(path: Path, table: str, columns: Sequence[str], name: str, sql_type: str, rows: list[tuple]) -> InputError:
    i = columns.index(name)
    key = columns.index("unique_id") if "unique_id" in columns else 0
    for row in rows:
        value = row[i]
        if value is None or _fits(value, sql_type):
            continue
        return InputError(
            path,
            _clip(f"unexpected shape at {row[key]!r}: {name} is {_kind(value)} ({_brief(value)})", 300),
        )
    return InputError(path, f"unexpected shape: {table}.{name} has a value of the wrong type")


def _fits(value: object, sql_type: str) -> bool:
    if sql_type == "VARCHAR[]":
        return isinstance(value, (list, tuple)) and all(v is None or isinstance(v, str) for v in value)
    ok = isinstance(value, _PYTHON_TYPES[sql_type])
    if ok and sql_type in ("INTEGER", "BIGINT"):
        return not isinstance(value, bool) and -(2**63) <= value < 2**63
    return ok and (sql_type == "BOOLEAN" or not isinstance(value, bool))


INVOCATION_COLUMNS = (
    "invocation_id", "kind", "generated_at", "dbt_version", "schema_version", "command", "args",
    "elapsed_time", "target_name",
)  # fmt: skip


def invocation_id_of(doc: dict, metadata: dict) -> str:
    """``metadata.invocation_id``; for the rare artifact without one, a stable id of its content.

    dbt writes an invocation id from 0.19 on, but the schemas allow null. The derived id is
    ``derived-`` and the first 32 hex digits of the SHA-256 of the document (keys sorted), so
    the same file read twice gives the same id and two different files never share one.
    """
    invocation_id = metadata.get("invocation_id")
    if invocation_id:
        return text(invocation_id)  # type: ignore[return-value]
    digest = hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"derived-{digest[:32]}"


def number(value: object, what: str) -> float | None:
    """A JSON number as float (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ShapeError(f"{what} is {_kind(value)}, expected a number")
    return float(value)


def threshold(value: object, what: str) -> dict | None:
    """A freshness threshold ``{count, period}``; None when missing or its count is null."""
    value = obj(value, what)
    return value if value.get("count") is not None else None
