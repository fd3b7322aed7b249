"""Logic facts for many SQL texts: cached by content hash, parsed on every core.

The approach of :mod:`collectors.sql_facts.parallel`: each text is keyed by
:func:`content_hash` (the :data:`LOGIC_VERSION`, the dialect and the text); a hash the store's
``logic_cache`` holds is never parsed again, identical texts are parsed once, and the rest is
parsed in a process pool when there are at least :data:`POOL_MIN` of them.

Cached facts hold lines counted from the text's first line (``line_offset=1``); each subject's
own ``line_offset`` is added when its row is built, so one cached text serves every file that
holds it, wherever it starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl

from collectors.sql_facts.parallel import _context, _cores, _worker_init
from collectors.sql_logic.analyse import analyse
from console.gc_pause import gc_paused

LOGIC_VERSION = "1"
"""Part of every content hash: bump it when the logic facts change shape or meaning."""

POOL_MIN = 50
"""Fewer texts to parse than this: no process pool."""

LOGIC_FACTS_SCHEMA: dict[str, pl.DataType] = {
    "subject_id": pl.String(), "subject_type": pl.String(), "content_hash": pl.String(),
    "dialect": pl.String(), "classification": pl.String(), "relations": pl.List(pl.String()),
    "expressions": pl.String(), "parse_error": pl.String(),
}
"""Columns of the store table ``logic_facts`` (``expressions`` as JSON text)."""

LOGIC_CACHE_SCHEMA: dict[str, pl.DataType] = {"content_hash": pl.String(), "facts": pl.String()}
"""Columns of the store table ``logic_cache``."""

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
    cached: Mapping[str, dict],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    hashes: Sequence[str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Logic facts for every item, analysing only what ``cached`` lacks.

    Args:
        items: the SQL texts, one per subject.
        cached: content hash -> facts, as ``logic_cache`` holds them.
        workers: processes to parse with (default: the cores this process may use).
        progress: ``progress(done, total)`` while parsing.
        hashes: the items' content hashes when already computed.

    Returns:
        ``(logic_facts, new_cache)``: one row per item (columns :data:`LOGIC_FACTS_SCHEMA`), and
        the ``logic_cache`` rows of the texts that were parsed.

    Example:
        >>> facts, new = analyse_many([LogicInput("lastmile.x", "lastmile", "select a from t where b > 1", "duckdb", 10)], {})
        >>> facts.select("classification", "relations").row(0), new.height
        (('business', ['t']), 1)
        >>> orjson.loads(facts["expressions"][0])[0]["line"]
        10
    """
    if hashes is None:
        hashes = [content_hash(i.sql, i.dialect) for i in items]
    todo: dict[str, tuple[str, str]] = {}
    for item, h in zip(items, hashes):
        if h not in cached and h not in todo:
            todo[h] = (item.sql, item.dialect)
    fresh = _parse_all(list(todo.items()), workers, progress)
    with gc_paused():
        return _frames(items, hashes, cached, fresh)


def facts_row(item: LogicInput, h: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The ``logic_facts`` row of one item from its (cached) facts."""
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


def _frames(items, hashes, cached, fresh) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = [facts_row(i, h, cached[h] if h in cached else fresh[h]) for i, h in zip(items, hashes)]
    frame = pl.DataFrame(rows, schema=LOGIC_FACTS_SCHEMA, orient="row") if rows else pl.DataFrame(schema=LOGIC_FACTS_SCHEMA)
    new_cache = pl.DataFrame(
        {"content_hash": list(fresh), "facts": [orjson.dumps(f).decode() for f in fresh.values()]},
        schema=LOGIC_CACHE_SCHEMA,
    )
    return frame, new_cache


def _parse_all(todo: list[tuple[str, tuple[str, str]]], workers: int | None, progress: Progress | None) -> dict[str, dict]:
    total = len(todo)
    workers = max(1, workers if workers is not None else _cores())
    fresh: dict[str, dict] = {}
    if workers == 1 or total < POOL_MIN:
        for done, (h, (sql, dialect)) in enumerate(todo, 1):
            fresh[h] = analyse(sql, dialect)
            if progress is not None and (done % 64 == 0 or done == total):
                progress(done, total)
        return fresh
    workers = min(workers, (total + POOL_MIN - 1) // POOL_MIN)
    size = max(8, min(256, total // (workers * 8) or 1))
    chunks = [todo[i : i + size] for i in range(0, total, size)]
    analyse("select 1 from t where a > 1", todo[0][1][1])  # forked workers inherit warm parser tables
    with ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_init) as pool:
        futures = [pool.submit(_parse_chunk, chunk) for chunk in chunks]
        try:
            for future in as_completed(futures):
                with gc_paused():
                    fresh.update(future.result())
                if progress is not None:
                    progress(len(fresh), total)
        finally:
            for future in futures:
                future.cancel()
    return fresh


def _parse_chunk(items: list[tuple[str, tuple[str, str]]]) -> list[tuple[str, dict]]:
    return [(h, analyse(sql, dialect)) for h, (sql, dialect) in items]
