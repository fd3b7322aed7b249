"""PostgreSQL with psycopg 3: the catalogue from ``pg_catalog``, counters from the statistics collector.

One session, read-only (``default_transaction_read_only``), with ``connect_timeout``,
``statement_timeout`` and ``lock_timeout`` set at connection time. Relations come from
``pg_class``/``pg_namespace`` (tables, partitioned tables, views, materialized views,
foreign tables), with the counters ``pg_stat_user_tables`` shows (live rows, inserts,
updates, deletes, the last (auto)analyze) read by its ``pg_stat_get_*`` functions; columns from ``pg_attribute`` with ``format_type`` (the names
``information_schema.columns`` shows, at a fraction of its cost on thousands of tables).
Row counts are estimates (``n_live_tup``, else ``reltuples``). Sizes are ``relpages`` times
the block size (the planner's figure, kept by VACUUM, ANALYZE and autovacuum; NULL before a
relation's first analyze). Decision: not ``pg_total_relation_size``, which takes a lock on
every relation: one table held by a migration (ACCESS EXCLUSIVE) would stall the whole listing
until its timeout; the catalogue queries here take no relation locks. A schema the role has no
``USAGE`` on is skipped with its reason.

``pg_stat_statements``, when the extension is installed in the database, is read as a query
log (:func:`read_statements`): its rows as a dump of the view has them, which the query-log
phase reads like such a dump (:mod:`collectors.query_logs.pg_live`). Every query this module
runs opens with :data:`MARK`, and is left out of it.

Round trips: the connection (its read-only mode and timeouts ride in the startup packet), one
for the schemas (and where pg_stat_statements lives), one ``COPY`` each for relations (on a
second session, at the same time as the columns: :class:`_Beside`), columns and statements, then one per freshness source and per NULL-checked relation (the
timeout set, the query run and the timeout reset in one message). Never one per table.

The server's own error text is kept (first line), with any password scrubbed by the caller;
the connection string never reaches a message.
"""

from __future__ import annotations

import threading
import time

import polars as pl

from collectors.warehouse._common import (
    COLUMN_SCHEMA, NULLS_SCHEMA, RELATION_SCHEMA, Budget, Plan, WarehouseRead, WarehouseUnavailable,
    catalogue_frame, count_nulls_query, empty_read, first_line, frame, freshness_row, max_query,
)
from collectors.warehouse.target import WarehouseTarget

_SYSTEM = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND left(n.nspname, 3) <> 'pg_'"
#: Relations an extension owns (pg_stat_statements' views in ``public``) are the extension's,
#: not the project's nor built by hand: left out.
_NOT_EXTENSION = (
    "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')"
)

#: Schemas with the role's USAGE, and the schema pg_stat_statements is installed in (NULL:
#: not installed): one round trip.
SCHEMAS_SQL = f"""
SELECT n.nspname, has_schema_privilege(n.oid, 'USAGE'),
       (SELECT x.nspname FROM pg_extension e JOIN pg_namespace x ON x.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements')
FROM pg_namespace n WHERE {_SYSTEM} ORDER BY 1
"""
#: Relations with the statistics collector's counters, read with the ``pg_stat_get_*``
#: functions on each relation's oid: what ``pg_stat_user_tables`` shows, without that view's
#: join with ``pg_index`` and its grouping (measured: 47 ms instead of 129 ms at 5,000 tables).
RELATIONS_SQL = f"""
SELECT n.nspname, c.relname,
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'external' ELSE 'table' END,
       CASE WHEN c.relkind IN ('v', 'f') THEN NULL
            WHEN pg_stat_get_live_tuples(c.oid) > 0 OR c.reltuples < 0 THEN pg_stat_get_live_tuples(c.oid)
            ELSE c.reltuples::bigint END,
       CASE WHEN c.relkind IN ('r', 'm') AND c.reltuples >= 0 THEN c.relpages::bigint * current_setting('block_size')::bigint END,
       CASE WHEN c.relkind IN ('r', 'm', 'p') THEN json_build_object(
           'n_live_tup', pg_stat_get_live_tuples(c.oid), 'n_dead_tup', pg_stat_get_dead_tuples(c.oid),
           'n_tup_ins', pg_stat_get_tuples_inserted(c.oid), 'n_tup_upd', pg_stat_get_tuples_updated(c.oid),
           'n_tup_del', pg_stat_get_tuples_deleted(c.oid), 'last_analyze', pg_stat_get_last_analyze_time(c.oid),
           'last_autoanalyze', pg_stat_get_last_autoanalyze_time(c.oid))::text END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND {_SYSTEM}
  AND n.nspname = ANY(%(schemas)s) AND {_NOT_EXTENSION}
"""
RELATION_COLUMNS = ("schema", "name", "table_type", "row_count", "bytes", "stats")
COLUMNS_SQL = f"""
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnum::int, NOT a.attnotnull
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND {_SYSTEM} AND n.nspname = ANY(%(schemas)s) AND {_NOT_EXTENSION}
"""
COLUMN_COLUMNS = ("schema", "name", "column_name", "data_type", "position", "is_nullable")
#: The bare catalogue query the benchmark compares the collect with.
BARE_CATALOGUE_SQL = "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
#: What a dump of ``pg_stat_statements`` holds, as :mod:`collectors.query_logs.formats` reads
#: it: this database's statements with the role's name (not its oid), the console's own
#: queries (marked by :data:`MARK`) left out, the most called first.
STATEMENTS_SQL = """
SELECT s.queryid, r.rolname, current_database() AS datname, s.calls, s.query{toplevel}
FROM {view} s LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND left(s.query, {mark_len}) <> {mark} AND s.query <> '<insufficient privilege>'
ORDER BY s.calls DESC LIMIT {limit}
"""
STATEMENT_COLUMNS = ("queryid", "rolname", "datname", "calls", "query")
#: The comment that opens every query this module runs (catalogue, freshness, NULL counts,
#: the query log itself), so that the query log read back leaves them out.
MARK = "/* console-warehouse */ "
#: At most this many statements are read (pg_stat_statements keeps 5,000 by default).
STATEMENTS_LIMIT = 5000


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


def list_catalogue(con, plan: Plan, out: WarehouseRead, target: WarehouseTarget | None = None) -> str | None:
    """Relations and columns of the schemas the plan wants and the role may use.

    With ``target``, the relations are listed on a second session while this one lists the
    columns (:class:`_Beside`); without it, one after the other on this session.

    Returns:
        The schema ``pg_stat_statements`` is installed in, or None.
    """
    from psycopg import sql

    usable, statements = [], None
    for schema, usage, statements in con.execute(MARK + SCHEMAS_SQL).fetchall():
        if not plan.wants_schema(schema):
            continue
        if usage:
            usable.append(schema)
        else:
            out.skip(f"schema {schema}", "permission denied: the role has no USAGE on it")
    database = con.info.dbname
    rels, cols = [], []
    if usable:
        def query(text: str):
            return sql.SQL(text.replace("%(schemas)s", "{schemas}")).format(schemas=sql.Literal(usable))

        beside = _Beside(target, plan, query(RELATIONS_SQL)) if target is not None else None
        if beside is not None:
            beside.start()
        try:
            cols = _copy_csv(con, query(COLUMNS_SQL), COLUMN_COLUMNS)
        finally:
            if beside is not None:
                beside.join()
        rels = beside.rows if beside is not None and beside.rows is not None else _copy_csv(con, query(RELATIONS_SQL), RELATION_COLUMNS)
    out.relations = catalogue_frame(rels, RELATION_SCHEMA, plan, names=RELATION_COLUMNS, database=database, row_count_exact=False)
    out.columns = catalogue_frame(cols, COLUMN_SCHEMA, plan, names=COLUMN_COLUMNS, database=database)
    return statements


class _Beside(threading.Thread):
    """The relations query on a session of its own, while the first session lists the columns:
    the server runs both at once. Measured at 5,000 tables on the loaded 2-core machine (load
    average 19): the two ``COPY`` statements took 0.49 to 0.65 s side by side instead of 0.62
    to 0.94 s one after the other. The second session is read-only with the same timeouts. If
    it cannot be had (a connection limit, a refused login), :attr:`rows` stays None and the
    first session runs the query after the columns, as without it."""

    def __init__(self, target: WarehouseTarget, plan: Plan, query):
        super().__init__(name="warehouse-relations", daemon=True)
        self.target, self.plan, self.query = target, plan, query
        self.rows: pl.DataFrame | None = None

    def run(self) -> None:
        psycopg = _psycopg()
        try:
            con = connect(self.target, self.plan)
        except WarehouseUnavailable:
            return  # the first session runs the query instead
        try:
            self.rows = _copy_csv(con, self.query, RELATION_COLUMNS)
        except psycopg.Error:
            return  # the first session runs it again and says what fails
        finally:
            con.close()


def _copy_csv(con, query, names: tuple[str, ...]) -> pl.DataFrame:
    """A query (a ``psycopg.sql`` composable) streamed as CSV (``COPY ... TO STDOUT``) and
    parsed by polars as text columns named ``names``: no Python object per row, which at
    5,000 tables (40,000 columns) costs more than the query. :func:`catalogue_frame` types them."""
    from psycopg import sql

    data = bytearray()
    with con.cursor().copy(sql.SQL(MARK + "COPY ({}) TO STDOUT WITH (FORMAT csv)").format(query)) as copy:
        for chunk in copy:
            data += chunk
    if not data:
        return pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    return pl.read_csv(bytes(data), has_header=False, new_columns=list(names), infer_schema=False)


def read_statements(con, view_schema: str, out: WarehouseRead) -> None:
    """``pg_stat_statements`` of this database into ``out.statements``, as a dump of the view
    has it (:data:`STATEMENT_COLUMNS`, all text); the view refusing to be read (the library
    not in ``shared_preload_libraries``) is a skip.

    Raises:
        WarehouseUnavailable: the connection was lost.
    """
    from psycopg import sql

    psycopg = _psycopg()
    toplevel = con.info.server_version >= 140000  # (the column came with PostgreSQL 14)
    names = STATEMENT_COLUMNS + (("toplevel",) if toplevel else ())
    query = sql.SQL(STATEMENTS_SQL.replace("{toplevel}", ", s.toplevel" if toplevel else "")).format(
        view=sql.Identifier(view_schema, "pg_stat_statements"), mark_len=len(MARK), mark=sql.Literal(MARK),
        limit=STATEMENTS_LIMIT,
    )
    try:
        out.statements = _copy_csv(con, query, names)
    except psycopg.Error as e:
        if con.closed or con.broken:
            raise WarehouseUnavailable(f"connection lost: {_reason(e)}") from None
        out.skip("query log pg_stat_statements", first_line(e))


def _bounded(con, query: str, seconds: float):
    """Rows of ``query`` under a statement timeout of ``seconds`` (at least 1 ms), in one round
    trip: ``SET``, the query and ``RESET`` go together, in one implicit transaction, so the
    timeout reverts also when the query fails. Each statement opens with :data:`MARK`."""
    ms = max(1, int(seconds * 1000))
    cur = con.execute(f"{MARK}SET statement_timeout = {ms}; {MARK}{query}; {MARK}RESET statement_timeout")
    cur.nextset()
    return cur.fetchall()


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
            statements = list_catalogue(con, plan, out, target)
        except psycopg.Error as e:
            raise WarehouseUnavailable(f"{target.label}: cannot list the catalogue: {_reason(e)}") from None
        steps = [(measure_freshness, "freshness"), (count_nulls, "NULL counts")]
        if statements is not None and plan.query_log:
            steps.insert(0, (lambda c, _plan, o: read_statements(c, statements, o), "the query log"))
        for step, name in steps:
            try:
                step(con, plan, out)
            except WarehouseUnavailable as e:
                out.skip(f"{name} and what follows", str(e))
                break
    finally:
        con.close()
    out.seconds = time.perf_counter() - t0
    return out
