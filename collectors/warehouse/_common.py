"""What every engine module shares: the read plan, the result, frames, bounded queries.

An engine module (``duckdb_engine``, ``postgres_engine``, ``snowflake_engine``,
``bigquery_engine``) exposes ``read(target, plan) -> WarehouseRead``. It lists relations and
columns from the engine's catalogue in a few set-based queries (never one query per table),
then runs the per-relation queries a plan asks for, freshness and opt-in NULL counts, each
under the time left in its budget. Anything that fails on one relation (dropped since the
listing, permission denied, a timeout) becomes a ``skipped`` entry naming it and the reason;
the read goes on.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

# sqlglot (about 0.17 s to import) is imported by the two query builders that need it: a
# collect that reads no warehouse, or a warehouse without freshness or NULL counts, never pays for it.

RELATION_SCHEMA = {
    "database": pl.String, "schema": pl.String, "name": pl.String, "table_type": pl.String,
    "row_count": pl.Int64, "bytes": pl.Int64, "last_altered": pl.Datetime("us"),
    "row_count_exact": pl.Boolean, "stats": pl.String,
}
COLUMN_SCHEMA = {
    "database": pl.String, "schema": pl.String, "name": pl.String, "column_name": pl.String,
    "data_type": pl.String, "position": pl.Int64, "is_nullable": pl.Boolean,
}
FRESHNESS_SCHEMA = {
    "unique_id": pl.String, "relation": pl.String, "method": pl.String, "loaded_at_field": pl.String,
    "max_loaded_at": pl.Datetime("us"), "checked_at": pl.Datetime("us"), "error": pl.String,
}
NULLS_SCHEMA = {
    "database": pl.String, "schema": pl.String, "name": pl.String, "column_name": pl.String,
    "row_count": pl.Int64, "null_count": pl.Int64,
}


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read at all (no file, host unreachable, login refused, driver
    missing). ``str()`` is one line naming the target, never a secret."""


class DriverMissing(WarehouseUnavailable):
    """The engine's connector (an optional extra) is not installed: an input error even for the
    default profile, since nothing but installing it (or turning the warehouse off) helps."""


@dataclass(frozen=True)
class FreshnessRequest:
    """A source to measure: its relation and its ``loaded_at_field`` (None: last-modified time)."""

    unique_id: str
    database: str | None
    schema: str
    identifier: str
    loaded_at_field: str | None
    filter: str | None = None  # the source's freshness filter (a SQL condition), as dbt applies it

    @property
    def relation(self) -> str:
        return ".".join(p for p in (self.database, self.schema, self.identifier) if p)


@dataclass(frozen=True)
class Plan:
    """What to read beyond the catalogue, and how long anything may take.

    Attributes:
        schemas: schemas to list (lower case); empty: every schema the engine shows.
        freshness: sources to measure.
        null_checks: globs of ``schema.relation`` (lower case) whose columns' NULLs are counted.
        connect_timeout: seconds to wait for a connection.
        statement_timeout: seconds any one catalogue statement may take.
        freshness_timeout: seconds all freshness queries together may take.
        null_check_timeout: seconds all NULL counts together may take.
        query_log: read the engine's own query log where it keeps one (PostgreSQL's
            ``pg_stat_statements``) into :attr:`WarehouseRead.statements`.
    """

    schemas: tuple[str, ...] = ()
    freshness: tuple[FreshnessRequest, ...] = ()
    null_checks: tuple[str, ...] = ()
    connect_timeout: float = 10.0
    statement_timeout: float = 30.0
    freshness_timeout: float = 10.0
    null_check_timeout: float = 10.0
    query_log: bool = True

    def wants_schema(self, schema: str) -> bool:
        return not self.schemas or schema.lower() in self.schemas

    def wants_nulls(self, schema: str, name: str) -> bool:
        """Example:
            >>> Plan(null_checks=("analytics.exp_*",)).wants_nulls("ANALYTICS", "exp_crm")
            True
        """
        key = f"{schema}.{name}".lower()
        return any(fnmatch.fnmatchcase(key, g) for g in self.null_checks)


@dataclass
class WarehouseRead:
    """What one engine read returned (frames without collect ids)."""

    engine: str
    target: str
    relations: pl.DataFrame
    columns: pl.DataFrame
    freshness: pl.DataFrame
    nulls: pl.DataFrame
    bytes: int | None = None
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    statements: pl.DataFrame | None = None
    """The engine's query log as a dump of it has it (PostgreSQL: ``pg_stat_statements``
    columns, text), or None when the engine keeps none or it was not read."""

    def skip(self, what: str, reason: str) -> None:
        self.skipped.append({"what": what, "reason": " ".join(reason.split())})


#: The engines' names of relation kinds (lower case) -> the store's ``table_type``.
TABLE_TYPES = {
    "table": "table", "base table": "table", "temporary table": "table", "local temporary": "table",
    "transient": "table", "clone": "table", "snapshot": "table", "dynamic table": "table",
    "view": "view", "materialized view": "materialized view", "materialized_view": "materialized view",
    "external": "external", "external table": "external", "foreign": "external", "foreign table": "external",
}
#: Schemas that hold the engine's own catalogue, never the project's relations.
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


def _to(column: str, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    """``column`` of dtype ``source`` as ``target``: text booleans (``t``, ``true``, ``yes``,
    ``1``) and text times (ISO) parsed, aware times as naive UTC, anything else cast."""
    col = pl.col(column)
    if source == target:
        return col
    if target == pl.Boolean and source == pl.String:
        return pl.when(col.is_not_null()).then(col.str.to_lowercase().is_in(["t", "true", "yes", "y", "1"]))
    if isinstance(target, pl.Datetime):
        if source == pl.String:
            return col.str.to_datetime(time_unit="us", strict=False)
        if isinstance(source, pl.Datetime) and source.time_zone:
            return col.dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(target)
    return col.cast(target, strict=False)


def catalogue_frame(rows: pl.DataFrame | list[tuple], schema: dict[str, Any], plan: Plan | None = None,
                    names: tuple[str, ...] | None = None, **constants: Any) -> pl.DataFrame:
    """The one shaping of a catalogue query's rows into a relations or columns frame.

    Every engine hands its rows here: DuckDB a frame from Arrow, PostgreSQL a frame parsed
    from CSV (all text), Snowflake and BigQuery the connector's tuples. The result has exactly
    ``schema``'s columns and types: a column the rows lack takes its value from ``constants``
    (e.g. ``database=``, ``row_count_exact=``), else NULL; text booleans and times are parsed,
    aware times become naive UTC; ``table_type`` is the store's word (:data:`TABLE_TYPES`;
    an unknown kind is kept in lower case); the engine's system schemas and the schemas
    ``plan`` does not want are left out.

    Args:
        rows: a frame, or tuples; their columns are named by ``names`` in order (default: a
            frame's own names; tuples: ``schema``'s names).
        schema: :data:`RELATION_SCHEMA` or :data:`COLUMN_SCHEMA`.
        plan: the read's plan (its ``schemas``), or None for every schema.
        names: what the rows' columns are, in order.
        constants: values of columns the rows do not hold.

    Example:
        >>> rows = [("PROD", "RAW", "ORDERS", "BASE TABLE", 40, 8192, None, True, None),
        ...         ("PROD", "INFORMATION_SCHEMA", "TABLES", "VIEW", None, None, None, True, None)]
        >>> catalogue_frame(rows, RELATION_SCHEMA).select("schema", "name", "table_type").rows()
        [('RAW', 'ORDERS', 'table')]
        >>> cols = pl.DataFrame({"s": ["raw"], "t": ["orders"], "c": ["id"], "ty": ["integer"], "p": ["1"], "n": ["f"]})
        >>> catalogue_frame(cols, COLUMN_SCHEMA, names=("schema", "name", "column_name", "data_type", "position", "is_nullable"),
        ...                 database="shop").row(0)
        ('shop', 'raw', 'orders', 'id', 'integer', 1, False)
    """
    if isinstance(rows, pl.DataFrame):
        got = rows if names is None else rows.rename(dict(zip(rows.columns, names)))
    else:
        given = list(names or schema)
        got = pl.DataFrame([r[: len(given)] for r in rows], schema=given, orient="row", infer_schema_length=None)
    exprs = []
    for name, dtype in schema.items():
        if name in got.columns:
            exprs.append(_to(name, got.schema[name], dtype).alias(name))
        else:
            exprs.append(pl.lit(constants.get(name), dtype=dtype).alias(name))
    out = got.select(exprs)
    if "table_type" in schema:
        kind = pl.col("table_type").str.to_lowercase()
        out = out.with_columns(kind.replace_strict(TABLE_TYPES, default=kind, return_dtype=pl.String).alias("table_type"))
    keep = ~pl.col("schema").str.to_lowercase().is_in(SYSTEM_SCHEMAS)
    if plan is not None and plan.schemas:
        keep &= pl.col("schema").str.to_lowercase().is_in(plan.schemas)
    return out.filter(keep)


def frame(rows: list[tuple] | list[dict], schema: dict[str, Any]) -> pl.DataFrame:
    """A frame of ``rows`` (tuples in schema order, or dicts) with exactly ``schema``."""
    if rows and isinstance(rows[0], dict):
        return pl.DataFrame(rows, schema=schema)
    return pl.DataFrame(rows, schema=schema, orient="row")


def empty_read(engine: str, target: str) -> WarehouseRead:
    return WarehouseRead(engine, target, frame([], RELATION_SCHEMA), frame([], COLUMN_SCHEMA),
                         frame([], FRESHNESS_SCHEMA), frame([], NULLS_SCHEMA))


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Budget:
    """Seconds left of a time budget.

    Example:
        >>> b = Budget(10.0)
        >>> 9.0 < b.left() <= 10.0, b.spent()
        (True, False)
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def spent(self) -> bool:
        return self.left() <= 0.0

    def share(self) -> float:
        """What one query may take: half of what is left (at least 50 ms), so that one stuck
        relation (locked, huge) never starves every query after it."""
        return max(self.left() / 2, min(self.left(), 0.05))


def max_query(request: FreshnessRequest, dialect: str) -> str:
    """``SELECT max(<loaded_at_field>) FROM <relation>``, built with sqlglot, identifiers quoted.

    The field is parsed as an expression in ``dialect`` (dbt allows expressions such as
    ``convert_timezone('UTC', loaded_at)``); the source's freshness ``filter``, when it has one,
    becomes the WHERE clause, as dbt applies it.

    Raises:
        ValueError: the field is not an expression sqlglot can parse.

    Example:
        >>> r = FreshnessRequest("source.p.raw.orders", "wh", "raw", "orders", "_loaded_at")
        >>> max_query(r, "duckdb")
        'SELECT MAX(_loaded_at) FROM "wh"."raw"."orders"'
        >>> print(max_query(FreshnessRequest("s", None, "raw", "orders", "_loaded_at", "_loaded_at > now() - interval 7 day"), "duckdb"))
        SELECT MAX(_loaded_at) FROM "raw"."orders" WHERE _loaded_at > NOW() - INTERVAL '7' DAY
    """
    import sqlglot
    from sqlglot import exp

    try:
        field_expr = sqlglot.parse_one(request.loaded_at_field or "", dialect=dialect)
    except sqlglot.errors.ParseError as e:
        raise ValueError(f"loaded_at_field `{request.loaded_at_field}` does not parse: {first_line(e)}") from None
    if isinstance(field_expr, exp.Query) or field_expr.find(exp.Query):
        raise ValueError(f"loaded_at_field `{request.loaded_at_field}` is a query, not an expression")
    table = exp.table_(request.identifier, db=request.schema, catalog=request.database, quoted=True)
    query = exp.select(exp.Max(this=field_expr)).from_(table)
    if request.filter:
        try:
            condition = sqlglot.parse_one(request.filter, dialect=dialect)
        except sqlglot.errors.ParseError as e:
            raise ValueError(f"freshness filter `{request.filter}` does not parse: {first_line(e)}") from None
        if not isinstance(condition, exp.Condition) or isinstance(condition, exp.Query):
            raise ValueError(f"freshness filter `{request.filter}` is not a condition")
        query = query.where(condition)
    return query.sql(dialect=dialect)


def count_nulls_query(database: str | None, schema: str, name: str, columns: list[str], dialect: str) -> str:
    """``SELECT count(*), count(c1), ... FROM relation`` (NULLs = rows - count(c)).

    Example:
        >>> count_nulls_query(None, "analytics", "t", ["a", "b c"], "postgres")
        'SELECT COUNT(*), COUNT("a"), COUNT("b c") FROM "analytics"."t"'
    """
    from sqlglot import exp

    cols = [exp.Count(this=exp.Star())] + [exp.Count(this=exp.column(c, quoted=True)) for c in columns]
    table = exp.table_(name, db=schema, catalog=database, quoted=True)
    return exp.select(*cols).from_(table).sql(dialect=dialect)


def naive_utc(value: Any) -> dt.datetime | None:
    """A freshness value as naive UTC: aware times converted, dates at midnight, ISO text parsed.

    Raises:
        ValueError: the value is not a time.

    Example:
        >>> naive_utc(dt.datetime(2026, 11, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
        datetime.datetime(2026, 11, 7, 8, 0)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return naive_utc(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    raise ValueError(f"not a time: {type(value).__name__}")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def freshness_row(request: FreshnessRequest, *, method: str, value: Any = None, error: str | None = None) -> dict:
    """One freshness row; a value that is not a time becomes the row's error."""
    moment = None
    if error is None:
        try:
            moment = naive_utc(value)
        except ValueError as e:
            error = f"max({request.loaded_at_field}) is {e}"
    return {
        "unique_id": request.unique_id, "relation": request.relation, "method": method,
        "loaded_at_field": request.loaded_at_field, "max_loaded_at": moment, "checked_at": now_utc(), "error": error,
    }
