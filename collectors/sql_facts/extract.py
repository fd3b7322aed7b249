"""Facts about one SQL text: what it reads, how it joins, and which literals it filters on.

:func:`extract_facts` is a pure function of ``(sql, dialect)``: it parses once with sqlglot,
walks the tree once, and builds scopes (:mod:`sqlglot.optimizer.scope`) only when the SQL has
a ``WITH`` clause, because only a CTE can make a table name mean something other than a
relation in the warehouse. It never qualifies or optimises the tree (far slower, and not
needed for these facts).

The facts:

* ``tables_read``: external relations, lower-case dotted names as written
  (``db.schema.table``, ``schema.table`` or ``table``), sorted; references to a CTE of an
  enclosing scope, table functions (``read_csv(...)``) and Jinja placeholders left by
  :func:`collectors.sql_facts.jinja_reduce.reduce_jinja` are not relations, and neither is
  the table a ``CREATE ... AS`` or ``INSERT INTO`` writes
  (:func:`collectors.sql_facts.relations.tables_read`, shared with the last mile and the query logs).
* ``join_count`` and ``join_kinds``: every join, and the distinct kinds, sorted: ``inner``,
  ``left``, ``right``, ``full``, ``cross``, ``comma`` (``FROM a, b``), ``semi``, ``anti``,
  prefixed by the method when there is one (``natural inner``, ``asof left``, ``positional``).
* ``cte_count``: CTEs at any depth.
* ``select_star``: a ``*`` or ``t.*`` projection anywhere (``count(*)`` is not one).
* ``literal_filters``: comparisons of a column (bare, or under a cast, ``lower``, ``upper`` or
  ``trim``) with literals in ``WHERE``, ``HAVING``, ``QUALIFY``, ``JOIN ... ON`` and ``CASE
  WHEN`` conditions: ``{"column", "op", "value", "in"}``; ``value`` is the literal's text, a
  list for ``IN`` and ``BETWEEN``; ``in`` names the clause (``where``, ``having``, ``qualify``,
  ``join``, ``case``); ``NOT`` directly around a comparison turns its operator around.
  ``IS [NOT] NULL`` checks are not filters on a value and are left out,
  and so are comparisons with a Jinja placeholder (``'{{ var("start") }}'`` in raw SQL).
* ``parse_error``: None, or one line saying why the SQL could not be read (then the other facts
  are empty).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, SqlglotError

from collectors.sql_facts.relations import PLACEHOLDER_PREFIX, table_name, tables_read

# sqlglot warns through logging when it falls back to a Command; that SQL gets a parse_error
# here, so keep the warning off stderr unless the application configures logging itself.
logging.getLogger("sqlglot").addHandler(logging.NullHandler())

_OPS: dict[type, str] = {
    exp.EQ: "=", exp.NEQ: "!=", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=",
    exp.Like: "like", exp.ILike: "ilike",
}
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATED = {
    "=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<",
    "in": "not in", "not in": "in", "like": "not like", "not like": "like",
    "ilike": "not ilike", "not ilike": "ilike", "between": "not between", "not between": "between",
}
_WALKED: dict[type, str] = {
    exp.Table: "table", exp.Join: "join", exp.Select: "select", exp.CTE: "cte", exp.If: "if",
    exp.Where: "where", exp.Having: "having", exp.Qualify: "qualify",
}
"""Node types the single walk acts on; a WHERE, HAVING or QUALIFY maps to its clause name."""
_COLUMN_WRAPPERS = (exp.Cast, exp.TryCast, exp.Lower, exp.Upper, exp.Trim)
_PREDICATES = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Like, exp.ILike, exp.In, exp.Between)
_PREDICATE_PRUNE = (exp.Query, exp.Subquery, exp.Case, exp.If, *_PREDICATES)


def empty_facts(parse_error: str | None = None) -> dict[str, Any]:
    """The facts of SQL that reads nothing (or could not be read).

    Example:
        >>> empty_facts("Expected table name (line 1, column 17)")["parse_error"]
        'Expected table name (line 1, column 17)'
    """
    return {
        "tables_read": [], "join_count": 0, "join_kinds": [], "cte_count": 0,
        "select_star": False, "literal_filters": [], "parse_error": parse_error,
    }


def extract_facts(sql: str, dialect: str) -> dict[str, Any]:
    """Parse ``sql`` in ``dialect`` and return its facts (see the module docstring).

    Never raises on bad SQL: sqlglot errors, and a tree too deep to walk, become
    ``parse_error``.

    Args:
        sql: one or more SQL statements (compiled dbt SQL, or raw SQL after Jinja reduction).
        dialect: a sqlglot dialect name, '' for sqlglot's generic dialect.

    Returns:
        A JSON-able dict with the keys of :func:`empty_facts`.

    Raises:
        ValueError: ``dialect`` is not a sqlglot dialect (a caller's mistake, not the SQL's).

    Example:
        >>> facts = extract_facts(
        ...     "with o as (select * from raw.orders) "
        ...     "select o.id from o left join crm.customers c on c.id = o.customer_id "
        ...     "where o.volume_ml > 50", "duckdb")
        >>> facts["tables_read"], facts["join_kinds"], facts["cte_count"], facts["select_star"]
        (['crm.customers', 'raw.orders'], ['left'], 1, True)
        >>> facts["literal_filters"]
        [{'column': 'volume_ml', 'op': '>', 'value': '50', 'in': 'where'}]
        >>> extract_facts("select from where (", "duckdb")["parse_error"][:26]
        'Expected table name but go'
    """
    parser = _dialect(dialect)
    try:
        statements = parser.parse(sql)
    except ParseError as e:
        return empty_facts(_parse_error_line(e))
    except SqlglotError as e:
        return empty_facts(_one_line(str(e)))
    except RecursionError:
        return empty_facts("SQL nested too deeply to parse")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
        # sqlglot's parser reports some malformed input this way; the contract is never to raise.
        return empty_facts(_one_line(f"sqlglot failed on this SQL: {type(e).__name__}: {e}"))
    try:
        return _facts(statements)
    except RecursionError:
        return empty_facts("SQL nested too deeply to analyse")
    except SqlglotError as e:  # scope building refuses some shapes (OptimizeError)
        return empty_facts(_one_line(str(e)))


@functools.lru_cache(maxsize=None)
def _dialect(name: str) -> Dialect:
    return Dialect.get_or_raise(name or None)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _parse_error_line(e: ParseError) -> str:
    if e.errors:
        first = e.errors[0]
        description = str(first.get("description") or "").split(" <Token")[0]
        highlight = first.get("highlight")
        if highlight and "<Token" in str(first.get("description")):
            description += f" {highlight!r}"
        return _one_line(f"{description} (line {first.get('line')}, column {first.get('col')})")
    return _one_line(str(e))


def _facts(statements: list[exp.Expr | None]) -> dict[str, Any]:
    tables: list[exp.Table] = []
    joins: list[exp.Join] = []
    ctes = 0
    star = False
    filters: list[dict[str, Any]] = []
    for root in statements:
        if root is None:
            continue
        if isinstance(root, exp.Command):
            return empty_facts(_one_line(f"not a query sqlglot can read: {root.sql()[:80]}"))
        has_with = False
        statement_tables: list[exp.Table] = []
        for node in root.walk(bfs=False):
            kind = _WALKED.get(type(node))
            if kind is None:  # most nodes: columns, identifiers, literals, operators
                continue
            if kind == "table":
                statement_tables.append(node)
            elif kind == "join":
                joins.append(node)
                on = node.args.get("on")
                if on is not None:
                    _scan(on, "join", filters)
            elif kind == "select":
                if not star:
                    star = any(_is_star(e) for e in node.expressions)
            elif kind == "cte":
                ctes += 1
                has_with = True
            elif kind == "if":
                _scan(node.this, "case", filters)
            else:
                _scan(node.this, kind, filters)
        tables += tables_read(root, statement_tables, has_with=has_with)
    names = {table_name(t) for t in tables}
    names.discard("")
    return {
        "tables_read": sorted(names),
        "join_count": len(joins),
        "join_kinds": sorted({_join_kind(j) for j in joins}),
        "cte_count": ctes,
        "select_star": star,
        "literal_filters": filters,
        "parse_error": None,
    }


def _join_kind(join: exp.Join) -> str:
    side = join.args.get("side")
    kind = join.args.get("kind")
    method = join.args.get("method")
    if side:
        base = str(side).lower()
    elif kind and str(kind).upper() != "OUTER":
        base = str(kind).lower()
    elif method:
        base = "inner"
    elif join.args.get("on") is None and not join.args.get("using"):
        base = "comma"
    else:
        base = "inner"
    if method:
        m = str(method).lower()
        return m if m == "positional" else f"{m} {base}"
    return base


def _is_star(projection: exp.Expr) -> bool:
    if isinstance(projection, exp.Alias):
        projection = projection.this
    if isinstance(projection, exp.Star):
        return True
    return isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)


def _scan(condition: exp.Expr | None, clause: str, out: list[dict[str, Any]]) -> None:
    """Append the column-versus-literal comparisons of one condition (not of nested queries)."""
    if condition is None:
        return
    for node in condition.walk(bfs=False, prune=lambda n: isinstance(n, _PREDICATE_PRUNE)):
        if isinstance(node, _PREDICATES):
            found = _comparison(node)
            if found is not None:
                column, op, value = found
                if _negated(node):
                    op = _NEGATED[op]
                out.append({"column": column, "op": op, "value": value, "in": clause})


def _negated(node: exp.Expr) -> bool:
    """``NOT x = 1`` or ``NOT (x = 1)``: the comparison itself is negated."""
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return isinstance(parent, exp.Not)


def _comparison(node: exp.Expr) -> tuple[str, str, Any] | None:
    if isinstance(node, exp.In):
        column = _column(node.this)
        if column is None or node.args.get("query") is not None or not node.expressions:
            return None
        values = [_literal(v) for v in node.expressions]
        if any(v is None for v in values):
            return None
        return column, "in", values
    if isinstance(node, exp.Between):
        column = _column(node.this)
        low, high = _literal(node.args.get("low")), _literal(node.args.get("high"))
        if column is None or low is None or high is None:
            return None
        return column, "between", [low, high]
    op = _OPS[type(node)]
    if op in ("like", "ilike") and node.args.get("negate"):
        op = "not " + op
    left, right = node.this, node.expression
    column, value = _column(left), _literal(right)
    if column is None or value is None:
        column, value = _column(right), _literal(left)
        if column is None or value is None:
            return None
        op = _FLIPPED.get(op, op)
    return column, op, value


def _column(node: exp.Expr | None) -> str | None:
    while isinstance(node, _COLUMN_WRAPPERS):
        node = node.this
    if isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier):
        return node.this.this
    return None


def _literal(node: exp.Expr | None) -> str | None:
    if isinstance(node, (exp.Cast, exp.TryCast)):
        node = node.this
    if isinstance(node, exp.Literal):
        text = str(node.this)
        return None if text.startswith(PLACEHOLDER_PREFIX) else text  # '{{ var(...) }}' is no literal
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return f"-{node.this.this}"
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    return None
