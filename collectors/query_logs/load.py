"""Query-log files loaded with DuckDB's own readers into one normalised table.

Everything here runs on a private in-memory DuckDB connection (:func:`connect`): reading files
is a collector's job, and a million rows stay columns in DuckDB instead of becoming Python
objects. The store is never touched.

Each file becomes a table of :data:`NORMALISED` columns:

* ``objects_read``: the relations the log says the query read (Snowflake's
  ``DIRECT_OBJECTS_ACCESSED`` minus stages, functions and procedures; BigQuery's
  ``referenced_tables`` as ``project.dataset.table``), NULL when the log does not say;
* ``query_hash``: ``md5(dialect NUL text)``, the key under which a text is parsed once;
* ``app``: the tool the log itself names: a JSON query tag's ``app``/``application``/``tool``
  key (else the first word of a plain tag), a BigQuery ``app``/``tool`` label, or ``dbt`` for
  dbt's default query comment (``/* {"app": "dbt", ...} */``);
* ``ok``: the query succeeded (failed queries are kept in the log, not counted as reads);
* ``calls``: 1 per row, or pg_stat_statements' ``calls``.

Rows a reader cannot take (a CSV line with too many or too few fields, a time that is not a
time) are skipped and counted by line (:class:`Skips`); a JSON record is counted by its
position. Rows without a user, or without both a text and objects, are skipped and counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from collectors.query_logs.formats import HEADERLESS, PLAIN, Format, expected_columns, recognise
from console.errors import InputError

MEMORY_LIMIT = os.environ.get("CONSOLE_MEMORY_LIMIT", "2GB")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
#: Object domains of ACCESS_HISTORY that are not relations a consumer reads.
_NOT_RELATIONS = ("Stage", "Function", "Procedure")
_MAX_LINE = 64 * 1024 * 1024

NORMALISED = (
    "query_id", "started_at", "user_name", "role_name", "warehouse_name", "query_type",
    "execution_status", "query_tag", "database_name", "schema_name", "query_text",
    "objects_read", "query_hash", "app", "ok", "calls",
)


@dataclass
class Skips:
    """Rows one file's reader skipped: how many, and where the first few are."""

    count: int = 0
    where: list[str] = field(default_factory=list)

    def add(self, count: int, where: list[str]) -> None:
        self.count += count
        self.where.extend(where[: max(0, 3 - len(self.where))])


def connect() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for reading log files: bounded memory, no extension downloads."""
    con = duckdb.connect(
        ":memory:",
        config={"memory_limit": MEMORY_LIMIT, "autoload_known_extensions": False, "autoinstall_known_extensions": False},
    )
    con.execute("SET TimeZone = 'UTC'")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_json(path: Path) -> bool:
    return path.name.lower().endswith(JSON_SUFFIXES)


def is_log_file(path: Path) -> bool:
    """Whether a file found in a query-log folder is worth sniffing (by its suffix)."""
    return path.name.lower().endswith(JSON_SUFFIXES + CSV_SUFFIXES)


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def sniff(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[Format, list[str], bool]:
    """The file's format, its columns, and whether it has a header (CSV).

    Raises:
        InputError: the file cannot be read, or its columns fit no format (naming them and
            the columns each format expects).
    """
    src = _literal(str(path))
    reader = f"read_json({src}, format='auto', sample_size=2048)" if is_json(path) else f"read_csv({src}, max_line_size={_MAX_LINE})"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as e:
        kind = "JSON" if is_json(path) else "CSV"
        raise InputError(path, f"cannot be read as a {kind} query log: {_first_line(e)}") from None
    columns = [row[0] for row in described]
    header = True
    if not is_json(path) and len(columns) == 3 and tuple(c.lower() for c in columns) == HEADERLESS:
        return PLAIN, ["time", "user", "query"], False
    fmt = recognise(columns)
    if fmt is None:
        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        raise InputError(path, f"not a query log this console recognises: its columns are {shown}; expected {expected_columns()}")
    return fmt, columns, header


def _objects_from_json(column: str) -> str:
    """SQL: the objectName of each relation in an ACCESS_HISTORY objects array (JSON or its text)."""
    domains = ", ".join(_literal(d) for d in _NOT_RELATIONS)
    return (
        f"list_transform(list_filter(json_extract(TRY_CAST({column} AS JSON), '$[*]'), "
        f"lambda o: coalesce(json_extract_string(o, 'objectDomain'), 'Table') NOT IN ({domains})), "
        f"lambda o: json_extract_string(o, 'objectName'))"
    )


def _app_of_tag(column: str) -> str:
    """SQL: the tool a query tag names (JSON key, else the tag's first word), lower case."""
    return (
        f"lower(CASE WHEN json_valid({column}) AND starts_with(ltrim({column}), '{{') THEN "
        f"coalesce(json_extract_string({column}, 'app'), json_extract_string({column}, 'application'), "
        f"json_extract_string({column}, 'tool')) "
        f"ELSE nullif(regexp_extract(trim({column}), '^[A-Za-z][A-Za-z0-9_.-]{{0,40}}'), '') END)"
    )


def load_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: Format, columns: list[str], header: bool,
              table: str, dialect: str) -> Skips:
    """Read one file into ``table`` (the :data:`NORMALISED` columns) and count what was skipped."""
    col = fmt.columns(columns) if header else dict(zip(("started_at", "user_name", "query_text"), HEADERLESS))
    src = _literal(str(path))
    raw = f"{table}_raw"
    skips = Skips()
    time_col = col.get("started_at")
    try:
        if is_json(path):
            wanted = {c: ("JSON" if f in ("direct_objects", "base_objects", "referenced_tables", "labels", "error_result") else "VARCHAR")
                      for f, c in col.items()}
            spec = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in wanted.items()) + "}"
            con.execute(
                f"CREATE TEMP TABLE {raw} AS SELECT row_number() OVER () AS _record, * "
                f"FROM read_json({src}, format='auto', columns={spec})"
            )
        else:
            types = {}
            if time_col:
                types[time_col] = "TIMESTAMPTZ"
            if "calls" in col:
                types[col["calls"]] = "BIGINT"
            type_spec = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in types.items()) + "}"
            con.execute(
                f"CREATE TEMP TABLE {raw} AS SELECT NULL::BIGINT AS _record, * FROM read_csv({src}, header={str(header).lower()}, "
                f"all_varchar=true, types={type_spec}, ignore_errors=true, store_rejects=true, "
                f"rejects_table='{table}_rej', rejects_scan='{table}_scan', max_line_size={_MAX_LINE})"
            )
            rejected = con.execute(f"SELECT count(*), list(line ORDER BY line)[1:3] FROM {table}_rej").fetchall()[0]
            lines = [f"line {n}" for n in (rejected[1] or [])]
            skips.add(int(rejected[0]), lines)
    except duckdb.Error as e:
        raise InputError(path, f"cannot be read as a {fmt.label} log: {_first_line(e)}") from None

    def c(field_name: str) -> str:
        return f"CAST({_ident(col[field_name])} AS VARCHAR)" if field_name in col else "NULL::VARCHAR"

    started = f"CAST(TRY_CAST({_ident(time_col)} AS TIMESTAMPTZ) AS TIMESTAMP)" if time_col else "NULL::TIMESTAMP"
    text = c("query_text")
    objects = "NULL::VARCHAR[]"
    app = _app_of_tag(c("query_tag")) if "query_tag" in col else "NULL::VARCHAR"
    ok = "TRUE"
    status = c("execution_status")
    calls = "1::BIGINT"
    query_id = c("query_id")
    user = c("user_name")
    database = c("database_name")
    if fmt.name.startswith("snowflake"):
        if "direct_objects" in col:
            objects = _objects_from_json(_ident(col["direct_objects"]))
        if "execution_status" in col:
            ok = f"coalesce(upper({c('execution_status')}) = 'SUCCESS', TRUE)"
    elif fmt.name == "bigquery_jobs":
        if "project_id" in col:
            query_id = f"coalesce({c('project_id')} || ':', '') || {c('query_id')}"
            database = c("project_id")
        if "referenced_tables" in col:
            ref = _ident(col["referenced_tables"])
            objects = (
                f"list_transform(json_extract({ref}, '$[*]'), lambda t: concat_ws('.', "
                f"json_extract_string(t, 'project_id'), json_extract_string(t, 'dataset_id'), json_extract_string(t, 'table_id')))"
            )
        conditions = []
        if "execution_status" in col:
            conditions.append(f"coalesce(upper({c('execution_status')}) = 'DONE', TRUE)")
        if "error_result" in col:
            conditions.append(f"({_ident(col['error_result'])} IS NULL OR {_ident(col['error_result'])} = 'null'::JSON)")
        ok = " AND ".join(conditions) or "TRUE"
        if "error_result" in col:  # a job DONE with an error failed
            err = _ident(col["error_result"])
            status = f"CASE WHEN {err} IS NOT NULL AND {err} <> 'null'::JSON THEN 'ERROR' ELSE {c('execution_status')} END"
        if "labels" in col:
            labels = _ident(col["labels"])
            app = (
                f"lower(list_filter(json_extract({labels}, '$[*]'), lambda l: json_extract_string(l, 'key') IN "
                f"('app', 'application', 'tool', 'client'))[1]->>'value')"
            )
    elif fmt.name == "pg_stat_statements":
        user_col = col["user_name"]
        user = f"'oid ' || {c('user_name')}" if user_col.lower() == "userid" else c("user_name")
        pieces = [c("database_name"), user, f"coalesce({c('queryid')}, md5({text}))"]
        if "toplevel" in col:
            pieces.append(c("toplevel"))
        query_id = "'pg:' || concat_ws(':', " + ", ".join(f"coalesce({p}, '')" for p in pieces) + ")"
        calls = f"coalesce(TRY_CAST({_ident(col['calls'])} AS BIGINT), 1)"
        database = c("database_name")
    if fmt.name == "plain" or "query_id" not in col and fmt.name != "pg_stat_statements":
        # no id in the log: the same (time, user, text) seen n times gives n stable ids
        key = f"concat_ws(chr(31), {started}::VARCHAR, {user}, md5(coalesce({text}, '')))"
        query_id = f"'log:' || md5({key} || chr(31) || row_number() OVER (PARTITION BY {key}))"
    dbt_comment = f"contains(left(coalesce({text}, ''), 400), '\"app\": \"dbt\"')"
    con.execute(
        f"""CREATE TEMP TABLE {table}_all AS SELECT
            {query_id} AS query_id, {started} AS started_at, {user} AS user_name, {c('role_name')} AS role_name,
            {c('warehouse_name')} AS warehouse_name, {c('query_type')} AS query_type,
            {status} AS execution_status, {c('query_tag')} AS query_tag,
            {database} AS database_name, {c('schema_name')} AS schema_name, {text} AS query_text,
            {objects} AS objects_read,
            CASE WHEN {text} IS NOT NULL THEN md5({_literal(dialect)} || chr(0) || {text}) END AS query_hash,
            CASE WHEN {dbt_comment} THEN 'dbt' ELSE {app} END AS app,
            {ok} AS ok, {calls} AS calls, _record
        FROM {raw}"""
    )
    where_bad = "user_name IS NULL OR (query_text IS NULL AND objects_read IS NULL) OR query_id IS NULL"
    if time_col:
        where_bad += " OR started_at IS NULL"
    bad = con.execute(f"SELECT count(*), list(_record ORDER BY _record)[1:3] FROM {table}_all WHERE {where_bad}").fetchall()[0]
    if bad[0]:
        records = [f"record {n}" for n in (bad[1] or []) if n is not None]
        skips.add(int(bad[0]), records or ["rows without a user, a time, or a query text"])
    cols = ", ".join(NORMALISED)
    con.execute(f"CREATE TEMP TABLE {table} AS SELECT {cols} FROM {table}_all WHERE NOT ({where_bad})")
    con.execute(f"DROP TABLE {table}_all; DROP TABLE {raw}")
    return skips
