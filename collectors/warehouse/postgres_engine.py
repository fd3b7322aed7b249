"""PostgreSQL with psycopg 3: the catalogue from ``pg_catalog``, counters from ``pg_stat_user_tables``.

One session, read-only (``default_transaction_read_only``), with ``connect_timeout``,
``statement_timeout`` and ``lock_timeout`` set at connection time. Relations come from
``pg_class``/``pg_namespace`` (tables, partitioned tables, views, materialized views,
foreign tables), joined with ``pg_stat_user_tables`` for live rows, inserts, updates, deletes
and the last (auto)analyze; columns from ``pg_attribute`` with ``format_type`` (the names
``information_schema.columns`` shows, at a fraction of its cost on thousands of tables).
Row counts are estimates (``n_live_tup``, else ``reltuples``). Sizes are ``relpages`` times
the block size (the planner's figure, kept by VACUUM, ANALYZE and autovacuum; NULL before a
relation's first analyze). Decision: not ``pg_total_relation_size``, which takes a lock on
every relation: one table held by a migration (ACCESS EXCLUSIVE) would stall the whole listing
until its timeout; the catalogue queries here take no relation locks. A schema the role has no
``USAGE`` on is skipped with its reason.

``pg_stat_statements``, when the extension is installed in the database, is read as a query
log: :func:`query_log` returns its statements (query text, calls, role).

The server's own error text is kept (first line), with any password scrubbed by the caller;
the connection string never reaches a message.
"""

from __future__ import annotations

import time

import polars as pl

from collectors.warehouse._common import (
    COLUMN_SCHEMA, NULLS_SCHEMA, RELATION_SCHEMA, Budget, Plan, WarehouseRead, WarehouseUnavailable,
    count_nulls_query, empty_read, first_line, frame, freshness_row, max_query,
)
from collectors.warehouse.target import WarehouseTarget

_SYSTEM = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND left(n.nspname, 3) <> 'pg_'"

SCHEMAS_SQL = f"""
SELECT n.nspname, has_schema_privilege(n.oid, 'USAGE')
FROM pg_namespace n WHERE {_SYSTEM} ORDER BY 1
"""
RELATIONS_SQL = f"""
SELECT current_database(), n.nspname, c.relname,
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'external' ELSE 'table' END,
       CASE WHEN c.relkind IN ('v', 'f') THEN NULL
            WHEN s.n_live_tup > 0 OR c.reltuples < 0 THEN s.n_live_tup
            ELSE c.reltuples::bigint END,
       CASE WHEN c.relkind IN ('r', 'm') AND c.reltuples >= 0 THEN c.relpages::bigint * current_setting('block_size')::bigint END,
       NULL::timestamp,
       false,
       CASE WHEN s.relid IS NOT NULL THEN json_build_object(
           'n_live_tup', s.n_live_tup, 'n_dead_tup', s.n_dead_tup, 'n_tup_ins', s.n_tup_ins,
           'n_tup_upd', s.n_tup_upd, 'n_tup_del', s.n_tup_del,
           'last_analyze', s.last_analyze, 'last_autoanalyze', s.last_autoanalyze)::text END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND {_SYSTEM}
  AND n.nspname = ANY(%(schemas)s)
"""
COLUMNS_SQL = f"""
SELECT current_database(), n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnum::int, NOT a.attnotnull
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND {_SYSTEM} AND n.nspname = ANY(%(schemas)s)
"""
#: The bare catalogue query the benchmark compares the collect with.
BARE_CATALOGUE_SQL = "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
STATEMENTS_SQL = """
SELECT s.queryid::text, r.rolname, s.calls, s.query
FROM pg_stat_statements s LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY s.calls DESC LIMIT %(limit)s
"""


def _psycopg():
    import psycopg

    return psycopg


def connect(target: WarehouseTarget, plan: Plan):
    """A read-only autocommit session with its timeouts.

    Raises:
        WarehouseUnavailable: unreachable, refused, wrong password (one line, no secret).
    """
    psycopg = _psycopg()
    ms = int(plan.statement_timeout * 1000)
    options = f"-c default_transaction_read_only=on -c statement_timeout={ms} -c lock_timeout={ms}"
    kwargs = {"connect_timeout": max(1, round(plan.connect_timeout)), "options": options, "autocommit": True,
              "application_name": "console-warehouse"}
    params = dict(target.params)
    try:
        if params.get("conninfo"):
            return psycopg.connect(params["conninfo"], **kwargs)
        keys = ("host", "port", "user", "dbname", "password", "sslmode")
        return psycopg.connect(**{k: params[k] for k in keys if params.get(k) not in (None, "")}, **kwargs)
    except psycopg.Error as e:
        raise WarehouseUnavailable(f"{target.label}: cannot connect: {_reason(e)}") from None


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__


def list_catalogue(con, plan: Plan, out: WarehouseRead) -> None:
    """Relations and columns of the schemas the plan wants and the role may use."""
    usable = []
    for schema, usage in con.execute(SCHEMAS_SQL).fetchall():
        if not plan.wants_schema(schema):
            continue
        if usage:
            usable.append(schema)
        else:
            out.skip(f"schema {schema}", "permission denied: the role has no USAGE on it")
    out.relations = _copy_frame(con, RELATIONS_SQL, usable, RELATION_SCHEMA)
    out.columns = _copy_frame(con, COLUMNS_SQL, usable, COLUMN_SCHEMA)


def _copy_frame(con, query: str, schemas: list[str], schema: dict) -> pl.DataFrame:
    """A catalogue query streamed as CSV (``COPY ... TO STDOUT``) and parsed by polars: no
    Python object per row, which at 5,000 tables (40,000 columns) costs more than the query."""
    from psycopg import sql

    if not schemas:
        return frame([], schema)
    stmt = sql.SQL("COPY (" + query.replace("%(schemas)s", "{schemas}") + ") TO STDOUT WITH (FORMAT csv)").format(
        schemas=sql.Literal(schemas)
    )
    data = bytearray()
    with con.cursor().copy(stmt) as copy:
        for chunk in copy:
            data += chunk
    if not data:
        return frame([], schema)
    text_schema = {c: (pl.String if t in (pl.Boolean,) or isinstance(t, pl.Datetime) else t) for c, t in schema.items()}
    got = pl.read_csv(bytes(data), has_header=False, new_columns=list(schema), schema=text_schema)
    return got.with_columns(
        [(pl.col(c) == "t").alias(c) for c, t in schema.items() if t == pl.Boolean]
        + [pl.col(c).str.to_datetime(time_unit="us", strict=False).alias(c) for c, t in schema.items() if isinstance(t, pl.Datetime)]
    )


def _bounded(con, sql: str, seconds: float):
    """Run ``sql`` with a statement timeout of ``seconds`` (at least 1 ms), then restore it."""
    ms = max(1, int(seconds * 1000))
    con.execute(f"SET statement_timeout = {ms}")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.execute("RESET statement_timeout")


def _is_timeout(psycopg, error) -> bool:
    return isinstance(error, (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable))


def measure_freshness(con, plan: Plan, out: WarehouseRead) -> None:
    """max(loaded_at_field) of each requested source, all within ``plan.freshness_timeout``.

    Raises:
        WarehouseUnavailable: the connection was lost (the caller keeps what was read).
    """
    psycopg = _psycopg()
    budget = Budget(plan.freshness_timeout)
    listed = {(s.lower(), n.lower()) for s, n in out.relations.select("schema", "name").iter_rows()}
    denied = {s["what"].removeprefix("schema ").lower() for s in out.skipped if s["what"].startswith("schema ")}
    rows = []
    for req in plan.freshness:
        if not req.loaded_at_field:
            continue  # PostgreSQL keeps no last-modified time
        what = f"freshness of {req.unique_id}"
        if req.schema.lower() in denied:
            out.skip(what, f"permission denied on schema {req.schema}")
            continue
        if (req.schema.lower(), req.identifier.lower()) not in listed:
            rows.append(freshness_row(req, method="loaded_at_field", error=f"relation {req.relation} is not in the warehouse"))
            continue
        if budget.spent():
            out.skip(what, f"the freshness budget of {plan.freshness_timeout:g} s was spent")
            continue
        try:
            sql = max_query(req, "postgres")
        except ValueError as e:
            rows.append(freshness_row(req, method="loaded_at_field", error=str(e)))
            continue
        try:
            value = _bounded(con, sql, budget.share())[0][0]
            rows.append(freshness_row(req, method="loaded_at_field", value=value))
        except psycopg.Error as e:
            if _is_timeout(psycopg, e):
                out.skip(what, f"max({req.loaded_at_field}) on {req.relation} timed out (freshness budget {plan.freshness_timeout:g} s): {first_line(e)}")
                continue
            if con.closed or con.broken:
                out.freshness = frame(rows, out.freshness.schema) if rows else out.freshness
                raise WarehouseUnavailable(f"connection lost: {_reason(e)}") from None
            reason = first_line(e)  # dropped since the listing, permission denied, a bad column
            out.skip(what, reason)
            rows.append(freshness_row(req, method="loaded_at_field", error=reason))
    out.freshness = frame(rows, out.freshness.schema) if rows else out.freshness


def count_nulls(con, plan: Plan, out: WarehouseRead) -> None:
    """NULLs per column of the relations ``plan.null_checks`` names, within its budget."""
    if not plan.null_checks or out.columns.is_empty():
        return
    psycopg = _psycopg()
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
            counts = _bounded(con, count_nulls_query(None, schema, name, names, "postgres"), budget.share())[0]
        except psycopg.Error as e:
            if not _is_timeout(psycopg, e) and (con.closed or con.broken):
                out.nulls = frame(rows, NULLS_SCHEMA)
                raise WarehouseUnavailable(f"connection lost: {_reason(e)}") from None
            out.skip(what, first_line(e))
            continue
        total = counts[0]
        rows.extend((db, schema, name, c, total, total - n) for c, n in zip(names, counts[1:]))
    out.nulls = frame(rows, NULLS_SCHEMA)


def query_log(con, limit: int = 1000) -> list[tuple[str, str, int, str]] | None:
    """``pg_stat_statements`` (queryid, role, calls, query), or None when the extension is absent."""
    psycopg = _psycopg()
    if not con.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchall():
        return None
    try:
        return con.execute(STATEMENTS_SQL, {"limit": limit}).fetchall()
    except psycopg.Error:  # installed but not preloaded: the view refuses to be read
        return None


def read(target: WarehouseTarget, plan: Plan) -> WarehouseRead:
    """Everything the plan asks of a PostgreSQL database.

    Raises:
        WarehouseUnavailable: no connection, or the catalogue cannot be listed. A connection
            lost after the listing is a skip: what was read is kept.
    """
    psycopg = _psycopg()
    t0 = time.perf_counter()
    out = empty_read("postgres", target.label)
    con = connect(target, plan)
    try:
        try:
            list_catalogue(con, plan, out)
        except psycopg.Error as e:
            raise WarehouseUnavailable(f"{target.label}: cannot list the catalogue: {_reason(e)}") from None
        for step, name in ((measure_freshness, "freshness"), (count_nulls, "NULL counts")):
            try:
                step(con, plan, out)
            except WarehouseUnavailable as e:
                out.skip(f"{name} and what follows", str(e))
                break
    finally:
        con.close()
    out.seconds = time.perf_counter() - t0
    return out
