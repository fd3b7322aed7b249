"""The logic of one SQL text: the relations it reads, and its business expressions with their keys.

:func:`analyse` parses once with sqlglot and walks the tree. What counts as business logic:

* ``filter``: a condition of ``WHERE``, ``HAVING``, ``QUALIFY``, an aggregate's ``FILTER
  (WHERE ...)``, or the non-join part of a ``JOIN ... ON`` (``c.status = 'active'``), one entry
  per ``AND``-ed condition. A condition against a bind parameter or template variable
  (``store_id = :p1``, ``market = {{market}}``) is the caller's input, not a rule, and is left
  out; so are conditions that are always true (``1 = 1``, ``TRUE``), which templates add to
  chain optional clauses.
* ``case``: one entry per ``WHEN`` of a ``CASE`` (or ``IF``/``IFF``), keyed by its condition,
  so the CASE branch ``when volume_ml <= 50 then 'miniature'`` has the key of the filter
  ``where volume_ml > 50``: the same 50 ml rule (see :mod:`.normalise`).
* ``aggregate``: an aggregate function, ``GROUP BY`` without one, ``SELECT DISTINCT``.
* ``join``: each join (``JOIN``, ``FROM a, b``), keyed by what it joins and on what.
* ``window``: a window function.
* ``computed``: a projection that is not a column, a rename, a ``*``, a cast of a column or a
  constant: ``a || '-' || b``, ``coalesce(x, 0)``, ``qty > 0 as in_stock``.
* ``union``: ``UNION``, ``INTERSECT``, ``EXCEPT``.
* ``date_math``: a filter or projection whose value is computed from the date
  (``ordered_at >= current_date - interval 30 day``, ``date_trunc('month', ordered_at)``).

Pass-through is everything else: plain columns, renames, ``*``, casts of columns, constants,
``ORDER BY`` and ``LIMIT`` (presentation, not a rule). A text with at least one business
expression is ``business``; one that sqlglot cannot read is ``unparsed``.

Relations are the external relations the text reads, as written (quotes kept, in the
dialect's syntax: ``"Analytics"."Orders"``, ``analytics.fct_orders``), without CTE names
(resolved with sqlglot's scopes), table functions or the table a ``CREATE``/``INSERT`` writes.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from collectors.sql_facts.extract import _dialect, _one_line, _parse_error_line
from collectors.sql_facts.relations import is_relation, tables_read, written_name
from collectors.sql_logic.normalise import (
    canonical,
    canonical_sql,
    clone,
    condition_forms,
    has_parameter,
    is_constant,
    normal_sql,
)

KINDS = ("filter", "case", "aggregate", "join", "window", "computed", "union", "date_math")
"""The kinds of business expression, as the store's ``logic_facts.expressions`` names them."""

_DATE_FUNCS: tuple[type, ...] = tuple(
    getattr(exp, name)
    for name in (
        "DateAdd", "DateSub", "DateDiff", "DateTrunc", "TimestampAdd", "TimestampSub", "TimestampDiff",
        "TimestampTrunc", "DatetimeAdd", "DatetimeSub", "DatetimeDiff", "DatetimeTrunc", "TsOrDsAdd",
        "TsOrDsDiff", "Interval", "CurrentDate", "CurrentTimestamp", "CurrentDatetime", "AddMonths",
        "MonthsBetween", "LastDay", "TimeAdd", "TimeSub", "DateFromParts", "Extract",
    )
    if hasattr(exp, name)
)
_WALKED = (exp.Where, exp.Having, exp.Qualify, exp.Join, exp.Select, exp.SetOperation)
"""The nodes the walk acts on; everything else is reached from them."""
_BOOLEAN = (exp.Predicate, exp.Not, exp.Connector)
"""Expressions whose value is a truth value: conditions, wherever they stand."""
_MAX_SQL = 400
"""Longest ``sql`` kept on an expression (a CASE can be pages long); the key is never cut."""


def empty_logic(parse_error: str | None = None) -> dict[str, Any]:
    """The logic of nothing: ``unparsed`` when there is a ``parse_error``, else ``pass-through``.

    Example:
        >>> empty_logic("Expected table name (line 1, column 8)")["classification"]
        'unparsed'
    """
    return {
        "classification": "unparsed" if parse_error else "pass-through",
        "relations": [], "expressions": [], "parse_error": parse_error,
    }


def analyse(sql: str, dialect: str, *, line_offset: int = 1) -> dict[str, Any]:
    """Classify one SQL text and list its business expressions (see the module docstring).

    Pure, and never raises on bad SQL.

    Args:
        sql: one or more SQL statements, templating already resolved.
        dialect: a sqlglot dialect name, '' for sqlglot's generic dialect.
        line_offset: the line of the file where ``sql`` starts; each expression's ``line`` is
            a line of that file.

    Returns:
        ``{"classification", "relations", "expressions", "parse_error"}``: classification
        ``pass-through``, ``business`` or ``unparsed``; relations sorted; expressions in the
        order of the text, each ``{"kind", "sql", "key", "columns", "line", "normal",
        "negated"}`` (``normal``: the normal form with the side kept, ``negated``: the
        expression keeps the other side of its key's partition).

    Raises:
        ValueError: ``dialect`` is not a sqlglot dialect (the caller's mistake).

    Example:
        >>> logic = analyse("select pitch_id, store_id\\nfrom analytics.exp_top_items_salesforce\\n"
        ...                 "where volume_ml > 50 and store_id = :p1", "snowflake", line_offset=7)
        >>> logic["classification"], logic["relations"]
        ('business', ['analytics.exp_top_items_salesforce'])
        >>> [(e["kind"], e["key"], e["normal"], e["line"]) for e in logic["expressions"]]
        [('filter', 'volume_ml <= 50', 'volume_ml > 50', 9)]
        >>> analyse("select a as b, t.* from t", "duckdb")["classification"]
        'pass-through'
        >>> analyse("select from where (", "duckdb")["classification"]
        'unparsed'
    """
    parser = _dialect(dialect)
    try:
        statements = parser.parse(sql)
    except ParseError as e:
        return empty_logic(_parse_error_line(e))
    except SqlglotError as e:
        return empty_logic(_one_line(str(e)))
    except RecursionError:
        return empty_logic("SQL nested too deeply to parse")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
        return empty_logic(_one_line(f"sqlglot failed on this SQL: {type(e).__name__}: {e}"))
    return analyse_statements(statements, dialect, line_offset=line_offset)


def analyse_statements(statements: list, dialect: str, *, line_offset: int = 1) -> dict[str, Any]:
    """:func:`analyse` on statements sqlglot parsed already (one parse may feed several analyses)."""
    try:
        return _Walker(dialect, line_offset).run(statements)
    except RecursionError:
        return empty_logic("SQL nested too deeply to analyse")
    except SqlglotError as e:  # scope building refuses some shapes
        return empty_logic(_one_line(str(e)))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
        # a tree shape sqlglot builds but cannot rebuild or print: said, as extract_facts does
        return empty_logic(_one_line(f"sqlglot failed on this SQL: {type(e).__name__}: {e}"))


class _Walker:
    def __init__(self, dialect: str, line_offset: int) -> None:
        self.dialect = dialect or None
        self.dialect_name = dialect or ""
        self.generator = _generator(dialect or "")
        self.offset = line_offset
        self.out: list[dict[str, Any]] = []
        self.seen: set[tuple] = set()

    def run(self, statements: list) -> dict[str, Any]:
        relations: set[str] = set()
        for root in statements:
            if root is None:
                continue
            if isinstance(root, exp.Command):
                return empty_logic(_one_line(f"not a query sqlglot can read: {root.sql()[:80]}"))
            relations |= self.relations(root)
            self.walk(root)
        self.out.sort(key=lambda e: (e["line"], e["_pos"]))
        for e in self.out:
            del e["_pos"]
        return {
            "classification": "business" if self.out else "pass-through",
            "relations": sorted(relations),
            "expressions": self.out,
            "parse_error": None,
        }

    # -- relations ----------------------------------------------------------------------------

    def relations(self, root: exp.Expr) -> set[str]:
        return {written_name(t, self.dialect_name) for t in tables_read(root)}

    def relation_name(self, table: exp.Table) -> str:
        """A joined table's name as written ('' for a table function or placeholder)."""
        return written_name(table, self.dialect_name) if is_relation(table) else ""

    # -- expressions --------------------------------------------------------------------------

    def sql(self, node: exp.Expr) -> str:
        """``node`` as SQL of the text's dialect."""
        return self.generator.generate(clone(node), copy=False)

    def walk(self, root: exp.Expr) -> None:
        for node in root.find_all(*_WALKED, bfs=False):
            kind = type(node)
            if kind is exp.Select:
                self.select(node)
            elif kind is exp.Join:
                self.join(node)
            elif isinstance(node, exp.SetOperation):
                self.union(node)
            else:
                self.conditions(node.this, "filter")

    def add(self, kind: str, node: exp.Expr, key: str, normal: str | None = None, negated: bool = False,
            sql: str | None = None, columns: list[str] | None = None) -> None:
        line, pos = self.position(node)
        if (kind, key, line) in self.seen:
            return
        self.seen.add((kind, key, line))
        text = sql if sql is not None else self.sql(node)
        if columns is None:
            columns = sorted({c.name.lower() for c in node.find_all(exp.Column) if not isinstance(c.this, exp.Star)})
        self.out.append({
            "kind": kind, "sql": text[:_MAX_SQL], "key": key, "columns": columns, "line": line,
            "normal": normal if normal is not None else key, "negated": negated, "_pos": pos,
        })

    def position(self, node: exp.Expr) -> tuple[int, int]:
        best: tuple[int, int] | None = None
        for n in node.walk():
            meta = n.meta if isinstance(n, (exp.Identifier, exp.Literal)) else None
            if meta and "line" in meta:
                here = (meta["line"], meta.get("start", 0))
                if best is None or here < best:
                    best = here
        if best is None:
            parent = node.parent
            return self.position(parent) if parent is not None else (self.offset, 0)
        return self.offset + best[0] - 1, best[1]

    def conditions(self, condition: exp.Expr | None, kind: str) -> None:
        """One entry per AND-ed condition (conditions on parameters and constants left out)."""
        if condition is None:
            return
        for part in _conjuncts(condition):
            self.condition(part, kind)

    def condition(self, part: exp.Expr, kind: str) -> None:
        if is_constant(part) or has_parameter(part) and _parameter_only(part):
            return
        if isinstance(part, exp.Column) and isinstance(part.this, exp.Star):
            return
        key, normal, negated = condition_forms(part)
        if kind == "filter" and any(isinstance(n, _DATE_FUNCS) for n in part.walk()):
            kind = "date_math"
        self.add(kind, part, key, normal, negated)

    def join(self, join: exp.Join) -> None:
        on = join.args.get("on")
        target = join.this
        name = self.relation_name(target) if isinstance(target, exp.Table) else "(subquery)"
        side = " ".join(str(join.args.get(k) or "").upper() for k in ("method", "side", "kind")).split()
        words = " ".join(side + ["JOIN"])
        join_parts: list[str] = []
        if on is not None:
            for part in _conjuncts(on):
                columns = list(part.find_all(exp.Column))
                tables = {c.table.lower() for c in columns if c.table}
                if len(tables) >= 2 or (len(columns) >= 2 and not is_constant(part) and _compares_columns(part)):
                    join_parts.append(normal_sql(part))
                else:
                    self.condition(part, "filter")
        key = f"{words} {name.lower()}"
        if join_parts:
            key += " ON " + " AND ".join(sorted(join_parts))
        using = join.args.get("using")
        if using:
            key += " USING (" + ", ".join(sorted(u.name.lower() for u in using)) + ")"
        self.add("join", join, key, sql=f"{words} {name}" + (f" ON {self.sql(on)}" if on is not None else ""))

    def select(self, select: exp.Select) -> None:
        has_agg = False
        for projection in select.expressions:
            has_agg = self.projection(projection) or has_agg
        group = select.args.get("group")
        if select.args.get("distinct") is not None:
            cols = ", ".join(canonical_sql(p.unalias()) for p in select.expressions)
            self.add("aggregate", select.args["distinct"], f"DISTINCT {cols}", sql=f"DISTINCT {cols}")
        elif group is not None and not has_agg and group.expressions:
            cols = ", ".join(sorted(canonical_sql(g) for g in group.expressions))
            self.add("aggregate", group, f"GROUP BY {cols}")

    def projection(self, projection: exp.Expr) -> bool:
        """Entries for one projection; True when it holds an aggregate."""
        node = projection.unalias()
        if _pass_through(node):
            return False
        found_agg = False
        special = False
        for n in node.walk(bfs=False, prune=lambda x: isinstance(x, (exp.Query, exp.Subquery))):
            if isinstance(n, exp.Case):
                special = True
                for branch in n.args.get("ifs") or []:
                    self.case_branch(branch.this, branch)
            elif isinstance(n, exp.If) and not isinstance(n.parent, exp.Case):
                special = True
                self.case_branch(n.this, n)
            elif isinstance(n, exp.Window):
                special = True
                self.add("window", n, canonical_sql(n))
            elif isinstance(n, exp.Filter):
                where = n.args.get("expression")
                if isinstance(where, exp.Where):
                    self.conditions(where.this, "filter")
            elif isinstance(n, exp.AggFunc) and not isinstance(n.parent, exp.Window) and n.find_ancestor(exp.Window) is None:
                special = found_agg = True
                self.add("aggregate", n, canonical_sql(n))
                condition = n.this  # COUNTIF(x >= 10), LOGICAL_AND(p): the rows it counts
                if isinstance(condition, _BOOLEAN) and not is_constant(condition):
                    self.conditions(condition, "filter")
        top = node.this if isinstance(node, exp.Filter) else node
        if isinstance(top, _DATE_FUNCS) or (
            not isinstance(top, (exp.Case, exp.If, exp.Window, exp.AggFunc))
            and any(isinstance(n, _DATE_FUNCS) for n in top.walk())
        ):
            self.add("date_math", node, canonical_sql(node))
        elif isinstance(top, _BOOLEAN):  # `qty > 0 AS in_stock`: a rule, keyed like a filter
            key, normal, negated = condition_forms(top)
            self.add("computed", node, key, normal, negated)
        elif not _only_wraps_special(top):
            self.add("computed", node, canonical_sql(node))
        return found_agg

    def case_branch(self, condition: exp.Expr, branch: exp.Expr) -> None:
        if condition is None or is_constant(condition):
            return
        for part in _conjuncts(condition):
            if is_constant(part) or _parameter_only(part):
                continue
            key, normal, negated = condition_forms(part)
            value = branch.args.get("true")
            sql = f"WHEN {self.sql(part)}" + (f" THEN {self.sql(value)}" if value is not None else "")
            self.add("case", part, key, normal, negated, sql=sql)

    def union(self, node: exp.SetOperation) -> None:
        if isinstance(node.parent, exp.SetOperation) and type(node.parent) is type(node):
            return  # a chain of UNIONs is one entry, at its top
        word = {exp.Union: "UNION", exp.Intersect: "INTERSECT", exp.Except: "EXCEPT"}.get(type(node), "UNION")
        if isinstance(node, exp.Union) and not node.args.get("distinct"):
            word += " ALL"
        names = sorted({self.relation_name(t).lower() for t in node.find_all(exp.Table)} - {""})
        key = f"{word} OF " + ", ".join(names)
        self.add("union", node, key, sql=f"{word} of {', '.join(names)}", columns=[])


@functools.lru_cache(maxsize=None)
def _generator(dialect: str):
    """One generator per dialect (sqlglot builds one per ``.sql()`` call otherwise)."""
    return _dialect(dialect).generator()


def _conjuncts(condition: exp.Expr) -> list[exp.Expr]:
    node = condition
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.And):
        return [p for c in node.flatten() for p in _conjuncts(c)]
    return [node]


def _parameter_only(part: exp.Expr) -> bool:
    """A comparison whose value side is a parameter (``store_id = :p1``): the caller's input."""
    if isinstance(part, (exp.Binary, exp.In, exp.Like, exp.ILike, exp.Between)):
        sides = [part.this] + ([part.expression] if isinstance(part, exp.Binary) else list(part.expressions)
                               if isinstance(part, exp.In) else [part.args.get("expression"), part.args.get("low"),
                                                                  part.args.get("high")])
        values = [s for s in sides[1:] if s is not None]
        if values and all(has_parameter(v) for v in values):
            return True
        if has_parameter(part.this) and is_constant(part.this):
            return True
    return False


def _compares_columns(part: exp.Expr) -> bool:
    if isinstance(part, exp.Binary):
        return not is_constant(part.this) and not is_constant(part.expression)
    return False


_CASTS: tuple[type, ...] = tuple(
    getattr(exp, name) for name in ("Cast", "TryCast", "Paren", "Date", "TsOrDsToDate", "TsOrDsToTimestamp")
    if hasattr(exp, name)
)
"""Wrappers that only change a column's type (``CAST(x AS DATE)``, ``DATE(x)``, ``x::int``)."""


def _pass_through(node: exp.Expr) -> bool:
    """A plain column, ``*``, a cast of a column (``DATE(x)`` included), or a constant."""
    while isinstance(node, _CASTS) and len([v for v in node.args.values() if isinstance(v, exp.Column)]) <= 1:
        if isinstance(node, exp.Date) and node.expressions:
            break  # DATE(y, m, d) builds a date: computed
        node = node.this
    if isinstance(node, (exp.Column, exp.Star)):
        return True
    return is_constant(node) and not any(isinstance(n, _DATE_FUNCS) for n in node.walk())


def _only_wraps_special(node: exp.Expr) -> bool:
    """A projection that is a CASE, IF, window or aggregate, maybe under a cast or parentheses."""
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren)):
        node = node.this
    return isinstance(node, (exp.Case, exp.If, exp.Window, exp.AggFunc))


__all__ = ["KINDS", "analyse", "analyse_statements", "canonical", "empty_logic"]
