"""Last-mile items and their logic, as the judging side sees them.

An :class:`Item` joins a ``lastmile_artifacts`` row (where it is, which tool, who owns it, when it
last changed) with its ``logic_facts`` row (classification, relations its SQL reads, business
expressions with their keys and file lines). Structured filters written outside SQL (a sync's
filter, a GUI question's filter, a pandas mask: ``literal_filters``) become business expressions
too, keyed with :func:`collectors.sql_logic.normalise.key_of_filter`, so ``df[~df["is_seasonal"]]``
and SQL ``not is_seasonal`` share a key.

Items of tool ``dbt_sync`` (dbt models the project marks as sync outputs) are dbt nodes, not
last-mile logic: they are left out here (their logic is the model's, judged as a model).

Example:
    >>> item = Item("lastmile.metabase.q.json#q", "metabase", "native_question", "q.json", 1, "Top sellers")
    >>> item.label, item.where
    ('Metabase native question `Top sellers`', 'q.json:1')
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlglot

from collectors.sql_logic.normalise import filter_expression, key_of_filter, literal_of, normal_sql
from console.layerinitis._cache import cached, frame

TOOL_LABELS: dict[str, str] = {
    "hightouch": "Hightouch", "census": "Census", "dbt_sync": "dbt", "lookml": "LookML",
    "metabase": "Metabase", "python": "Python", "javascript": "JavaScript",
    "typescript": "TypeScript", "notebook": "notebook", "dbt": "dbt",
}
"""How messages name each tool."""

KIND_LABELS: dict[str, str] = {
    "sql_string": "SQL string", "sql_cell": "SQL cell", "gui_question": "GUI question",
    "explore_join": "explore join", "dataframe_filter": "dataframe filter",
}
"""How messages name item kinds whose name is not their words (others: ``derived_table`` is
``derived table``)."""

#: Expression kinds that state a business rule (a join or an aggregate alone does not).
RULE_KINDS = frozenset({"filter", "case", "computed", "date_math", "window"})


@dataclass(frozen=True)
class Expression:
    """One business expression at one place.

    Attributes:
        kind: filter, case, aggregate, join, window, computed, union, date_math.
        sql: the expression as written (or as the structured filter reads in SQL).
        key: its normalised rule key (``volume_ml <= 50``), '' when it has none.
        line: the line of the file it is on, or None.
        columns: the columns it reads, when the facts say (None: not known).
    """

    kind: str
    sql: str
    key: str = ""
    line: int | None = None
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Item:
    """A last-mile item (see the module docstring)."""

    artifact_id: str
    tool: str
    kind: str
    path: str | None
    line: int | None
    name: str | None
    owner: str | None = None
    modified_at: dt.datetime | None = None
    classification: str = "pass-through"
    relations: tuple[str, ...] = ()
    expressions: tuple[Expression, ...] = ()
    parse_error: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name the item: ``Hightouch model `Top items for Salesforce```."""
        tool = TOOL_LABELS.get(self.tool, self.tool)
        kind = KIND_LABELS.get(self.kind, (self.kind or "item").replace("_", " "))
        shown = self.meta.get("name") if isinstance(self.meta.get("name"), str) else None  # a Hightouch model's title
        if self.kind == "dataframe_filter" and isinstance(self.meta.get("dataframe"), str):
            shown = self.meta["dataframe"]  # `df`, not the collector's `df:49` (the line is in `where`)
        return f"{tool} {kind} `{shown or self.name or self.artifact_id}`"

    @property
    def where(self) -> str:
        """``path:line`` of the item."""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    @property
    def is_business(self) -> bool:
        return bool(self.expressions)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, list | dict):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def _mapping(raw: Any) -> Mapping[str, Any]:
    value = _json(raw)
    return value if isinstance(value, dict) else {}


def _line(value: Any) -> int | None:
    """A line number from JSON (an int, or text of one); None otherwise.

    Example:
        >>> _line(10), _line("12"), _line("x"), _line(None), _line(0)
        (10, 12, None, None, None)
    """
    try:
        line = int(value)
    except (TypeError, ValueError):
        return None
    return line if line > 0 else None


def expressions_of(raw: Any) -> tuple[Expression, ...]:
    """``logic_facts.expressions`` (JSON) as :class:`Expression` records.

    Expressions are shown as written, comments left out (:func:`without_comments`).

    Example:
        >>> expressions_of('[{"kind": "filter", "sql": "volume_ml > 50", "key": "volume_ml <= 50", "line": 10}]')
        (Expression(kind='filter', sql='volume_ml > 50', key='volume_ml <= 50', line=10, columns=None),)
    """
    out = []
    for e in _json(raw) or ():
        if isinstance(e, Mapping) and e.get("sql"):
            line, kind = e.get("line"), str(e.get("kind") or "computed")
            cols = e.get("columns")
            out.append(Expression(
                kind, without_comments(str(e["sql"])), str(e.get("key") or ""), _line(line),
                tuple(cols) if isinstance(cols, list) else None,
            ))
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def without_comments(sql: str) -> str:
    """An expression's SQL without its comments (sqlglot regenerates it); as given when it has
    none or does not parse alone (a CASE branch).

    Example:
        >>> without_comments("volume_ml > 50 /* minis are not worth a sales call */")
        'volume_ml > 50'
    """
    if "--" not in sql and "/*" not in sql:
        return sql
    try:
        return sqlglot.parse_one(sql, read="duckdb").sql(comments=False)
    except sqlglot.errors.SqlglotError:
        return sql


def filter_expressions(raw: Any, line: int | None) -> tuple[Expression, ...]:
    """Structured ``literal_filters`` ([{column, op, value}]) as filter expressions.

    A filter whose operator the normal form does not know is kept without a key.

    Example:
        >>> filter_expressions('[{"column": "is_seasonal", "op": "=", "value": false}]', 7)
        (Expression(kind='filter', sql='is_seasonal = FALSE', key='is_seasonal = TRUE', line=7, columns=('is_seasonal',)),)
    """
    out = []
    for f in _json(raw) or ():
        if not isinstance(f, Mapping) or not f.get("column"):
            continue
        column, op, value = str(f["column"]), str(f.get("op") or "="), f.get("value")
        try:
            key = key_of_filter(column, op, value)
            if op in ("=", "!=", "<", "<=", ">", ">=") and not isinstance(value, list):
                sql = f"{column} {op} {literal_of(value).sql()}"  # as the tool wrote it
            else:
                sql = normal_sql(filter_expression(column, op, value))
        except ValueError:
            key, sql = "", f"{column} {op} {value!r}"
        out.append(Expression("filter", sql, key, _line(f.get("line")) or line, (column,)))
    return tuple(out)


def items(ctx: Any) -> tuple[Item, ...]:
    """Every last-mile item of the store, in path and line order (cached on ``ctx``)."""
    return cached(ctx, "items", lambda: _items(ctx))


def _items(ctx: Any) -> tuple[Item, ...]:
    artifacts = frame(ctx, "lastmile_artifacts")
    if artifacts is None or artifacts.is_empty():
        return ()
    facts = {
        row["subject_id"]: row
        for row in logic_rows(ctx)
        if row.get("subject_type") == "lastmile"
    }
    out = []
    for row in artifacts.iter_rows(named=True):
        if row.get("tool") == "dbt_sync":
            continue
        fact = facts.get(row["artifact_id"], {})
        exprs = expressions_of(fact.get("expressions")) + filter_expressions(row.get("literal_filters"), row.get("line"))
        relations = tuple(dict.fromkeys([*(fact.get("relations") or ()), *(row.get("relations_read") or ())]))
        classification = fact.get("classification") or ("business" if exprs else "pass-through")
        if exprs and classification == "pass-through":
            classification = "business"  # filters outside the SQL make it business logic
        out.append(Item(
            artifact_id=row["artifact_id"], tool=row.get("tool") or "", kind=row.get("kind") or "",
            path=row.get("path"), line=row.get("line"), name=row.get("name"), owner=row.get("owner"),
            modified_at=row.get("modified_at"), classification=classification, relations=relations,
            expressions=exprs, parse_error=fact.get("parse_error"), meta=_mapping(row.get("meta")),
        ))
    out.sort(key=lambda i: (i.path or "", i.line or 0, i.artifact_id))
    return tuple(out)


def logic_rows(ctx: Any) -> list[dict[str, Any]]:
    """The ``logic_facts`` rows as dicts (cached on ``ctx``); empty for a store without them."""
    def load() -> list[dict[str, Any]]:
        facts = frame(ctx, "logic_facts")
        return [] if facts is None else facts.to_dicts()
    return cached(ctx, "logic_rows", load)


def model_expressions(ctx: Any) -> dict[str, tuple[Expression, ...]]:
    """dbt model unique_id -> its business expressions (cached on ``ctx``)."""
    def load() -> dict[str, tuple[Expression, ...]]:
        out = {}
        for row in logic_rows(ctx):
            if row.get("subject_type") == "model":
                exprs = expressions_of(row.get("expressions"))
                if exprs:
                    out[row["subject_id"]] = exprs
        return out
    return cached(ctx, "model_expressions", load)
