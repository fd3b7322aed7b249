"""Query-log files loaded with DuckDB's own readers into one normalised table.

Everything here runs on a private in-memory DuckDB connection (:func:`connect`): reading files
is a collector's job, and a million rows stay columns in DuckDB instead of becoming Python
objects. The store is never touched.

Each file becomes a table of :data:`NORMALISED` columns:

* ``objects_read``: the relations the log says the query read (Snowflake's
  ``DIRECT_OBJECTS_ACCESSED`` minus stages, functions and procedures; BigQuery's
  ``referenced_tables`` as ``project.dataset.table``), NULL when the log does not say;
* ``query_hash``: DuckDB's 64-bit ``hash(dialect NUL text)`` in hex, the key under which a
  text is parsed once (md5 costs 8 times more CPU over a million texts; a DuckDB release that
  changed its hash would only make texts parse once more);
* ``app``: the tool the log itself names: a JSON query tag's ``app``/``application``/``tool``
  key (else the first word of a plain tag), a BigQuery ``app``/``tool`` label, ``dbt`` for
  dbt's default query comment (``/* {"app": "dbt", ...} */``), or the comment another tool
  adds to its SQL (:data:`TOOL_COMMENTS`: Metabase's ``-- Metabase::``, Looker's
  ``Looker Query Context``);
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


def _delimiter(path: Path) -> str:
    """The field delimiter of a CSV, from its first line (the header): DuckDB's sniffer can be
    thrown by the very malformed lines this reader must count and skip."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            first = fh.readline(1 << 16).decode("utf-8", "replace")
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv(src: str, delim: str) -> str:
    return f"read_csv({src}, delim={_literal(delim)}, quote='\"', escape='\"', max_line_size={_MAX_LINE}"


def _first_record(path: Path, delim: str) -> list[str]:
    """The first record of a CSV (its header, when it has one), read with Python's csv module."""
    import csv
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    csv.field_size_limit(_MAX_LINE)
    try:
        with opener(path, "rt", newline="", encoding="utf-8", errors="replace") as fh:
            return next(csv.reader(fh, delimiter=delim), [])
    except (OSError, csv.Error) as e:
        raise InputError(path, f"cannot be read as a CSV query log: {e}") from None


def sniff(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[Format, dict[str, str], bool]:
    """The file's format, its columns (with DuckDB's types for JSON), and whether it has a header.

    A CSV's columns come from its first line, never from DuckDB's sniffer, which the malformed
    lines this reader must count and skip can throw; every CSV field is read as text.

    Raises:
        InputError: the file cannot be read, or its columns fit no format (naming them and
            the columns each format expects).
    """
    header = True
    if is_json(path):
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM read_json({_literal(str(path))}, format='auto', sample_size=2048)").fetchall()
        except duckdb.Error as e:
            raise InputError(path, f"cannot be read as a JSON query log: {_first_line(e)}") from None
        columns = {row[0]: str(row[1]) for row in described}
    else:
        first = [c.strip() for c in _first_record(path, _delimiter(path))]
        columns = {c: "VARCHAR" for c in first}
        if recognise(first) is None and len(first) == 3:
            when = con.execute(f"SELECT {_timestamp('t')} FROM (SELECT ?::VARCHAR AS t)", [first[0]]).fetchall()[0][0]
            if when is not None:  # no header: three columns, a time first
                return PLAIN, dict.fromkeys(HEADERLESS, "VARCHAR"), False
    fmt = recognise(list(columns))
    if fmt is None:
        names = list(columns)
        shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
        raise InputError(path, f"not a query log this console recognises: its columns are {shown}; expected {expected_columns()}")
    return fmt, columns, header


_MAX_REJECTS_MAPPED = 100_000


def _record_number(accepted: int, rejected: list[int]) -> int:
    """The data record number of the ``accepted``-th row the reader kept, given the rejected ones.

    Example:
        >>> _record_number(2, [2, 5])
        3
        >>> _record_number(4, [2, 5])
        6
    """
    number = accepted
    for r in rejected:
        if r <= number:
            number += 1
        else:
            break
    return number


def _physical_lines(path: Path, delim: str, header: bool, records: list[int]) -> dict[int, int]:
    """data record number -> the file line it starts on (quoted newlines counted), for ``records``."""
    import csv
    import gzip

    wanted = set(records)
    out: dict[int, int] = {}
    if not wanted:
        return out
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    csv.field_size_limit(_MAX_LINE)
    with opener(path, "rt", newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh, delimiter=delim)
        line_before = 0
        for i, _ in enumerate(reader, 1 - int(header)):
            if i in wanted:
                out[i] = line_before + 1
                if len(out) == len(wanted):
                    break
            line_before = reader.line_num
    return out


#: Comments tools add to the SQL they send (fixed markers, not SQL): marker -> tool.
TOOL_COMMENTS = {"-- Metabase::": "metabase", "Looker Query Context": "looker"}


def _app_of_comment(text: str) -> str:
    """SQL: the tool whose comment marker the query text carries, else NULL."""
    cases = " ".join(f"WHEN contains({text}, {_literal(marker)}) THEN {_literal(tool)}" for marker, tool in TOOL_COMMENTS.items())
    return f"CASE {cases} END"


def _timestamp(column: str) -> str:
    """SQL: a log's time as naive UTC: ISO with or without an offset, Snowflake's
    ``2026-11-01 09:15:02.123 -0800``, ``... UTC``, or epoch seconds or milliseconds."""
    text = f"trim(CAST({column} AS VARCHAR))"
    number = f"TRY_CAST({text} AS DOUBLE)"
    spaced_offset = f"substr({text}, length({text}) - 5, 2) IN (' +', ' -')"  # '... -0800': drop the space
    return (
        f"CAST(coalesce(CASE WHEN {spaced_offset} THEN TRY_CAST(substr({text}, 1, length({text}) - 6) || right({text}, 5) AS TIMESTAMPTZ) "
        f"ELSE TRY_CAST({text} AS TIMESTAMPTZ) END, "
        f"CASE WHEN {number} > 1e11 THEN to_timestamp({number} / 1000) WHEN {number} > 1e8 THEN to_timestamp({number}) END"
        f") AS TIMESTAMP)"
    )


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


def load_file(con: duckdb.DuckDBPyConnection, path: Path, fmt: Format, columns: dict[str, str], header: bool,
              table: str, dialect: str) -> Skips:
    """Read one file into ``table`` (the :data:`NORMALISED` columns) and count what was skipped.

    One pass: the normalised columns are computed as DuckDB reads the file (a query text of a
    million rows is copied once, not once per step); rows are numbered by the table's rowid,
    which keeps the file's order.
    """
    col = fmt.columns(list(columns)) if header else dict(zip(("started_at", "user_name", "query_text"), HEADERLESS))
    src = _literal(str(path))
    skips = Skips()
    time_col = col.get("started_at")
    if is_json(path):
        wanted = {c: ("JSON" if f in ("direct_objects", "base_objects", "referenced_tables", "labels", "error_result") else "VARCHAR")
                  for f, c in col.items()}
        spec = "{" + ", ".join(f"{_literal(c)}: {_literal(t)}" for c, t in wanted.items()) + "}"
        reader = f"read_json({src}, format='auto', columns={spec})"
    else:
        spec = "{" + ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in columns) + "}"
        reader = (
            f"{_csv(src, _delimiter(path))}, header={str(header).lower()}, auto_detect=false, columns={spec}, "
            f"ignore_errors=true, store_rejects=true, rejects_table='{table}_rej', rejects_scan='{table}_scan')"
        )

    def c(field_name: str) -> str:
        return f"CAST({_ident(col[field_name])} AS VARCHAR)" if field_name in col else "NULL::VARCHAR"

    started = _timestamp(_ident(time_col)) if time_col else "NULL::TIMESTAMP"
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
        if "error_result" in col:  # a job DONE with an error failed
            err = _ident(col["error_result"])
            conditions.append(f"({err} IS NULL OR {err} = 'null'::JSON)")
            status = f"CASE WHEN {err} IS NOT NULL AND {err} <> 'null'::JSON THEN 'ERROR' ELSE {c('execution_status')} END"
        ok = " AND ".join(conditions) or "TRUE"
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
    numbered = fmt.name == "plain" or "query_id" not in col and fmt.name != "pg_stat_statements"
    if numbered:
        # no id in the log: the same (time, user, text) seen n times gives n stable ids; the
        # window reorders rows, so they carry their place in the file
        key = f"concat_ws(chr(31), {started}::VARCHAR, {user}, md5(coalesce({text}, '')))"
        query_id = f"'log:' || md5({key} || chr(31) || row_number() OVER (PARTITION BY {key}))"
        reader = f"(SELECT row_number() OVER () AS _record, * FROM {reader})"
    ordinal = "_record" if numbered else "rowid + 1"
    dbt_comment = f"contains(left(coalesce({text}, ''), 400), '\"app\": \"dbt\"')"
    try:
        con.execute(
            f"""CREATE TEMP TABLE {table} AS SELECT
                {query_id} AS query_id, {started} AS started_at, {user} AS user_name, {c('role_name')} AS role_name,
                {c('warehouse_name')} AS warehouse_name, {c('query_type')} AS query_type,
                {status} AS execution_status, {c('query_tag')} AS query_tag,
                {database} AS database_name, {c('schema_name')} AS schema_name, {text} AS query_text,
                {objects} AS objects_read,
                CASE WHEN {text} IS NOT NULL THEN printf('%016x', hash({_literal(dialect)} || chr(0) || {text})) END AS query_hash,
                CASE WHEN {dbt_comment} THEN 'dbt' ELSE coalesce({app}, {_app_of_comment(text)}) END AS app,
                {ok} AS ok, {calls} AS calls{', _record' if numbered else ''}
            FROM {reader}"""
        )
        rejected: list[int] = []
        rejected_count = 0
        if not is_json(path):
            # DuckDB numbers a rejected row by record, the header being 1: data record = line - 1
            rejected = [int(r[0]) - int(header) for r in con.execute(
                f"SELECT DISTINCT line FROM {table}_rej ORDER BY line LIMIT {_MAX_REJECTS_MAPPED}").fetchall()]
            rejected_count = con.execute(f"SELECT count(DISTINCT line) FROM {table}_rej").fetchall()[0][0]
    except duckdb.Error as e:
        raise InputError(path, f"cannot be read as a {fmt.label} log: {_first_line(e)}") from None
    where_bad = "user_name IS NULL OR (query_text IS NULL AND objects_read IS NULL) OR query_id IS NULL"
    if time_col:
        where_bad += " OR started_at IS NULL"
    bad = con.execute(f"SELECT count(*), list({ordinal} ORDER BY {ordinal})[1:3] FROM {table} WHERE {where_bad}").fetchall()[0]
    if bad[0]:
        con.execute(f"DELETE FROM {table} WHERE {where_bad}")
    if numbered:
        con.execute(f"ALTER TABLE {table} DROP COLUMN _record")
    if is_json(path):
        skips.add(int(bad[0]), [f"record {n}" for n in (bad[1] or [])])
    elif bad[0] or rejected_count:
        # accepted rows are numbered among accepted rows: put the rejected ones back in between
        records = sorted([*rejected[:3], *(_record_number(n, rejected) for n in (bad[1] or []))])[:3]
        lines = _physical_lines(path, _delimiter(path), header, records)
        skips.add(int(bad[0]) + int(rejected_count), [f"line {lines[r]}" for r in records if r in lines])
    return skips
