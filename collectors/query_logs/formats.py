"""The query-log formats this console reads, and how a file is recognised as one of them.

A format is recognised from a file's columns (case-insensitive), never from its name:

* ``snowflake_access``: ``SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY`` rows (``QUERY_ID`` and
  ``DIRECT_OBJECTS_ACCESSED``); joined on ``QUERY_ID`` with the QUERY_HISTORY files of the same
  collect. A QUERY_HISTORY export already joined with ACCESS_HISTORY (both sets of columns in
  one file) is read as ``snowflake_history`` with its objects.
* ``snowflake_history``: ``QUERY_HISTORY`` rows (``QUERY_ID``, ``QUERY_TEXT``, ``USER_NAME``,
  ``START_TIME``).
* ``bigquery_jobs``: ``INFORMATION_SCHEMA.JOBS`` rows (``job_id``, ``query``, ``user_email``,
  ``creation_time``; ``referenced_tables`` gives the objects read).
* ``pg_stat_statements``: a dump of the view (``query``, ``calls`` and ``userid``, or a role
  name joined in: ``rolname``/``usename``/``user_name``); counts, no times.
* ``plain``: a CSV of (time, user, query text) under any of the usual header names, or three
  headerless columns in that order.

Example:
    >>> recognise(["QUERY_ID", "QUERY_TEXT", "USER_NAME", "START_TIME", "ROLE_NAME"]).name
    'snowflake_history'
    >>> recognise(["ts", "username", "sql"]).name
    'plain'
    >>> recognise(["a", "b"]) is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Normalised fields -> the column names that may hold them, per format (first found wins).
Synonyms = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Format:
    """One query-log format.

    Attributes:
        name: the format's id (stored as ``artifact_files.kind`` ``query_log:<name>``).
        label: how messages name it.
        dialect: the sqlglot dialect its query texts are written in ('' for the project's).
        required: fields the file must have (each through one of its synonyms).
        fields: every field the format may give -> its column names.
    """

    name: str
    label: str
    dialect: str
    required: tuple[str, ...]
    fields: Synonyms

    def columns(self, available: Sequence[str]) -> dict[str, str]:
        """field -> the file's actual column name, for the fields the file has.

        Example:
            >>> PLAIN.columns(["Time", "User", "Query", "extra"])
            {'started_at': 'Time', 'user_name': 'User', 'query_text': 'Query'}
        """
        by_lower = {c.lower(): c for c in available}
        out: dict[str, str] = {}
        for field_name, names in self.fields.items():
            for n in names:
                if n in by_lower:
                    out[field_name] = by_lower[n]
                    break
        return out

    def matches(self, available: Sequence[str]) -> bool:
        found = self.columns(available)
        return all(f in found for f in self.required)

    def expected(self) -> str:
        """The columns this format needs, for error messages.

        Example:
            >>> PG_STAT_STATEMENTS.expected()
            'query, calls, userid (or rolname, usename, user_name)'
        """
        out = []
        for f in self.required:
            first, *rest = self.fields[f]
            out.append(first + (f" (or {', '.join(rest)})" if rest else ""))
        return ", ".join(out)


_SNOWFLAKE_COMMON: dict[str, tuple[str, ...]] = {
    "query_id": ("query_id",),
    "user_name": ("user_name",),
    "role_name": ("role_name",),
    "warehouse_name": ("warehouse_name",),
    "query_type": ("query_type",),
    "execution_status": ("execution_status",),
    "query_tag": ("query_tag",),
    "database_name": ("database_name",),
    "schema_name": ("schema_name",),
    "query_text": ("query_text",),
    "direct_objects": ("direct_objects_accessed",),
    "base_objects": ("base_objects_accessed",),
}

SNOWFLAKE_ACCESS = Format(
    "snowflake_access", "Snowflake ACCESS_HISTORY", "snowflake",
    ("query_id", "direct_objects"),
    {**_SNOWFLAKE_COMMON, "started_at": ("query_start_time", "start_time")},
)
SNOWFLAKE_HISTORY = Format(
    "snowflake_history", "Snowflake QUERY_HISTORY", "snowflake",
    ("query_id", "query_text", "user_name", "started_at"),
    {**_SNOWFLAKE_COMMON, "started_at": ("start_time", "query_start_time")},
)
BIGQUERY_JOBS = Format(
    "bigquery_jobs", "BigQuery INFORMATION_SCHEMA.JOBS", "bigquery",
    ("query_id", "query_text", "user_name", "started_at"),
    {
        "query_id": ("job_id",),
        "project_id": ("project_id",),
        "query_text": ("query",),
        "user_name": ("user_email",),
        "started_at": ("creation_time", "start_time"),
        "query_type": ("statement_type", "job_type"),
        "execution_status": ("state",),
        "error_result": ("error_result",),
        "labels": ("labels",),
        "referenced_tables": ("referenced_tables",),
    },
)
PG_STAT_STATEMENTS = Format(
    "pg_stat_statements", "PostgreSQL pg_stat_statements", "postgres",
    ("query_text", "calls", "user_name"),
    {
        "query_text": ("query",),
        "calls": ("calls",),
        "user_name": ("userid", "rolname", "usename", "user_name"),
        "role_name": ("rolname",),
        "database_name": ("datname", "dbid"),
        "queryid": ("queryid",),
        "toplevel": ("toplevel",),
    },
)
PLAIN = Format(
    "plain", "plain CSV of (time, user, query)", "",
    ("started_at", "user_name", "query_text"),
    {
        "started_at": ("time", "timestamp", "start_time", "started_at", "query_time", "ts", "executed_at", "created_at"),
        "user_name": ("user", "user_name", "username", "usename", "login", "user_email"),
        "query_text": ("query", "query_text", "sql", "statement", "text"),
    },
)

#: Formats in the order they are tried: the most specific first.
FORMATS: tuple[Format, ...] = (SNOWFLAKE_HISTORY, SNOWFLAKE_ACCESS, BIGQUERY_JOBS, PG_STAT_STATEMENTS, PLAIN)

#: DuckDB's names for the columns of a CSV without a header.
HEADERLESS = ("column0", "column1", "column2")


def recognise(columns: Sequence[str]) -> Format | None:
    """The format of a file with these columns, or None.

    Example:
        >>> recognise(["QUERY_ID", "QUERY_START_TIME", "USER_NAME", "DIRECT_OBJECTS_ACCESSED"]).name
        'snowflake_access'
        >>> recognise(["userid", "dbid", "queryid", "query", "calls", "total_exec_time"]).name
        'pg_stat_statements'
    """
    for fmt in FORMATS:
        if fmt.matches(columns):
            return fmt
    return None


def expected_columns() -> str:
    """Every format and the columns it needs: the second half of an unrecognised-file error."""
    return "; ".join(f"{f.label} ({f.expected()})" for f in FORMATS)
