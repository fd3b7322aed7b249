"""SQL facts for many models: cached by content hash, parsed on every core.

Parsing dominates: about a millisecond per model with sqlglot's compiled build. So

* each SQL text is keyed by :func:`content_hash` of the text actually parsed (after Jinja
  reduction for raw SQL) and the dialect; a hash already in the store's ``sql_facts_cache`` is
  never parsed again, and identical texts are parsed once;
* the rest is parsed in a process pool (:func:`collectors.pool.run_chunks`: ``fork`` on Linux,
  so workers start in milliseconds with sqlglot already imported), in chunks, with only small
  dicts coming back;
* below :data:`POOL_MIN` texts to parse the pool costs more than it saves, and the parse runs
  in this process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import sqlglot

from collectors.sql_facts.extract import extract_facts
from collectors.pool import context, cores, run_chunks, worker_init
from collectors.sql_facts.jinja_reduce import reduce_jinja
from console.gc_pause import gc_paused  # noqa: F401 - re-exported

FACTS_VERSION = "1"
"""Part of every content hash: bump it when the facts change shape or meaning, so that facts
cached by an older console are recomputed instead of trusted."""

POOL_MIN = 50
"""Fewer texts to parse than this: no process pool."""

SQL_FACTS_SCHEMA: dict[str, pl.DataType] = {
    "unique_id": pl.String(), "content_hash": pl.String(), "dialect": pl.String(),
    "tables_read": pl.List(pl.String()), "join_count": pl.Int32(), "join_kinds": pl.List(pl.String()),
    "cte_count": pl.Int32(), "select_star": pl.Boolean(), "hardcoded_relations": pl.List(pl.String()),
    "literal_filters": pl.String(), "parse_error": pl.String(), "from_compiled": pl.Boolean(),
}
"""Columns of the store table ``sql_facts`` as :func:`compute_facts` returns them."""

_ARROW_SCHEMA = pl.DataFrame(schema=SQL_FACTS_SCHEMA).to_arrow().schema

CACHE_SCHEMA: dict[str, pl.DataType] = {"content_hash": pl.String(), "facts": pl.String()}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SqlInput:
    """One model's SQL.

    Attributes:
        unique_id: the dbt unique_id of the model.
        sql: compiled SQL, or the raw code when no compiled SQL exists.
        from_compiled: True for compiled SQL; False for raw code (reduced with
            :func:`collectors.sql_facts.jinja_reduce.reduce_jinja` before parsing).
    """

    unique_id: str
    sql: str
    from_compiled: bool


def content_hash(sql: str, dialect: str) -> str:
    """The cache key of one SQL text parsed in one dialect (hex BLAKE2b, 160 bits).

    The key also holds :data:`FACTS_VERSION`, so a console that computes facts differently
    does not reuse another's.

    Example:
        >>> content_hash("select 1", "duckdb") == content_hash("select 1", "duckdb")
        True
        >>> content_hash("select 1", "duckdb") == content_hash("select 1", "snowflake")
        False
        >>> len(content_hash("select 1", ""))
        40
    """
    data = f"{FACTS_VERSION}\0{dialect}\0{sql}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@lru_cache(maxsize=32768)
def _reduced(raw_sql: str) -> str:
    return reduce_jinja(raw_sql)


def parsed_text(item: SqlInput) -> str:
    """The text that is parsed (and hashed) for one input."""
    return item.sql if item.from_compiled else _reduced(item.sql)


def input_hashes(inputs: Sequence[SqlInput], dialect: str) -> list[str]:
    """The content hash of each input, in order: what to look up in the store's cache.

    Example:
        >>> raw = SqlInput("model.p.a", "select * from {{ ref('b') }}", False)
        >>> input_hashes([raw], "duckdb") == [content_hash("select * from b", "duckdb")]
        True
    """
    return [content_hash(parsed_text(item), dialect) for item in inputs]


def compute_facts(
    inputs: Sequence[SqlInput],
    dialect: str,
    cached: Mapping[str, dict],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    hashes: Sequence[str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """SQL facts for every input, parsing only what ``cached`` does not already hold.

    Args:
        inputs: one per model.
        dialect: a sqlglot dialect (see :func:`collectors.sql_facts.relations.dialect_for_adapter`).
        cached: content hash -> facts, as the store holds them (``Writer.cached_sql_facts``).
        workers: processes to parse with; default one per core this process may use. 1 parses
            in this process, and so does any count when fewer than :data:`POOL_MIN` texts
            need parsing.
        progress: called in this process as ``progress(done, total)`` while parsing, where
            ``total`` is the number of distinct texts that were not cached.
        hashes: :func:`input_hashes` of ``inputs`` when the caller computed them already (to
            look up ``cached``); computed here otherwise.

    Returns:
        ``(sql_facts, new_cache)``: one row per input with the columns of the store table
        ``sql_facts`` (``hardcoded_relations`` left empty: it depends on the DAG), and the rows
        to add to ``sql_facts_cache`` (``content_hash``, ``facts`` as JSON text) for every hash
        that was not in ``cached``.

    Example:
        >>> facts, new = compute_facts([SqlInput("model.p.a", "select * from raw.t", True)], "duckdb", {})
        >>> facts.select("tables_read", "select_star").row(0), new.height
        ((['raw.t'], True), 1)
    """
    if hashes is None:
        hashes = input_hashes(inputs, dialect)
    elif len(hashes) != len(inputs):
        raise ValueError(f"{len(hashes)} hashes for {len(inputs)} inputs")
    todo: dict[str, str] = {}
    for item, h in zip(inputs, hashes):
        if h not in cached and h not in todo:
            todo[h] = parsed_text(item)
    fresh = _parse_all(list(todo.items()), dialect, workers, progress)
    with gc_paused():
        return _frames(inputs, hashes, dialect, cached, fresh)




def _frames(
    inputs: Sequence[SqlInput],
    hashes: Sequence[str],
    dialect: str,
    cached: Mapping[str, dict],
    fresh: dict[str, dict[str, Any]],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    facts = [cached[h] if h in cached else fresh[h] for h in hashes]
    n = len(inputs)
    columns = {
        "unique_id": [item.unique_id for item in inputs],
        "content_hash": list(hashes),
        "dialect": [dialect] * n,
        "tables_read": [f["tables_read"] for f in facts],
        "join_count": [f["join_count"] for f in facts],
        "join_kinds": [f["join_kinds"] for f in facts],
        "cte_count": [f["cte_count"] for f in facts],
        "select_star": [f["select_star"] for f in facts],
        "hardcoded_relations": [[]] * n,
        "literal_filters": [orjson.dumps(f["literal_filters"]).decode() for f in facts],
        "parse_error": [f["parse_error"] for f in facts],
        "from_compiled": [item.from_compiled for item in inputs],
    }
    # pyarrow builds the list columns in C; polars would build a Series per row.
    frame = pl.from_arrow(pa.table(columns, schema=_ARROW_SCHEMA))
    new_cache = pl.DataFrame(
        {"content_hash": list(fresh), "facts": [orjson.dumps(f).decode() for f in fresh.values()]},
        schema=CACHE_SCHEMA,
    )
    return frame, new_cache


def _parse_all(
    todo: list[tuple[str, str]], dialect: str, workers: int | None, progress: Progress | None
) -> dict[str, dict[str, Any]]:
    """content hash -> facts for each (hash, text), in this process or in a pool
    (:func:`collectors.pool.run_chunks`)."""
    return dict(run_chunks(
        partial(_parse_chunk, dialect), todo, workers=workers, pool_min=POOL_MIN,
        warm_up=lambda: _warm_up(dialect), progress=progress,
    ))


# The pool's pieces under the names other modules of this package have imported from here.
_cores = cores
_context = context
_worker_init = worker_init


def _warm_up(dialect: str) -> None:  # forked workers inherit the dialect's tokenizer and parser tables
    sqlglot.parse_one("select 1 from t", read=dialect or None)


def _parse_chunk(dialect: str, items: list[tuple[str, str]]) -> list[tuple[str, dict[str, Any]]]:
    return [(h, extract_facts(sql, dialect)) for h, sql in items]
