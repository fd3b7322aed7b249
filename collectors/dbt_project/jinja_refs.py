"""``ref()``, ``source()`` and ``config()`` calls in raw dbt code, without rendering any Jinja.

A small tokenizer finds the Jinja tags of a SQL file (``{{ expression }}``, ``{% statement %}``,
``{# comment #}``); the only patterns used are the ones that find where a tag opens and closes
(quoted strings inside a tag are skipped, so ``'}}'`` in a string does not close it). The text
of each expression or statement is then parsed with Python's :mod:`ast` (Jinja expressions are
nearly Python) and every call to ``ref``, ``source`` or ``config`` is read from the tree:

* ``ref('x')``, ``ref('pkg', 'x')``, ``ref('x', v=2)``, ``ref('x', version='2')``;
* ``source('s', 't')``;
* ``config(materialized='table', tags=[...])``: the keyword arguments that are literals
  (``true``/``false``/``none`` included); others (``var('x')``) are left out;
* calls inside ``{% if %}``, ``{% for %}``, ``{% set %}`` count; comments and ``{% raw %}``
  bodies do not; calls with arguments that are not literals (``ref(var('m'))``) are skipped,
  since only rendering could tell what they name.

A tag whose text is not Python (Jinja's ``~`` operator, ``from=`` arguments, ``if`` without
``else``) is searched for the call names instead, and each call found is parsed on its own.

Python models (``.py``) are read with :func:`extract_python_calls`: ``dbt.ref("x")``,
``dbt.source("a", "b")``, ``dbt.config(materialized="table")``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

_OPEN = re.compile(r"\{[{%#]")
_CLOSE = {
    "{{": re.compile(r"""(?:[^'"}]++|'(?:[^'\\]|\\.)*+'|"(?:[^"\\]|\\.)*+"|\}(?!\}))*+\}\}""", re.S),
    "{%": re.compile(r"""(?:[^'"%]++|'(?:[^'\\]|\\.)*+'|"(?:[^"\\]|\\.)*+"|%(?!\}))*+%\}""", re.S),
}
_ENDRAW = re.compile(r"\{%-?\s*endraw\s*-?%\}")

_NAMES = ("ref", "source", "config")
_LITERAL_NAMES = {"true": True, "True": True, "false": False, "False": False, "none": None, "None": None}
_DEFINITIONS = frozenset({"macro", "test", "materialization", "data_test"})
_CACHE: dict[str, list[tuple[str, tuple, dict]]] = {}
_CACHE_LIMIT = 200_000


class JinjaSyntaxError(ValueError):
    """A Jinja tag that never closes; ``line`` is where it opens (1-based)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass
class JinjaCalls:
    """What a model's code names.

    Attributes:
        refs: ``(package, name, version)`` per ``ref()`` call, in order, without repeats.
        sources: ``(source_name, table_name)`` per ``source()`` call, in order, without repeats.
        config: the literal keyword arguments of the ``config()`` calls, later calls winning.
        snapshots: ``{% snapshot name %}`` blocks: name -> the code between the tags.
        defines: True when the file defines macros or generic tests (``{% macro %}``,
            ``{% test %}``): such a file is not a node itself.
    """

    refs: list[tuple[str | None, str, str | None]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    snapshots: dict[str, str] = field(default_factory=dict)
    defines: bool = False
    _seen: set = field(default_factory=set, repr=False, compare=False)

    def add(self, name: str, args: tuple, kwargs: dict) -> None:
        """Record one call (``args``/``kwargs`` already literal values)."""
        if name == "ref":
            if not 1 <= len(args) <= 2 or not all(isinstance(a, str) for a in args):
                return
            version = kwargs.get("v", kwargs.get("version"))
            ref = (args[0] if len(args) == 2 else None, args[-1], None if version is None else str(version))
            if ref not in self._seen:
                self._seen.add(ref)
                self.refs.append(ref)
        elif name == "source":
            if len(args) == 2 and all(isinstance(a, str) for a in args) and args not in self._seen:
                self._seen.add(args)
                self.sources.append(args)  # type: ignore[arg-type]
        elif name == "config":
            self.config.update({k: _fresh(v) for k, v in kwargs.items()})


def extract_calls(raw_sql: str) -> JinjaCalls:
    """Find the ``ref``, ``source`` and ``config`` calls of raw dbt SQL.

    Raises:
        JinjaSyntaxError: a ``{{``, ``{%`` or ``{#`` tag is never closed.

    Example:
        >>> calls = extract_calls('''
        ... {{ config(materialized='table', tags=['daily'], enabled=true) }}
        ... {# {{ ref('commented_out') }} #}
        ... select * from {{ ref('stg_orders') }}
        ... join {{ ref("core",
        ...             "dim_customers", v=2) }} using (customer_id)
        ... {% if is_incremental() %} join {{ source('shop', 'raw_orders') }} {% endif %}
        ... ''')
        >>> calls.refs
        [(None, 'stg_orders', None), ('core', 'dim_customers', '2')]
        >>> calls.sources
        [('shop', 'raw_orders')]
        >>> calls.config
        {'materialized': 'table', 'tags': ['daily'], 'enabled': True}
        >>> extract_calls("{% set rel = ref('a') ~ '_x' %}{{ dbt_utils.star(from=ref('b')) }}").refs
        [(None, 'a', None), (None, 'b', None)]
    """
    calls = JinjaCalls()
    pos = 0
    snapshot: str | None = None
    body_start = 0
    search = _OPEN.search
    while True:
        match = search(raw_sql, pos)
        if match is None:
            return calls
        start = match.start()
        kind = match.group()
        if kind == "{#":
            end = raw_sql.find("#}", start + 2)
            if end < 0:
                raise JinjaSyntaxError("a {# comment is never closed", _line(raw_sql, start))
            pos = end + 2
            continue
        closed = _CLOSE[kind].match(raw_sql, start + 2)
        if closed is None:
            raise JinjaSyntaxError(f"a {kind} tag is never closed", _line(raw_sql, start))
        pos = closed.end()
        body = raw_sql[start + 2 : pos - 2].strip("-+ \t\r\n")
        if kind == "{{":
            if "ref" in body or "source" in body or "config" in body:
                _collect(body, calls)
            continue
        keyword, _, rest = body.partition(" ") if " " in body else (body, "", "")
        if "\n" in keyword or "\t" in keyword:
            keyword, rest = [*body.split(None, 1), ""][:2]
        if keyword == "raw":
            end = _ENDRAW.search(raw_sql, pos)
            pos = end.end() if end else len(raw_sql)
        elif keyword == "snapshot":
            snapshot, body_start = rest.strip(), pos
        elif keyword == "endsnapshot" and snapshot is not None:
            calls.snapshots[snapshot] = raw_sql[body_start:start]
            snapshot = None
        elif keyword in _DEFINITIONS:
            calls.defines = True
        elif "ref" in rest or "source" in rest or "config" in rest:
            if keyword == "set":
                _collect(rest, calls, statement=True)
            elif keyword == "for":
                _collect(f"for {rest}:\n pass", calls, statement=True)
            else:
                _collect(rest, calls)


def extract_python_calls(code: str) -> JinjaCalls:
    """Find ``dbt.ref``, ``dbt.source`` and ``dbt.config`` calls of a Python model.

    Raises:
        SyntaxError: the code is not valid Python.

    Example:
        >>> code = 'def model(dbt, session):\\n    dbt.config(materialized="table")\\n    return dbt.ref("orders", v=1)\\n'
        >>> calls = extract_python_calls(code)
        >>> calls.refs, calls.config
        ([(None, 'orders', '1')], {'materialized': 'table'})
    """
    calls = JinjaCalls()
    for node in ast.walk(parse_python(code)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _NAMES:
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "dbt":
                _add_call(node.func.attr, node, calls)
    return calls


def parse_python(code: str, mode: str = "exec") -> ast.AST:
    """``ast.parse``, with hostile depth turned into a SyntaxError: an expression nested
    thousands deep (``dbt.ref(a+a+...)`` 100,000 times) exhausts the parser's recursion or memory.

    Example:
        >>> parse_python("dbt.ref(" + "+".join(["a"] * 100_000) + ")")
        Traceback (most recent call last):
        ...
        SyntaxError: nested too deeply to read (line 1)
    """
    try:
        return ast.parse(code, mode=mode)
    except (RecursionError, MemoryError):
        raise SyntaxError("nested too deeply to read (line 1)") from None


_BARE_CALL = re.compile(r"(?<![\w.])(?:ref|source|config)\s*\(")
"""Where a call of ``ref``, ``source`` or ``config`` by its bare name may start: a tag without
one (``refs_of([...])``, ``my_pkg.ref_for('x')``) names no call the parse would keep."""


def _collect(text: str, calls: JinjaCalls, statement: bool = False) -> None:
    """Parse one tag's text and add its calls (results cached by text: tags repeat across files).

    Example:
        >>> c = JinjaCalls(); _collect("union_all(refs_of(['a', 'b'])) ~ ref_for('c')", c); c.refs
        []
        >>> c = JinjaCalls(); _collect("x ~ ref ('a') ~ y.ref('b')", c); c.refs
        [(None, 'a', None)]
    """
    if _BARE_CALL.search(text) is None:
        return
    found = _CACHE.get(text)
    if found is None:
        found = None if statement else _plain_call(text)
        if found is None:
            found = _parsed_calls(text, statement)
        if len(_CACHE) > _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[text] = found
    for name, args, kwargs in found:
        calls.add(name, args, kwargs)


def _parsed_calls(text: str, statement: bool) -> list[tuple[str, tuple, dict]]:
    """The calls of one tag's text, from a Python parse (each call on its own when the whole
    is not Python)."""
    found = []
    try:
        tree = parse_python(text, mode="exec" if statement else "eval")
    except SyntaxError:
        return _scan(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NAMES:
            call = _literal_call(node)
            if call is not None:
                found.append(call)
    return found


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _plain_call(text: str) -> list[tuple[str, tuple, dict]] | None:
    """The most common tags, ``ref('name')``, ``ref('pkg', 'name')`` and ``source('s', 't')``
    with plain names, read without a Python parse (what the parse would give); None otherwise.

    Example:
        >>> _plain_call("ref('stg_orders')"), _plain_call('source("shop", "orders")')
        ([('ref', ('stg_orders',), {})], [('source', ('shop', 'orders'), {})])
        >>> _plain_call("ref('a' ~ 'b')"), _plain_call("ref('a', v=2)"), _plain_call("ref(x)")
        (None, None, None)
    """
    for name in ("ref", "source"):
        if text.startswith(name) and text.endswith(")"):
            rest = text[len(name):].lstrip()
            if not rest.startswith("("):
                return None
            args = []
            for part in rest[1:-1].split(","):
                part = part.strip()
                if len(part) < 3 or part[0] != part[-1] or part[0] not in "'\"" or not _PLAIN.issuperset(part[1:-1]):
                    return None
                args.append(part[1:-1])
            return [(name, tuple(args), {})] if len(args) <= 2 else None
    return None


def _scan(text: str) -> list[tuple[str, tuple, dict]]:
    """Calls in text that is not Python as a whole: each ``name(...)`` parsed on its own."""
    found = []
    for name in _NAMES:
        at = text.find(name)
        while at >= 0:
            before = text[at - 1] if at else " "
            open_at = _skip_space(text, at + len(name))
            if not (before.isalnum() or before in "_.") and open_at < len(text) and text[open_at] == "(":
                close = _closing_paren(text, open_at)
                if close is not None:
                    try:
                        node = parse_python(name + text[open_at : close + 1], mode="eval").body
                    except SyntaxError:
                        node = None
                    call = _literal_call(node) if isinstance(node, ast.Call) else None
                    if call is not None:
                        found.append(call)
            at = text.find(name, at + len(name))
    return found


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _closing_paren(text: str, at: int) -> int | None:
    """Index of the parenthesis closing the one at ``at`` (quoted strings skipped)."""
    depth = 0
    quote = None
    i = at
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _add_call(name: str, node: ast.Call, calls: JinjaCalls) -> None:
    call = _literal_call(node, name)
    if call is not None:
        calls.add(*call)


def _literal_call(node: ast.Call, name: str | None = None) -> tuple[str, tuple, dict] | None:
    """``(name, args, kwargs)`` with literal values; None when a positional argument is not literal.

    Keyword arguments that are not literals are dropped (a config's ``unique_key=var('k')``).
    """
    try:
        args = tuple(_literal(a) for a in node.args)
    except ValueError:
        return None
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            continue
        try:
            kwargs[kw.arg] = _literal(kw.value)
        except ValueError:
            continue
    return (name or node.func.id, args, kwargs)  # type: ignore[attr-defined]


def _literal(node: ast.AST) -> object:
    """A Python value of a literal node (Jinja's ``true``/``false``/``none`` included)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _LITERAL_NAMES:
        return _LITERAL_NAMES[node.id]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise ValueError("dict unpacking")
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    raise ValueError("not a literal")


def _fresh(value: object) -> object:
    """A copy of a literal's lists and dicts (parsed calls are cached and shared)."""
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1
