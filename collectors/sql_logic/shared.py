"""SQL facts and logic facts of dbt models from ONE sqlglot parse per text.

Parsing dominates both (:mod:`collectors.sql_facts` and :mod:`collectors.sql_logic` walk the
same trees), so a model whose text neither cache holds is parsed once, and both facts come
from that tree. Each cache keeps its own key (:func:`collectors.sql_facts.content_hash` with
its FACTS_VERSION, :func:`collectors.sql_logic.content_hash` with the LOGIC_VERSION): a text
one cache holds and the other lacks is parsed for the one that lacks it only.

The parse runs on the collectors' one process pool (:func:`collectors.pool.run_chunks`, as SQL
facts and logic facts alone do): the same chunking, fork and warm-up as before, and a worker
that dies (killed, out of memory) has its chunks run in this process instead of failing the
collect. Measured before and after the move in docs/layerinitis.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import polars as pl
from sqlglot.errors import SqlglotError

from collectors.pool import run_chunks
from collectors.sql_facts.extract import _facts, empty_facts, extract_facts
from collectors.sql_facts.parallel import _frames, input_hashes, parsed_text
from collectors.sql_logic.analyse import analyse, analyse_statements, empty_logic
from collectors.sql_logic.batch import LOGIC_CACHE_SCHEMA, POOL_MIN, LogicInput, cache_rows, content_hash, pack, packed_rows
from collectors.sql_logic.batch import _frames as _logic_frames
from console.gc_pause import gc_paused

_PARSE_FAILURES = (SqlglotError, RecursionError, ValueError, TypeError, KeyError, IndexError, AttributeError)
"""What sqlglot's parser raises on bad SQL (see :func:`collectors.sql_facts.extract_facts`)."""

Job = tuple[str | None, str | None, str]
"""(SQL-facts hash to compute or None, logic hash to compute or None, text)."""


def facts_and_logic(sql: str, dialect: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`collectors.sql_facts.extract_facts` and :func:`collectors.sql_logic.analyse` of one
    text, from one parse.

    Example:
        >>> facts, logic = facts_and_logic("select a from raw.t where b > 1", "duckdb")
        >>> facts["tables_read"], logic["classification"], logic["expressions"][0]["key"]
        (['raw.t'], 'business', 'b <= 1')
        >>> facts_and_logic("select (((", "duckdb")[1]["classification"]
        'unparsed'
    """
    from collectors.sql_facts.extract import _dialect

    try:
        statements = _dialect(dialect).parse(sql)
    except _PARSE_FAILURES:  # each analysis reports the failure in its own words
        return extract_facts(sql, dialect), analyse(sql, dialect)
    try:
        facts = _facts(statements)
    except RecursionError:
        facts = empty_facts("SQL nested too deeply to analyse")
    except SqlglotError:  # scope building refuses some shapes: extract_facts says which
        facts = extract_facts(sql, dialect)
    return facts, analyse_statements(statements, dialect)


def facts_and_logic_many(
    inputs: Sequence,
    dialect: str,
    facts_cached: Mapping[str, dict],
    logic_cached: Mapping[str, dict] | pl.DataFrame | None,
    *,
    workers: int | None = None,
    progress=None,
    subject_type: str = "model",
    logic_hashes: Sequence[str] | None = None,
) -> tuple[tuple[pl.DataFrame, pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]:
    """SQL facts and logic facts of models (:class:`collectors.sql_facts.SqlInput`), each text parsed once.

    Returns:
        ``((sql_facts, new sql_facts_cache), (logic_facts, new logic_cache))``, as
        :func:`collectors.sql_facts.compute_facts` and :func:`collectors.sql_logic.analyse_many`
        return them.
    """
    logic_cache = logic_cached if isinstance(logic_cached, pl.DataFrame) else cache_rows(logic_cached or {})
    logic_known = set(logic_cache["content_hash"].to_list())
    texts = [parsed_text(i) for i in inputs]
    f_hashes = input_hashes(inputs, dialect)
    l_hashes = list(logic_hashes) if logic_hashes is not None else [content_hash(t, dialect) for t in texts]
    jobs: dict[tuple[str | None, str | None], str] = {}
    f_todo: set[str] = set()
    l_todo: set[str] = set()
    for text, fh, lh in zip(texts, f_hashes, l_hashes):
        need_f = fh not in facts_cached and fh not in f_todo
        need_l = lh not in logic_known and lh not in l_todo
        if need_f:
            f_todo.add(fh)
        if need_l:
            l_todo.add(lh)
        if need_f or need_l:
            jobs[(fh if need_f else None, lh if need_l else None)] = text
    fresh_f, fresh_l = _run([(f, lh, t) for (f, lh), t in jobs.items()], dialect, workers, progress)
    items = [LogicInput(i.unique_id, subject_type, t, dialect, 1) for i, t in zip(inputs, texts)]
    new_logic = packed_rows(fresh_l)
    with gc_paused():
        sql_facts = _frames(inputs, f_hashes, dialect, facts_cached, fresh_f)
        logic = _logic_frames(items, l_hashes, pl.concat([logic_cache.select(list(LOGIC_CACHE_SCHEMA)), new_logic]))
    return sql_facts, (logic, new_logic)


def _one(job: Job, dialect: str) -> tuple[Job, dict | None, tuple | None]:
    """One job's SQL facts (a dict) and packed logic facts (see :func:`collectors.sql_logic.batch.pack`)."""
    fh, lh, text = job
    if fh and lh:
        facts, logic = facts_and_logic(text, dialect)
    elif fh:
        facts, logic = extract_facts(text, dialect), None
    else:
        facts, logic = None, analyse(text, dialect)
    return (fh, lh, ""), facts, (pack(logic) if logic is not None else None)


def _run(jobs: list[Job], dialect: str, workers: int | None, progress) -> tuple[dict, dict]:
    """Every job's facts, on the collectors' one pool (:func:`collectors.pool.run_chunks`: in
    this process below :data:`POOL_MIN` jobs; a worker that dies has its chunks run here)."""
    fresh_f: dict[str, dict] = {}
    fresh_l: dict[str, dict] = {}
    results = run_chunks(
        partial(_chunk, dialect), jobs, workers=workers, pool_min=POOL_MIN, progress=progress,
        warm_up=lambda: analyse("select 1 from t where a > 1", dialect),  # forked workers inherit warm parser tables
    )
    with gc_paused():
        for (fh, lh, _), facts, logic in results:
            if fh:
                fresh_f[fh] = facts
            if lh:
                fresh_l[lh] = logic if logic is not None else pack(empty_logic())
    return fresh_f, fresh_l


def _chunk(dialect: str, jobs: list[Job]) -> list[tuple[Job, dict | None, tuple | None]]:
    return [_one(j, dialect) for j in jobs]
