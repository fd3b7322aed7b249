"""The relations a query text reads, parsed once per distinct text with sqlglot.

Real logs repeat a few thousand texts millions of times, so texts are keyed by
``hash(dialect NUL text)`` (computed in DuckDB by :mod:`collectors.query_logs.load`), and a key
the store's ``query_texts`` table already holds is never parsed again. What is left is parsed
in this process, or on every core when there are many (``fork``: workers start with sqlglot
imported).

Names keep their quoting (``"analytics"."Orders"``) so that :class:`console.relations.RelationIndex`
can apply the warehouse's case rules; CTE names, table functions and the table a ``CREATE ...
AS`` or ``INSERT`` writes are not relations read (:func:`collectors.sql_facts.relations.tables_read`,
the one definition the models' SQL facts and the last mile share).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, SqlglotError

from collectors.sql_facts.relations import tables_read, written_name

#: Fewer texts than this are parsed in this process.
POOL_MIN = 200

Parsed = tuple[list[str], str | None]
"""(relations read, parse error or None)."""


@lru_cache(maxsize=None)
def _dialect(name: str) -> Dialect:
    return Dialect.get_or_raise(name or None)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]


def objects_read(sql: str, dialect: str) -> Parsed:
    """The relations ``sql`` reads, as written (quotes kept), sorted; and a parse error.

    Never raises on bad SQL: the error is returned instead.

    Example:
        >>> objects_read('with t as (select 1 from a.b) select * from t join "S"."Orders" o on true', "snowflake")
        (['"S"."Orders"', 'a.b'], None)
        >>> objects_read("create table x as select * from y", "duckdb")
        (['y'], None)
        >>> objects_read("select from (", "duckdb")[1] is not None
        True
    """
    d = _dialect(dialect)
    try:
        statements = d.parse(sql)
        names: set[str] = set()
        for root in statements:
            if root is None:
                continue
            if isinstance(root, exp.Command):
                return [], _one_line(f"not a query sqlglot can read: {sql[:80]}")
            names.update(written_name(t, dialect) for t in tables_read(root))
        return sorted(names), None
    except ParseError as e:
        first = e.errors[0] if e.errors else {}
        where = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
        return [], _one_line(str(first.get("description") or e).split(" <Token")[0] + where)
    except RecursionError:
        return [], "SQL nested too deeply to parse"
    except (SqlglotError, ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
        return [], _one_line(f"{type(e).__name__}: {e}")


def _chunk(args: tuple[str, list[tuple[str, str]]]) -> list[tuple[str, list[str], str | None]]:
    dialect, items = args
    return [(h, *objects_read(text, dialect)) for h, text in items]


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def parse_texts(todo: Sequence[tuple[str, str, str]], workers: int | None = None) -> list[tuple[str, list[str], str | None]]:
    """``(hash, objects, error)`` for each ``(hash, dialect, text)``.

    Example:
        >>> parse_texts([("h1", "duckdb", "select * from s.t")])
        [('h1', ['s.t'], None)]
    """
    by_dialect: dict[str, list[tuple[str, str]]] = {}
    for h, dialect, text in todo:
        by_dialect.setdefault(dialect, []).append((h, text))
    workers = max(1, workers if workers is not None else _cores())
    if workers == 1 or len(todo) < POOL_MIN:
        return [row for d, items in by_dialect.items() for row in _chunk((d, items))]
    size = max(16, min(512, len(todo) // (workers * 8) or 1))
    chunks = [(d, items[i : i + size]) for d, items in by_dialect.items() for i in range(0, len(items), size)]
    for d in by_dialect:
        _dialect(d).parse("select 1 from t")  # forked workers inherit the warmed-up parser
    methods = multiprocessing.get_all_start_methods()
    fork = "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1
    context = multiprocessing.get_context("fork" if fork else ("forkserver" if "forkserver" in methods else "spawn"))
    out: list[tuple[str, list[str], str | None]] = []
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for rows in pool.map(_chunk, chunks):
            out.extend(rows)
    return out
