"""SQL text in the last mile: is a string a query, and DB-API placeholders made parseable.

A string is SQL when sqlglot parses it as a query (a ``SELECT``, a set operation, or a
statement that writes from a query), never because it holds a keyword. Application code holds
thousands of strings, so sqlglot's tokenizer looks first (about a hundredth of a parse): only a
text whose first token can start a query is parsed.

Placeholders: ``%(name)s`` and ``%s`` (psycopg, the DB-API ``pyformat``/``format`` styles) are
not SQL in most dialects. They are found among sqlglot's tokens (so a ``'%s'`` inside a SQL
string literal is left alone) and become ``:name`` / ``:pN`` parameters, which every dialect
parses.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp
from sqlglot.dialects import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

#: Token types a query may start with.
_STARTS = frozenset({
    TokenType.SELECT, TokenType.WITH, TokenType.L_PAREN, TokenType.INSERT, TokenType.UPDATE,
    TokenType.DELETE, TokenType.MERGE, TokenType.FROM, TokenType.VALUES,
})
#: What a string must parse to, to count as SQL.
QUERY_TYPES = (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge)
#: Shortest text worth a look ("select a from t" has 15 characters).
MIN_LENGTH = 15


@functools.lru_cache(maxsize=64)
def _tokenizer(dialect: str):
    return Dialect.get_or_raise(dialect or None).tokenizer_class()


def tokens(sql: str, dialect: str) -> list | None:
    """sqlglot's tokens of ``sql``, or None when it does not tokenize."""
    try:
        return _tokenizer(dialect).tokenize(sql)
    except (SqlglotError, ValueError, IndexError):
        return None


def parse_error(sql: str, dialect: str) -> str | None:
    """None when sqlglot parses ``sql`` as one statement, else sqlglot's message (one line).

    Example:
        >>> parse_error("select a from t where b > 1", "duckdb") is None
        True
        >>> parse_error("select a from", "duckdb")[:30]
        'Expected table name but got <T'
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect or None)
    except (SqlglotError, ValueError, IndexError, RecursionError) as e:
        return " ".join(str(e).split())[:300]
    if tree is None:
        return "empty SQL"
    return None


def as_query(sql: str, dialect: str) -> exp.Expression | None:
    """The parsed query when ``sql`` is a query reading at least one table, else None.

    Example:
        >>> as_query("select sku_id from analytics.skus where not is_seasonal", "duckdb") is not None
        True
        >>> as_query("Select a country", "duckdb") is None   # parses, but reads no table
        True
        >>> as_query("utf-8", "duckdb") is None
        True
    """
    if len(sql) < MIN_LENGTH:
        return None
    toks = tokens(sql, dialect)
    if not toks or toks[0].token_type not in _STARTS:
        return None
    try:
        tree = sqlglot.parse_one(sql, read=dialect or None)
    except (SqlglotError, ValueError, IndexError, RecursionError):
        return None
    if not isinstance(tree, QUERY_TYPES) or tree.find(exp.Table) is None:
        return None
    return tree


def replace_pyformat(sql: str, dialect: str, counter: list[int] | None = None) -> tuple[str, list[str]]:
    """``%(name)s`` -> ``:name`` and ``%s`` -> ``:pN`` where they are tokens, not string contents.

    Returns the new text and the parameter names, in order. ``counter`` (a one-item list)
    numbers positional parameters across calls.

    Example:
        >>> replace_pyformat("select a from t where s = %(store)s and n like '%s%' and m = %s", "duckdb")
        ("select a from t where s = :store and n like '%s%' and m = :p1", ['store', 'p1'])
    """
    counter = counter if counter is not None else [0]
    toks = tokens(sql, dialect) or []
    edits: list[tuple[int, int, str]] = []
    names: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.token_type == TokenType.MOD:
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is not None and nxt.start == t.end + 1 and nxt.text == "s":
                counter[0] += 1
                name = f"p{counter[0]}"
                edits.append((t.start, nxt.end + 1, f":{name}"))
                names.append(name)
                i += 2
                continue
            if (
                i + 4 < len(toks) and nxt is not None and nxt.token_type == TokenType.L_PAREN and nxt.start == t.end + 1
                and toks[i + 3].token_type == TokenType.R_PAREN and toks[i + 4].text == "s"
                and toks[i + 4].start == toks[i + 3].end + 1
            ):
                name = toks[i + 2].text
                edits.append((t.start, toks[i + 4].end + 1, f":{name}"))
                names.append(name)
                i += 5
                continue
        i += 1
    for start, end, text in reversed(edits):
        sql = sql[:start] + text + sql[end:]
    return sql, names
