"""The normal form of business logic: one stable key per business rule, however it is written.

Two pieces of SQL that implement the same rule get the same key, so the rule can be found in
every place it lives (a Hightouch model, a LookML CASE, a dbt model). The normal form:

* **columns** are reduced to their name (table, schema and database qualifiers dropped) and
  lower-cased. Keys are compared across tools and dialects (Snowflake folds unquoted names to
  upper case, DuckDB and LookML write lower case), so quoted names are lower-cased too: two
  columns that differ only by the case of a quoted name are taken as one (rare, and the price
  of finding ``VOLUME_ML`` and ``volume_ml`` to be the same column).
* **literals are typed**: a number is written in its shortest decimal form (``50``, ``50.0``
  and ``5e1`` are ``50``); a string keeps its quotes (``'50'`` is a string, not the number
  50: a key never guesses a column's type, and ``zip = '02134'`` is not ``zip = 2134``);
  booleans are ``TRUE``/``FALSE``; typed literals keep their type (``CAST('2024-01-01' AS DATE)``).
* **comparisons** put the column on the left (``50 >= x`` is ``x <= 50``); ``NOT`` is pushed
  into the comparison (``NOT x <= 50`` is ``x > 50``); a one-value ``IN`` is ``=``; ``IN``
  lists are sorted and de-duplicated; ``x = 1 OR x = 2`` is ``x IN (1, 2)``; a boolean column
  alone (``is_seasonal``, ``NOT is_seasonal``, ``is_seasonal = false``, ``is_seasonal IS
  TRUE``) is a comparison with ``TRUE``.
* **a rule is a partition, not a side of it.** The key names the boundary a predicate draws,
  whichever side it keeps: ``volume_ml > 50`` (keep the full-size bottles) and ``volume_ml <=
  50`` (a CASE branch labelling the miniatures) are the same 50 ml rule, and both have the key
  ``volume_ml <= 50``. So ``>`` and ``<=`` share the key written with ``<=``, ``<`` and ``>=``
  the key written with ``<``, ``=`` and ``!=`` the key with ``=``, ``IN`` and ``NOT IN`` the key
  with ``IN``, ``LIKE`` and ``NOT LIKE`` the key with ``LIKE``, ``IS NULL`` and ``IS NOT
  NULL`` the key with ``IS NULL``. The side kept is not lost: :func:`normal_sql` keeps it
  (``volume_ml > 50``), and each expression records it as ``negated``.
* everything else (a computed column, an aggregate, a window) is sqlglot's generic SQL of the
  expression with these rules applied inside it, functions in lower case.

Examples:
    >>> from sqlglot import parse_one
    >>> key = lambda sql, d="duckdb": rule_key(parse_one(sql, read=d))
    >>> key("volume_ml > 50"), key("T.VOLUME_ML <= 50"), key('50 < "volume_ml"'), key("not (volume_ml <= 50)")
    ('volume_ml <= 50', 'volume_ml <= 50', 'volume_ml <= 50', 'volume_ml <= 50')
    >>> key("not is_seasonal"), key("is_seasonal = false"), key("is_seasonal"), key("o.is_seasonal is true")
    ('is_seasonal = TRUE', 'is_seasonal = TRUE', 'is_seasonal = TRUE', 'is_seasonal = TRUE')
    >>> key("category in ('rum', 'gin', 'rum')"), key("category = 'gin' or category = 'rum'")
    ("category IN ('gin', 'rum')", "category IN ('gin', 'rum')")
    >>> key("volume_ml > 50.0"), key("volume_ml > '50'")
    ('volume_ml <= 50', "volume_ml <= '50'")
    >>> key_of_filter("is_seasonal", "=", False), key_of_filter("t.volume_ml", ">", 50)
    ('is_seasonal = TRUE', 'volume_ml <= 50')
    >>> normal_sql(parse_one("50 < t.Volume_ML"))
    'volume_ml > 50'
"""

from __future__ import annotations

import decimal
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

PARAMETER_PREFIXES = ("{{", "__param", "__jinja", "__var")
"""A string literal starting with one of these stands for a parameter (a Metabase ``{{var}}``
left as a string, a Jinja placeholder), not a value."""

_CMP: dict[type, str] = {exp.EQ: "=", exp.NEQ: "!=", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}
_CMP_CLASS: dict[str, type] = {v: k for k, v in _CMP.items()}
_FLIP = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NOT = {"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_PARTITION = {"=": ("=", False), "!=": ("=", True), "<=": ("<=", False), ">": ("<=", True),
              "<": ("<", False), ">=": ("<", True)}
"""operator -> (the operator the key is written with, whether the predicate keeps the other side)."""

_UNWRAPPED = (exp.Column, exp.Literal, exp.Boolean, exp.Null, exp.Func, exp.Predicate, exp.Not, exp.Paren)
"""What a pair of parentheses may be dropped around without changing the meaning."""

_FILTER_OPS = {
    "=": "=", "==": "=", "eq": "=", "!=": "!=", "<>": "!=", "ne": "!=", "neq": "!=",
    "<": "<", "lt": "<", "<=": "<=", "le": "<=", "lte": "<=", ">": ">", "gt": ">", ">=": ">=",
    "ge": ">=", "gte": ">=", "in": "in", "not_in": "not in", "not in": "not in", "notin": "not in",
    "is_null": "is null", "is null": "is null", "isnull": "is null", "not_null": "is not null",
    "is_not_null": "is not null", "is not null": "is not null", "notnull": "is not null",
    "like": "like", "not_like": "not like", "not like": "not like", "ilike": "ilike",
    "contains": "contains", "starts_with": "starts_with", "ends_with": "ends_with",
}
"""Operators of structured filters (:func:`key_of_filter`), as tools write them."""


# -- literals ---------------------------------------------------------------------------------


def is_parameter(node: exp.Expr | None) -> bool:
    """A bind parameter or template variable: ``?``, ``:name``, ``$1``, ``@name``, ``'{{var}}'``.

    Example:
        >>> from sqlglot import parse_one
        >>> is_parameter(parse_one(":store_id")), is_parameter(parse_one("'{{market}}'")), is_parameter(parse_one("'x'"))
        (True, True, False)
    """
    if isinstance(node, (exp.Placeholder, exp.Parameter, exp.SessionParameter)):
        return True
    return isinstance(node, exp.Literal) and node.is_string and str(node.this).startswith(PARAMETER_PREFIXES)


def number_text(text: str) -> str:
    """The shortest decimal form of a number literal.

    Example:
        >>> number_text("50.0"), number_text("5e1"), number_text("0.50"), number_text("007")
        ('50', '50', '0.5', '7')
    """
    try:
        d = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return text
    if not d.is_finite():
        return text
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def literal_of(value: Any) -> exp.Expr:
    """A sqlglot literal of a Python value (from YAML or JSON): its type decides the SQL type.

    Example:
        >>> [literal_of(v).sql() for v in (50, 2.50, "50", True, None)]
        ['50', '2.5', "'50'", 'TRUE', 'NULL']
    """
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return exp.Literal.number(number_text(str(value)))
    return exp.Literal.string(str(value))


def is_constant(node: exp.Expr) -> bool:
    """No column and no query inside: a literal, or arithmetic on literals and ``CURRENT_DATE``."""
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)):
        return True
    return not any(isinstance(n, (exp.Column, exp.Query, exp.Star)) for n in node.walk())


def has_parameter(node: exp.Expr) -> bool:
    """A parameter anywhere in ``node``."""
    return any(is_parameter(n) for n in node.walk())


# -- the canonical tree --------------------------------------------------------------------------


def canonical(node: exp.Expr) -> exp.Expr:
    """A new tree: ``node`` in the normal form of the module docstring (polarity kept).

    ``node`` is left as it is. The tree is rebuilt node by node rather than deep-copied first
    (a deep copy carries positions and comments along, and cost more than the rest together).
    """
    return _canon(node)


def clone(node: exp.Expr) -> exp.Expr:
    """A copy of ``node`` without its positions and comments (three times cheaper than ``copy()``)."""
    args: dict[str, Any] = {}
    for name, value in node.args.items():
        if isinstance(value, exp.Expr):
            args[name] = clone(value)
        elif isinstance(value, list):
            args[name] = [clone(v) if isinstance(v, exp.Expr) else v for v in value]
        else:
            args[name] = value
    return type(node)(**args)


def _canon(node: exp.Expr) -> exp.Expr:
    """Children first, then the node itself (so every step sees canonical children)."""
    kind = type(node)
    if kind is exp.Column:  # the most common node: its qualifiers are dropped, not rebuilt
        if isinstance(node.this, exp.Star):
            return exp.Star()
        return exp.Column(this=exp.to_identifier(node.name.lower()))
    if kind is exp.Literal:
        if node.is_string:
            return exp.Literal(this=node.this, is_string=True)
        return exp.Literal.number(number_text(str(node.this)))
    args: dict[str, Any] = {}
    for name, value in node.args.items():
        if isinstance(value, exp.Expr):
            args[name] = _canon(value)
        elif isinstance(value, list):
            args[name] = [_canon(v) if isinstance(v, exp.Expr) else v for v in value]
        else:
            args[name] = value
    return _canon_step(type(node)(**args))


def _canon_step(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Column):  # a subclass of Column (the class itself is done in _canon)
        return exp.Column(this=exp.to_identifier(node.name.lower()))
    if isinstance(node, exp.Identifier):
        return exp.to_identifier(node.this.lower())
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return exp.Literal.number(number_text("-" + str(node.this.this)))
    if isinstance(node, exp.Paren) and isinstance(node.this, _UNWRAPPED):
        return node.this
    if isinstance(node, exp.Not):
        return _negate(node.this)
    if isinstance(node, exp.In):
        return _canon_in(node)
    if isinstance(node, exp.Or):
        merged = _or_as_in(node)
        if merged is not None:
            return merged
    if type(node) in _CMP:
        return _canon_cmp(node)
    if isinstance(node, exp.Ordered):
        node.set("nulls_first", None)  # a dialect's default null ordering is not part of a rule
        return node
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Boolean):
        return _bool_cmp(node.this, "=" if node.expression.this else "!=")
    return node


def _bare(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _canon_cmp(node: exp.Expr) -> exp.Expr:
    op = _CMP[type(node)]
    left, right = _bare(node.this), _bare(node.expression)
    if is_constant(left) and not is_constant(right):
        left, right, op = right, left, _FLIP[op]
    elif op in ("=", "!=") and not is_constant(right) and _text(left) > _text(right):
        left, right = right, left  # a = b is b = a: sorted
    if isinstance(right, exp.Boolean) and op in ("=", "!="):
        return _bool_cmp(left, op if right.this else _NOT[op])
    return _CMP_CLASS[op](this=left, expression=right)


def _bool_cmp(column: exp.Expr, op: str) -> exp.Expr:
    return _CMP_CLASS[op](this=column, expression=exp.Boolean(this=True))


def _negate(inner: exp.Expr) -> exp.Expr:
    inner = _bare(inner)
    if type(inner) in _CMP:
        op = _NOT[_CMP[type(inner)]]
        return _CMP_CLASS[op](this=inner.this, expression=inner.expression)
    if isinstance(inner, exp.Not):
        return inner.this
    if isinstance(inner, exp.Column):
        return _bool_cmp(inner, "!=")
    return exp.Not(this=inner)


def _canon_in(node: exp.In) -> exp.Expr:
    values = node.expressions
    if not values or node.args.get("query") is not None or not all(is_constant(v) for v in values):
        return node
    unique = {_text(canonical(v)): v for v in values}
    ordered = [unique[k] for k in sorted(unique, key=_sort_key)]
    if len(ordered) == 1:
        return exp.EQ(this=node.this, expression=ordered[0])
    return exp.In(this=node.this, expressions=ordered)


def _sort_key(text: str) -> tuple[int, Any, str]:
    try:
        return (0, decimal.Decimal(text), text)
    except decimal.InvalidOperation:
        return (1, 0, text)


def _or_as_in(node: exp.Or) -> exp.Expr | None:
    """``x = 1 OR x = 2 OR x IN (3)`` as ``x IN (1, 2, 3)``; None when the OR is not of that shape."""
    column: str | None = None
    values: list[exp.Expr] = []
    target = None
    for part in node.flatten():
        part = _bare(part)
        if isinstance(part, exp.EQ):
            side, value = (part.this, part.expression) if is_constant(part.expression) else (part.expression, part.this)
            items = [value]
        elif isinstance(part, exp.In) and part.args.get("query") is None:
            side, items = part.this, list(part.expressions)
        else:
            return None
        if not all(is_constant(v) for v in items) or is_constant(side):
            return None
        text = _text(canonical(side))
        if column is not None and text != column:
            return None
        column, target = text, side
        values.extend(items)
    return _canon_in(exp.In(this=target, expressions=values))


def canonical_sql(node: exp.Expr) -> str:
    """The normal form of any expression as text (a column stays a column).

    Example:
        >>> from sqlglot import parse_one
        >>> canonical_sql(parse_one("T.Country_Code")), normal_sql(parse_one("T.Country_Code"))
        ('country_code', 'country_code = TRUE')
    """
    return _text(canonical(node))


def normal_sql(node: exp.Expr) -> str:
    """The normal form of a condition as text, polarity kept (``volume_ml > 50``; a bare
    boolean column is the condition ``col = TRUE``)."""
    return _normal_text(canonical(node))


def _normal_text(tree: exp.Expr) -> str:
    if isinstance(tree, exp.Column):  # a boolean column as a condition
        tree = _bool_cmp(tree, "=")
    return _text(tree)


def condition_forms(node: exp.Expr) -> tuple[str, str, bool]:
    """``(key, normal form, negated)`` of a condition, from one canonical tree.

    Example:
        >>> from sqlglot import parse_one
        >>> condition_forms(parse_one("50 < t.volume_ml"))
        ('volume_ml <= 50', 'volume_ml > 50', True)
    """
    tree = canonical(_bare(node))
    key, negated = rule_of_canonical(tree)
    return key, _normal_text(tree), negated


_GENERATOR = Dialect.get_or_raise(None).generator(normalize_functions="lower")
"""sqlglot's generic SQL, functions in lower case: one generator for every key (building one
per call costs as much as generating)."""


def _text(node: exp.Expr) -> str:
    return _GENERATOR.generate(node, copy=False)  # canonical trees are ours: no copy needed


# -- rule keys -------------------------------------------------------------------------------------


def rule_of(node: exp.Expr) -> tuple[str, bool]:
    """The key of a predicate and whether the predicate keeps the other side of its partition.

    Example:
        >>> from sqlglot import parse_one
        >>> rule_of(parse_one("volume_ml > 50")), rule_of(parse_one("x not in (2, 1)"))
        (('volume_ml <= 50', True), ('x IN (1, 2)', True))
    """
    return rule_of_canonical(canonical(_bare(node)))


def rule_of_canonical(tree: exp.Expr) -> tuple[str, bool]:
    """:func:`rule_of` of a tree :func:`canonical` made already."""
    if isinstance(tree, exp.Column):
        tree = _bool_cmp(tree, "=")
    negated = False
    if isinstance(tree, exp.Not) and isinstance(_bare(tree.this), (exp.In, exp.Like, exp.ILike, exp.Between, exp.Is)):
        tree, negated = _bare(tree.this), True
    if isinstance(tree, (exp.Like, exp.ILike)) and tree.args.get("negate"):
        tree = tree.copy()
        tree.set("negate", None)
        negated = True
    if type(tree) in _CMP:
        op, negated = _PARTITION[_CMP[type(tree)]]
        tree = _CMP_CLASS[op](this=tree.this, expression=tree.expression)
    return _text(tree), negated


def rule_key(node: exp.Expr) -> str:
    """The key of a predicate or expression (see the module docstring)."""
    return rule_of(node)[0]


def filter_expression(column: str, op: str, value: Any) -> exp.Expr:
    """The SQL predicate of a structured filter (see :func:`key_of_filter`).

    Raises:
        ValueError: an operator this module does not know.
    """
    name = column.strip().split(".")[-1].strip('"`[] ').lower()
    col = exp.column(exp.to_identifier(name))
    norm = _FILTER_OPS.get(str(op).strip().lower())
    if norm is None:
        raise ValueError(f"unknown filter operator {op!r}")
    if norm in ("is null", "is not null"):
        pred: exp.Expr = exp.Is(this=col, expression=exp.Null())
        return exp.Not(this=pred) if norm == "is not null" else pred
    if norm in ("in", "not in"):
        values = value if isinstance(value, (list, tuple, set)) else [value]
        pred = exp.In(this=col, expressions=[literal_of(v) for v in values])
        return exp.Not(this=pred) if norm == "not in" else pred
    if norm in ("like", "not like", "ilike"):
        cls = exp.ILike if norm == "ilike" else exp.Like
        pred = cls(this=col, expression=literal_of(value))
        return exp.Not(this=pred) if norm == "not like" else pred
    if norm in ("contains", "starts_with", "ends_with"):
        text = str(value)
        pattern = {"contains": f"%{text}%", "starts_with": f"{text}%", "ends_with": f"%{text}"}[norm]
        return exp.Like(this=col, expression=exp.Literal.string(pattern))
    if isinstance(value, (list, tuple)):  # a list with '=' is an IN
        pred = exp.In(this=col, expressions=[literal_of(v) for v in value])
        return exp.Not(this=pred) if norm == "!=" else pred
    return _CMP_CLASS[norm](this=col, expression=literal_of(value))


def key_of_filter(column: str, op: str, value: Any = None) -> str:
    """The key of a structured filter (a sync's or a GUI question's filter, a pandas mask).

    Args:
        column: the column, qualified or not (``t.volume_ml``, ``"VOLUME_ML"``).
        op: ``= != < <= > >= in not_in is_null not_null like`` (and their spellings: ``==``,
            ``<>``, ``eq``, ``gt``, ``not in``...).
        value: a Python value, typed as YAML or JSON gives it (``50`` is a number, ``"50"`` a
            string, ``False`` a boolean); a list for ``in``.

    Returns:
        The same key as the SQL predicate it stands for (``~df["is_seasonal"]`` is
        ``is_seasonal = False``, whose key is that of SQL ``not is_seasonal``).

    Raises:
        ValueError: an operator this module does not know.

    Example:
        >>> key_of_filter("is_seasonal", "=", False), key_of_filter("category", "in", ["rum", "gin"])
        ('is_seasonal = TRUE', "category IN ('gin', 'rum')")
        >>> key_of_filter("deleted_at", "not_null"), key_of_filter("VOLUME_ML", "<=", 50)
        ('deleted_at IS NULL', 'volume_ml <= 50')
    """
    return rule_key(filter_expression(column, op, value))
