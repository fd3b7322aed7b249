"""SQL strings and dataframe filters in Python code, found with ``ast``.

A string expression is SQL when sqlglot parses it as a query (:func:`.sqltext.as_query`).
String expressions are read whole: a constant, an f-string (each ``{...}`` stands for a
parameter ``:pN``, or for a name when a parameter does not parse, e.g. a table name), a
``"...".format(...)`` call (its fields, via :class:`string.Formatter`), a ``+`` concatenation
(module-level string constants included) and ``"..." % args``; ``%(name)s``/``%s`` become
parameters. Docstrings are not looked at.

Dataframe filters (``df[df["volume_ml"] > 50]``, ``df[~df["is_seasonal"]]``, ``&`` of them,
``.isin([...])``, ``.isna()``, ``.between(a, b)``, ``df.query("x > 5")``) become items of kind
``dataframe_filter`` with ``literal_filters``.
"""

from __future__ import annotations

import ast
import string
from typing import Any

from sqlglot import exp

from collectors.lastmile.model import item, literal_filter, payload, skip
from collectors.lastmile.sqltext import as_query, replace_pyformat

_CMP = {ast.Eq: "=", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in", ast.NotIn: "not_in"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}


class _Text:
    """A string expression's text with its placeholders, built part by part."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.holes: list[int] = []  # indexes of parts that are placeholders

    def add(self, text: str) -> None:
        self.parts.append(text)

    def hole(self) -> None:
        self.holes.append(len(self.parts))
        self.parts.append("")

    def render(self, as_param: bool) -> str:
        out = list(self.parts)
        for n, i in enumerate(self.holes, 1):
            out[i] = f":p{n}" if as_param else f"p{n}"
        return "".join(out)


def _build(node: ast.AST, consts: dict[str, ast.AST], text: _Text, depth: int = 0) -> bool:
    """Append ``node``'s text to ``text``; False when it is not a string expression."""
    if depth > 50:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text.add(node.value)
        return True
    if isinstance(node, ast.JoinedStr):
        for v in node.values:
            if isinstance(v, ast.Constant):
                text.add(str(v.value))
            elif (
                isinstance(v, ast.FormattedValue) and v.format_spec is None and v.conversion == -1
                and _known(v.value, consts, depth) is not None
            ):
                text.add(_known(v.value, consts, depth))  # a module constant: its value is the text
            else:
                text.hole()
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _build(node.left, consts, text, depth + 1) and _build(node.right, consts, text, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _build(node.left, consts, text, depth + 1)  # %-placeholders are replaced later
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        inner = _Text()
        if not _build(node.func.value, consts, inner, depth + 1) or inner.holes:
            return False
        try:
            fields = list(string.Formatter().parse("".join(inner.parts)))
        except ValueError:
            return False
        auto = 0
        for literal, field, spec, conv in fields:
            text.add(literal)
            if field is None:
                continue
            key: int | str = field
            if field == "":
                key, auto = auto, auto + 1
            elif field.isdigit():
                key = int(field)
            arg = None
            if isinstance(key, int) and key < len(node.args):
                arg = node.args[key]
            elif isinstance(key, str):
                arg = next((k.value for k in node.keywords if k.arg == key), None)
            value = _known(arg, consts, depth) if arg is not None and not spec and not conv else None
            if value is None:
                text.hole()
            else:
                text.add(value)
        return True
    if isinstance(node, ast.Name) and node.id in consts and depth < 50:
        return _build(consts[node.id], consts, text, depth + 1)
    return False


def _known(node: ast.AST, consts: dict[str, ast.AST], depth: int) -> str | None:
    """The text of a value known without running the code: a string or number literal, or a
    module-level string constant (itself without placeholders); None otherwise.

    Example:
        >>> _known(ast.parse('"analytics.orders"', mode="eval").body, {}, 0), _known(ast.Name("x"), {}, 0)
        ('analytics.orders', None)
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool):
        return str(node.value)
    if isinstance(node, ast.Name) and node.id in consts and depth < 20:
        inner = _Text()
        if _build(consts[node.id], consts, inner, depth + 1) and not inner.holes:
            return "".join(inner.parts)
    return None


def _is_string_expr(node: ast.AST) -> bool:
    return (
        (isinstance(node, ast.Constant) and isinstance(node.value, str))
        or isinstance(node, ast.JoinedStr)
        or (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)) and _is_string_expr_or_name(node.left))
        or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" and _is_string_expr(node.func.value))
    )


def _is_string_expr_or_name(node: ast.AST) -> bool:
    return _is_string_expr(node) or isinstance(node, ast.Name) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add))


def sql_of(node: ast.AST, consts: dict[str, ast.AST], dialect: str) -> tuple[str, int] | None:
    """(SQL, placeholders) when ``node`` is a string expression sqlglot reads as a query.

    Example:
        >>> tree = ast.parse('q = f"select * from {schema}.orders where id = {oid}"')
        >>> sql_of(tree.body[0].value, {}, "duckdb")
        ('select * from p1.orders where id = p2', 2)
    """
    text = _Text()
    if not _build(node, consts, text):
        return None
    for as_param in (True, False) if text.holes else (True,):
        sql = text.render(as_param)
        sql, names = replace_pyformat(sql, dialect) if "%" in sql else (sql, [])
        tree = as_query(sql, dialect)
        if tree is not None and not (as_param and any(t.find(exp.Placeholder) for t in tree.find_all(exp.Table))):
            return sql, len(text.holes) + len(names)
    return None


def _column(node: ast.AST, frame: str | None) -> tuple[str, str] | None:
    """(frame, column) for ``df["x"]`` or ``df.x``."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and (frame is None or node.value.id == frame):
            return node.value.id, key.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (frame is None or node.value.id == frame):
        return node.value.id, node.attr
    return None


def _literal(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def mask_filters(node: ast.AST, frame: str | None) -> list[dict] | None:
    """Literal filters of a boolean mask on ``frame`` (None when it is not one).

    Example:
        >>> mask_filters(ast.parse('(df["v"] > 50) & ~df["s"]', mode="eval").body, "df")
        [{'column': 'v', 'op': '>', 'value': 50}, {'column': 's', 'op': '=', 'value': False}]
        >>> mask_filters(ast.parse('df.market.isin(["a", "b"])', mode="eval").body, "df")
        [{'column': 'market', 'op': 'in', 'value': ['a', 'b']}]
    """
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
        left, right = mask_filters(node.left, frame), mask_filters(node.right, frame)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):  # df.query("a and b")
        parts = [mask_filters(v, frame) for v in node.values]
        return None if any(p is None for p in parts) else [f for p in parts for f in p]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
        col = _column(node.operand, frame)
        if col:
            return [literal_filter(col[1], "=", False)]
        inner = mask_filters(node.operand, frame)
        if inner and len(inner) == 1 and inner[0]["op"] in ("is_null", "not_null", "in", "=", "!="):
            neg = {"is_null": "not_null", "not_null": "is_null", "in": "not_in", "=": "!=", "!=": "="}[inner[0]["op"]]
            return [literal_filter(inner[0]["column"], neg, inner[0]["value"])]
        return None
    col = _column(node, frame)
    if col:
        return [literal_filter(col[1], "=", True)]
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
        op = _CMP[type(node.ops[0])]
        left, right = node.left, node.comparators[0]
        col = _column(left, frame)
        if col is None and op in _FLIP:
            col, left, right, op = _column(right, frame), right, left, _FLIP[op]
        ok, value = _literal(right)
        if col and ok:
            return [literal_filter(col[1], op, list(value) if isinstance(value, (tuple, set)) else value)]
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        col = _column(node.func.value, frame)
        method = node.func.attr
        if col is None and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "str":
            col = _column(node.func.value.value, frame)
            if col and method == "contains" and node.args:
                ok, value = _literal(node.args[0])
                return [literal_filter(col[1], "like", f"%{value}%")] if ok else None
            return None
        if col is None:
            return None
        if method in ("isna", "isnull"):
            return [literal_filter(col[1], "is_null", None)]
        if method in ("notna", "notnull"):
            return [literal_filter(col[1], "not_null", None)]
        if method == "isin" and node.args:
            ok, value = _literal(node.args[0])
            return [literal_filter(col[1], "in", list(value))] if ok else None
        if method == "between" and len(node.args) >= 2:
            (ok1, low), (ok2, high) = _literal(node.args[0]), _literal(node.args[1])
            return [literal_filter(col[1], ">=", low), literal_filter(col[1], "<=", high)] if ok1 and ok2 else None
    return None


def _query_filters(expr: str) -> list[dict] | None:
    """``df.query("a > 5 and not b")``: pandas query syntax is Python's."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if not names:
        return None
    return mask_filters(_AsFrame().visit(tree.body), "__q__")


class _AsFrame(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Subscript(value=ast.Name("__q__", ast.Load()), slice=ast.Constant(node.id), ctx=ast.Load())


def _frame_filter(node: ast.AST) -> tuple[str, list[dict]] | None:
    """(frame, filters) for ``df[mask]``, ``df.loc[mask]`` or ``df.query("...")``."""
    if isinstance(node, ast.Subscript):
        target = node.value
        if isinstance(target, ast.Attribute) and target.attr == "loc":
            target = target.value
        if isinstance(target, ast.Name):
            key = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
            if isinstance(key, ast.Constant):
                return None
            filters = mask_filters(key, target.id)
            return (target.id, filters) if filters else None
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "query"
        and isinstance(node.func.value, ast.Name) and node.args
        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
    ):
        filters = _query_filters(node.args[0].value)
        return (node.func.value.id, filters) if filters else None
    return None


_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _docstring(node: ast.AST) -> ast.AST | None:
    body = getattr(node, "body", None)
    if isinstance(node, _SCOPES) and body:
        first = body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            return first.value
    return None


def code_items(tree: ast.AST, dialect: str, line_of=lambda n: n, kind: str = "sql_string") -> list[dict]:
    """SQL strings and dataframe filters of a parsed module; ``line_of`` maps its lines to the file's.

    One pass over the tree: it knows the enclosing function and the variable a value is
    assigned to (an item's name: ``CATALOG_SQL``, else ``function:line``).
    """
    consts: dict[str, ast.AST] = {}
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _is_string_expr(node.value):
            consts[node.targets[0].id] = node.value
    items: list[dict] = []

    def visit(node: ast.AST, scope: str | None, target: str | None) -> None:
        if _is_string_expr(node):
            found = sql_of(node, consts, dialect)
            if found is not None:
                sql, holes = found
                line = line_of(node.lineno)
                name = target or (f"{scope}:{line}" if scope else None)
                meta = {"placeholders": holes} if holes else {}
                if isinstance(node, ast.JoinedStr):
                    meta["f_string"] = True
                items.append(item(kind, name, line, sql=sql, sql_line=line, meta=meta))
            return  # a string expression is read whole
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = targets[0].id if len(targets) == 1 and isinstance(targets[0], ast.Name) else None
            if node.value is not None:
                visit(node.value, scope, name)
            return
        frame_filter = _frame_filter(node)
        if frame_filter is not None:
            frame, filters = frame_filter
            line = line_of(node.lineno)
            items.append(item("dataframe_filter", f"{frame}:{line}", line, literal_filters=filters, meta={"dataframe": frame}))
        doc = _docstring(node)
        inner = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else scope
        for child in ast.iter_child_nodes(node):
            if child is not doc and not (doc is not None and isinstance(child, ast.Expr) and child.value is doc):
                visit(child, inner, None)

    visit(tree, None, None)
    return items


def read_python(rel: str, text: str, dialect: str) -> dict:
    """Items of a Python file; a file ``ast`` cannot parse is a skip naming the line."""
    try:
        tree = ast.parse(text, filename=rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        return payload("python", skips=[skip(getattr(e, "lineno", None), f"Python does not parse: {getattr(e, 'msg', e)}")])
    return payload("python", code_items(tree, dialect))
