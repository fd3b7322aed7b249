"""What a last-mile reader returns: items and skips of one file, as plain (cacheable) dicts.

An **item** is one piece of logic outside dbt (a Hightouch model, a LookML dimension, a SQL
string in app code...). Readers return it as a dict with the keys of :func:`item`; the phase
(:mod:`collectors.lastmile_phase`) adds what depends on where the file is and who changed it
(artifact id, path, owner, last change, content hash) and writes the store table
``lastmile_artifacts``.

A **skip** is something that could not be read or parsed (a file, or one item of it):
``{"line", "reason"}``. It is counted in the collect summary and stored in ``lastmile_skips``
so a rule can show it; it never stops the collect.

Payloads are JSON-able so that they can be cached by file content (``lastmile_files``).
"""

from __future__ import annotations

from typing import Any

#: Tools, in the order the summary lists them.
TOOLS = ("hightouch", "census", "dbt_sync", "lookml", "metabase", "python", "javascript", "typescript", "notebook")

#: Operators of a structured filter (``literal_filters``).
FILTER_OPS = ("=", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "not_null", "like")


def item(
    kind: str,
    name: str | None,
    line: int,
    *,
    sql: str | None = None,
    sql_line: int | None = None,
    relations_read: list[str] | None = None,
    literal_filters: list[dict] | None = None,
    meta: dict[str, Any] | None = None,
    parse_error: str | None = None,
) -> dict[str, Any]:
    """One item as a reader returns it.

    Args:
        kind: model, sync, derived_table, view, dimension, measure, filter, explore_join,
            native_question, gui_question, sql_string, sql_cell, dataframe_filter...
        name: the item's name in its tool, or None (its id then uses ``kind:line``).
        line: where the item starts in the file (1-based).
        sql: SQL text ready for sqlglot (templating resolved), or None.
        sql_line: the file line where ``sql`` starts (file line = sql_line + line in sql - 1).
        relations_read: relations named outside the SQL, as written (``ref:<model>`` for a
            dbt model).
        literal_filters: structured filters outside SQL, ``[{"column", "op", "value"}]``.
        meta: tool-specific extras.
        parse_error: why sqlglot could not parse ``sql`` (the item is then counted skipped).

    Example:
        >>> item("model", "top", 3, sql="select 1 from t", sql_line=4)["sql_line"]
        4
    """
    return {
        "kind": kind, "name": name, "line": int(line), "sql": sql,
        "sql_line": sql_line if sql is not None else None,
        "relations_read": list(relations_read or []), "literal_filters": list(literal_filters or []),
        "meta": dict(meta or {}), "parse_error": parse_error,
    }


def skip(line: int | None, reason: str) -> dict[str, Any]:
    """A skip: what could not be read or parsed, at which line (None: the whole file).

    Example:
        >>> skip(3, "invalid YAML\\nat x")
        {'line': 3, 'reason': 'invalid YAML at x'}
    """
    return {"line": line, "reason": " ".join(str(reason).split())[:500]}


def payload(tool: str | None, items: list[dict] | None = None, skips: list[dict] | None = None, **extra: Any) -> dict:
    """A file's result: its tool (None when the file is no last-mile file), items and skips."""
    return {"tool": tool, "items": items or [], "skips": skips or [], **extra}


def literal_filter(column: str, op: str, value: Any) -> dict[str, Any]:
    """One structured filter.

    Example:
        >>> literal_filter("volume_ml", ">", 50)
        {'column': 'volume_ml', 'op': '>', 'value': 50}
    """
    if op not in FILTER_OPS:
        raise ValueError(f"unknown filter operator {op!r}")
    return {"column": column, "op": op, "value": value}
