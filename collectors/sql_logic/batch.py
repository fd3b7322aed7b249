"""Logic facts for many SQL texts: cached by content hash, parsed on every core.

The approach of :mod:`collectors.sql_facts.parallel`: each text is keyed by
:func:`content_hash` (the :data:`LOGIC_VERSION`, the dialect and the text); a hash the store's
``logic_cache`` holds is never parsed again, identical texts are parsed once, and the rest is
parsed in a process pool (:func:`collectors.pool.run_chunks`) when there are at least
:data:`POOL_MIN` of them.

Cached facts hold lines counted from the text's first line (``line_offset=1``); each subject's
own ``line_offset`` is added when its row is built, so one cached text serves every file that
holds it, wherever it starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl

from collectors.logic_schema import LOGIC_CACHE_SCHEMA, LOGIC_FACTS_SCHEMA  # noqa: F401 - re-exported
from collectors.pool import run_chunks
from collectors.sql_logic.analyse import analyse
from console.gc_pause import gc_paused

LOGIC_VERSION = "2"
"""Part of every content hash: bump it when the logic facts change shape or meaning."""

POOL_MIN = 50
"""Fewer texts to parse than this: no process pool."""

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LogicInput:
    """One piece of SQL to analyse.

    Attributes:
        subject_id: a dbt unique_id or a last-mile artifact_id.
        subject_type: ``model`` or ``lastmile``.
        sql: the SQL text, templating resolved.
        dialect: the sqlglot dialect to read it in.
        line_offset: the line of the subject's file where ``sql`` starts.
    """

    subject_id: str
    subject_type: str
    sql: str
    dialect: str
    line_offset: int = 1


def content_hash(sql: str, dialect: str) -> str:
    """The logic cache key of one SQL text in one dialect (hex BLAKE2b, 160 bits).

    Example:
        >>> content_hash("select 1", "duckdb") == content_hash("select 1", "duckdb")
        True
        >>> content_hash("select 1", "duckdb") == content_hash("select 1", "snowflake")
        False
        >>> len(content_hash("select 1", ""))
        40
    """
    data = f"logic\0{LOGIC_VERSION}\0{dialect}\0{sql}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def analyse_many(
    items: Sequence[LogicInput],
    cached: Mapping[str, dict] | pl.DataFrame | None = None,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    hashes: Sequence[str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Logic facts for every item, analysing only what ``cached`` lacks.

    Args:
        items: the SQL texts, one per subject.
        cached: what the cache holds: ``logic_cache`` rows as a frame
            (:func:`console.store.cached_logic`), or content hash -> facts as :func:`analyse`
            returns them, or None.
        workers: processes to parse with (default: the cores this process may use).
        progress: ``progress(done, total)`` while parsing.
        hashes: the items' content hashes when already computed.

    Returns:
        ``(logic_facts, new_cache)``: one row per item (columns :data:`LOGIC_FACTS_SCHEMA`), and
        the ``logic_cache`` rows of the texts that were parsed (:data:`LOGIC_CACHE_SCHEMA`).

    Example:
        >>> facts, new = analyse_many([LogicInput("lastmile.x", "lastmile", "select a from t where b > 1", "duckdb", 10)], {})
        >>> facts.select("classification", "relations").row(0), new.height
        (('business', ['t']), 1)
        >>> orjson.loads(facts["expressions"][0])[0]["line"]
        10
        >>> again, new = analyse_many([LogicInput("lastmile.y", "lastmile", "select a from t where b > 1", "duckdb", 3)], new)
        >>> new.height, orjson.loads(again["expressions"][0])[0]["line"]
        (0, 3)
    """
    if hashes is None:
        hashes = [content_hash(i.sql, i.dialect) for i in items]
    cache = cached if isinstance(cached, pl.DataFrame) else cache_rows(cached or {})
    known = set(cache["content_hash"].to_list())
    todo: dict[str, tuple[str, str]] = {}
    for item, h in zip(items, hashes):
        if h not in known and h not in todo:
            todo[h] = (item.sql, item.dialect)
    fresh = packed_rows(_parse_all(list(todo.items()), workers, progress))
    with gc_paused():
        return _frames(items, hashes, pl.concat([cache.select(list(LOGIC_CACHE_SCHEMA)), fresh])), fresh


Packed = tuple[str, list[str], str, str | None]
"""Facts as a ``logic_cache`` row holds them: (classification, relations, expressions as JSON
text, parse_error). Workers send these back: a few strings unpickle far faster than the
dicts of every expression."""


def pack(facts: dict[str, Any]) -> Packed:
    """:func:`analyse`'s facts as a :data:`Packed` row."""
    return facts["classification"], facts["relations"], orjson.dumps(facts["expressions"]).decode(), facts["parse_error"]


def cache_rows(facts: Mapping[str, dict]) -> pl.DataFrame:
    """``logic_cache`` rows of content hash -> facts (as :func:`analyse` returns them)."""
    return packed_rows({h: pack(f) for h, f in facts.items()})


def packed_rows(packed: Mapping[str, Packed]) -> pl.DataFrame:
    """``logic_cache`` rows of content hash -> :data:`Packed` facts."""
    rows = list(packed.values())
    with gc_paused():
        return pl.DataFrame(
            {
                "content_hash": list(packed),
                "classification": [r[0] for r in rows],
                "relations": [r[1] for r in rows],
                "expressions": [r[2] for r in rows],
                "parse_error": [r[3] for r in rows],
            },
            schema=LOGIC_CACHE_SCHEMA,
        )


def facts_row(item: LogicInput, h: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The ``logic_facts`` row of one item from its facts (as :func:`analyse` returns them)."""
    shift = item.line_offset - 1
    expressions = facts["expressions"]
    if shift:
        expressions = [{**e, "line": e["line"] + shift} for e in expressions]
    return {
        "subject_id": item.subject_id, "subject_type": item.subject_type, "content_hash": h,
        "dialect": item.dialect, "classification": facts["classification"],
        "relations": facts["relations"], "expressions": orjson.dumps(expressions).decode(),
        "parse_error": facts["parse_error"],
    }


def _shifted(expressions: str, shift: int) -> str:
    """Expressions (JSON text) with ``shift`` added to every line."""
    if not shift or expressions == "[]":
        return expressions
    return orjson.dumps([{**e, "line": e["line"] + shift} for e in orjson.loads(expressions)]).decode()


def _frames(items: Sequence[LogicInput], hashes: Sequence[str], cache: pl.DataFrame) -> pl.DataFrame:
    """``logic_facts`` rows: the items joined with the cache rows of their hashes (columns, no JSON decoding)."""
    subjects = pl.DataFrame(
        {
            "subject_id": [i.subject_id for i in items], "subject_type": [i.subject_type for i in items],
            "content_hash": list(hashes), "dialect": [i.dialect for i in items],
            "shift": [i.line_offset - 1 for i in items],
        },
        schema={"subject_id": pl.String, "subject_type": pl.String, "content_hash": pl.String,
                "dialect": pl.String, "shift": pl.Int64},
    )
    joined = subjects.join(cache.unique("content_hash"), on="content_hash", how="left", maintain_order="left")
    if (joined["shift"] != 0).any():
        exprs = [_shifted(e, s) for e, s in zip(joined["expressions"].to_list(), joined["shift"].to_list())]
        joined = joined.with_columns(pl.Series("expressions", exprs, dtype=pl.String))
    return joined.select(list(LOGIC_FACTS_SCHEMA)).cast(LOGIC_FACTS_SCHEMA)


def _parse_all(todo: list[tuple[str, tuple[str, str]]], workers: int | None, progress: Progress | None) -> dict[str, Packed]:
    """content hash -> packed logic facts for each (hash, (text, dialect)), in this process or
    in a pool (:func:`collectors.pool.run_chunks`)."""
    if not todo:
        return {}
    dialect = todo[0][1][1]
    return dict(run_chunks(
        _parse_chunk, todo, workers=workers, pool_min=POOL_MIN, progress=progress,
        warm_up=lambda: analyse("select 1 from t where a > 1", dialect),  # forked workers inherit warm parser tables
    ))


def _parse_chunk(items: list[tuple[str, tuple[str, str]]]) -> list[tuple[str, Packed]]:
    return [(h, pack(analyse(sql, dialect))) for h, (sql, dialect) in items]
