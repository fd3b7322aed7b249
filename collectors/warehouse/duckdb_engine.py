"""DuckDB: the embedded default (sample_project's ``warehouse.duckdb``).

The file is opened read-only with extension autoloading and autoinstalling off (a warehouse
file must not make the console fetch code) and a memory limit; never through the store's
connection. Relations come from ``duckdb_tables()`` and ``duckdb_views()``, columns from
``duckdb_columns()``: one query each. Row counts are ``estimated_size`` (DuckDB's own count
of a table's rows, exact unless deletes are pending: ``row_count_exact`` is False); DuckDB
has no cheap per-table size, so ``bytes`` is NULL and the snapshot records the database's
size instead (``PRAGMA database_size``). DuckDB keeps no last-modified time: sources without
a ``loaded_at_field`` get no warehouse freshness.

DuckDB has no statement timeout: a timer interrupts the connection when a query outlives
its share of the budget.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import duckdb
import polars as pl

from collectors.warehouse._common import (
    COLUMN_SCHEMA, NULLS_SCHEMA, RELATION_SCHEMA, Budget, Plan, WarehouseRead, WarehouseUnavailable,
    catalogue_frame, count_nulls_query, empty_read, first_line, frame, freshness_row, max_query,
)
from collectors.warehouse.target import WarehouseTarget

MEMORY_LIMIT = os.environ.get("CONSOLE_WAREHOUSE_MEMORY_LIMIT", "1GB")

_RELATIONS = """
SELECT database_name, schema_name, table_name, 'table', estimated_size, NULL::BIGINT
FROM duckdb_tables() WHERE NOT internal AND NOT temporary AND database_name = current_database()
UNION ALL
SELECT database_name, schema_name, view_name, 'view', NULL, NULL
FROM duckdb_views() WHERE NOT internal AND NOT temporary AND database_name = current_database()
ORDER BY 2, 3
"""
_COLUMNS = """
SELECT database_name, schema_name, table_name, column_name, data_type, column_index, is_nullable
FROM duckdb_columns() WHERE NOT internal AND database_name = current_database()
ORDER BY schema_name, table_name, column_index
"""


def connect(target: WarehouseTarget) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file read-only.

    Raises:
        WarehouseUnavailable: no such file, not a DuckDB file, or held by a writer.
    """
    path = Path(target.params["path"])
    if not path.is_file():
        raise WarehouseUnavailable(f"{target.label}: no DuckDB file at {path}")
    config = {"memory_limit": MEMORY_LIMIT, "autoload_known_extensions": False, "autoinstall_known_extensions": False}
    try:
        return duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.Error as e:
        raise WarehouseUnavailable(f"{target.label}: cannot open {path} read-only: {first_line(e)}") from None


def _bounded(con: duckdb.DuckDBPyConnection, sql: str, seconds: float) -> list[tuple]:
    """Run ``sql``; interrupt it after ``seconds`` (duckdb.InterruptException)."""
    timer = threading.Timer(max(seconds, 0.001), con.interrupt)
    timer.start()
    try:
        return con.execute(sql).fetchall()
    finally:
        timer.cancel()


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, seconds: float) -> pl.DataFrame:
    """A catalogue query straight into polars (Arrow, no Python rows), interrupted after ``seconds``."""
    timer = threading.Timer(max(seconds, 0.001), con.interrupt)
    timer.start()
    try:
        return con.sql(sql).pl()
    finally:
        timer.cancel()


RELATION_COLUMNS = ("database", "schema", "name", "table_type", "row_count", "bytes")
COLUMN_COLUMNS = ("database", "schema", "name", "column_name", "data_type", "position", "is_nullable")


def list_catalogue(con: duckdb.DuckDBPyConnection, plan: Plan, out: WarehouseRead) -> None:
    """Relations and columns of the schemas the plan wants, into ``out``."""
    out.relations = catalogue_frame(_fetch(con, _RELATIONS, plan.statement_timeout), RELATION_SCHEMA, plan,
                                    names=RELATION_COLUMNS, row_count_exact=False)
    out.columns = catalogue_frame(_fetch(con, _COLUMNS, plan.statement_timeout), COLUMN_SCHEMA, plan, names=COLUMN_COLUMNS)
    size = con.execute("SELECT block_size * total_blocks FROM pragma_database_size() WHERE database_name = current_database()").fetchall()
    out.bytes = int(size[0][0]) if size and size[0][0] is not None else None


def _listed(out: WarehouseRead) -> set[tuple[str, str]]:
    return {(s.lower(), n.lower()) for s, n in zip(out.relations["schema"].to_list(), out.relations["name"].to_list())}


def measure_freshness(con: duckdb.DuckDBPyConnection, plan: Plan, out: WarehouseRead) -> None:
    """max(loaded_at_field) of each requested source, all within ``plan.freshness_timeout``."""
    budget = Budget(plan.freshness_timeout)
    listed = _listed(out)
    rows = []
    for req in plan.freshness:
        if not req.loaded_at_field:
            continue  # DuckDB keeps no last-modified time
        what = f"freshness of {req.unique_id}"
        if (req.schema.lower(), req.identifier.lower()) not in listed:
            rows.append(freshness_row(req, method="loaded_at_field", error=f"relation {req.relation} is not in the warehouse"))
            continue
        if budget.spent():
            out.skip(what, f"the freshness budget of {plan.freshness_timeout:g} s was spent")
            continue
        try:
            sql = max_query(req, "duckdb")
            value = _bounded(con, sql, budget.share())[0][0]
            rows.append(freshness_row(req, method="loaded_at_field", value=value))
        except ValueError as e:
            rows.append(freshness_row(req, method="loaded_at_field", error=str(e)))
        except duckdb.InterruptException:
            out.skip(what, f"max({req.loaded_at_field}) on {req.relation} outlived the freshness budget of {plan.freshness_timeout:g} s")
        except duckdb.Error as e:  # dropped since the listing, a bad column...
            reason = first_line(e)
            out.skip(what, reason)
            rows.append(freshness_row(req, method="loaded_at_field", error=reason))
    out.freshness = frame(rows, out.freshness.schema) if rows else out.freshness


def count_nulls(con: duckdb.DuckDBPyConnection, plan: Plan, out: WarehouseRead) -> None:
    """NULLs per column of the relations ``plan.null_checks`` names, within its budget."""
    if not plan.null_checks or out.columns.is_empty():
        return
    budget = Budget(plan.null_check_timeout)
    rows = []
    for (db, schema, name), cols in out.columns.group_by(["database", "schema", "name"], maintain_order=True):
        if not plan.wants_nulls(schema, name):
            continue
        what = f"NULL counts of {schema}.{name}"
        if budget.spent():
            out.skip(what, f"the NULL-check budget of {plan.null_check_timeout:g} s was spent")
            continue
        names = cols["column_name"].to_list()
        try:
            counts = _bounded(con, count_nulls_query(db, schema, name, names, "duckdb"), budget.share())[0]
        except duckdb.InterruptException:
            out.skip(what, f"outlived the NULL-check budget of {plan.null_check_timeout:g} s")
            continue
        except duckdb.Error as e:
            out.skip(what, first_line(e))
            continue
        total = counts[0]
        rows.extend((db, schema, name, c, total, total - n) for c, n in zip(names, counts[1:]))
    out.nulls = frame(rows, NULLS_SCHEMA)


def read(target: WarehouseTarget, plan: Plan) -> WarehouseRead:
    """Everything the plan asks of a DuckDB warehouse.

    Raises:
        WarehouseUnavailable: the file cannot be opened, or its catalogue cannot be listed.
    """
    t0 = time.perf_counter()
    out = empty_read("duckdb", target.label)
    con = connect(target)
    try:
        try:
            list_catalogue(con, plan, out)
        except duckdb.InterruptException:
            raise WarehouseUnavailable(f"{target.label}: listing the catalogue outlived the statement timeout of {plan.statement_timeout:g} s") from None
        except duckdb.Error as e:
            raise WarehouseUnavailable(f"{target.label}: cannot list the catalogue: {first_line(e)}") from None
        measure_freshness(con, plan, out)
        count_nulls(con, plan, out)
    finally:
        con.close()
    out.seconds = time.perf_counter() - t0
    return out
