"""The logic phase of a collect: business logic in the SQL of dbt models and of last-mile items.

Runs after the SQL-facts phase and the last-mile phase, before the write transaction, and
hands :class:`LogicResult` frames to :func:`write_logic` inside it. Everything is cached by
content hash in the store's ``logic_cache`` (:mod:`collectors.sql_logic`): a re-collect where
no SQL changed parses nothing.

* **Models** (subject_type ``model``): the SQL of models, snapshots and analyses is the
  ``compiled_code`` when the manifest has it, else the raw code with its Jinja reduced
  (:func:`collectors.sql_facts.jinja_reduce.reduce_jinja`); lines are lines of that text. This
  part follows the SQL-facts switch of :func:`collectors.pipeline.collect` (off on the metadata
  fast path) and its scope: every model of a new snapshot (their rows are replaced), or only
  the models edited since the manifest (their rows are updated).
* **Last-mile items** (subject_type ``lastmile``): the ``sql`` of each item, in its
  ``dialect``, with lines of its file (``sql_line`` is where the SQL starts). When the
  last-mile phase patched its rows (:meth:`collectors.lastmile_phase.LastmileResult.logic_delta`)
  only the items of the files that changed are looked up or analysed, and only their rows are
  replaced (the rows of the ids the patch deleted go, the new ones are written; every other
  row stays): a re-collect with one file changed costs that file, not the 20k items of a big
  last mile. Otherwise (a first collect, a store without earlier rows) every item's row is
  replaced. Items without SQL get no row: their structured filters are judged from
  ``lastmile_artifacts.literal_filters``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import polars as pl

from collectors.facts_phase import SQL_RESOURCE_TYPES
from collectors.summary import CollectSummary

#: Fewer texts than this to look up: no visit to the store's cache. One: an unchanged text is
#: never parsed twice, even in a small project (a visit costs a few milliseconds).
CACHE_VISIT_MIN = 1
#: Models parsed together with their SQL facts: fewer than this, no visit to the logic cache
#: (the SQL-facts phase does not visit its own cache either).
MODELS_VISIT_MIN = 20


@dataclass
class LogicResult:
    """Frames for the write transaction.

    Attributes:
        models: ``logic_facts`` rows of models, or None when models were not analysed.
        models_replace: True when ``models`` is every model of a new snapshot (the model rows
            are replaced), False when it holds only edited models (upserted).
        lastmile: ``logic_facts`` rows of last-mile items, or None when the last-mile phase
            did not run (their rows are left as they are).
        lastmile_gone: None when ``lastmile`` is every item (the last-mile rows are replaced),
            else the artifact_ids whose rows are deleted before ``lastmile`` is written.
        new_cache: ``logic_cache`` rows of the texts parsed in this collect.
        parsed, cached: how many texts were parsed, and how many came from the cache.
    """

    models: pl.DataFrame | None = None
    models_replace: bool = False
    lastmile: pl.DataFrame | None = None
    lastmile_gone: list[str] | None = None
    new_cache: pl.DataFrame | None = None
    parsed: int = 0
    cached: int = 0


@dataclass
class ModelLogic:
    """Logic facts of models, filled by the SQL-facts phase from the parse it makes anyway.

    :func:`collectors.facts_phase.facts_phase` takes one of these: every model text that
    neither cache holds is then parsed once for both facts (:func:`facts_with_logic`), and
    :func:`logic_phase` uses what it holds instead of analysing the models again.

    Attributes:
        facts: ``logic_facts`` rows of the models, or None when the SQL-facts phase did not run.
        new_cache: ``logic_cache`` rows of the texts parsed.
        parsed, cached: texts analysed, and texts found in the cache.
    """

    facts: pl.DataFrame | None = None
    new_cache: pl.DataFrame | None = None
    parsed: int = 0
    cached: int = 0


def facts_with_logic(inputs, dialect: str, facts_cached, store, sink: ModelLogic, *, progress=None):
    """SQL facts of ``inputs`` (as :func:`collectors.sql_facts.compute_facts` returns them), with
    their logic facts put in ``sink``: one parse per text that either cache lacks."""
    from collectors.sql_facts.parallel import parsed_text
    from collectors.sql_logic import content_hash, facts_and_logic_many
    from console.store import cached_logic

    logic_hashes = [content_hash(parsed_text(i), dialect) for i in inputs]
    # as the SQL-facts cache (:func:`collectors.facts_phase.sql_facts_of`): a few edited models
    # are parsed rather than looked up, their texts are new anyway (one store visit fewer)
    logic_cached = cached_logic(store, logic_hashes) if len(inputs) >= MODELS_VISIT_MIN else None
    (facts, new_cache), (logic, new_logic) = facts_and_logic_many(
        inputs, dialect, facts_cached, logic_cached, progress=progress, logic_hashes=logic_hashes
    )
    sink.facts, sink.new_cache = logic, new_logic
    sink.parsed, sink.cached = new_logic.height, len(inputs) - new_logic.height
    return facts, new_cache


def model_inputs(code: pl.DataFrame, dialect: str) -> list:
    """One :class:`collectors.sql_logic.LogicInput` per SQL model of ``code``.

    ``code`` has the columns unique_id, resource_type, raw_code, compiled_code (and maybe
    language); Python models are left out.
    """
    from collectors.sql_facts.parallel import _reduced
    from collectors.sql_logic import LogicInput

    nodes = code.filter(pl.col("resource_type").is_in(list(SQL_RESOURCE_TYPES)))
    if "language" in nodes.columns:
        nodes = nodes.filter(pl.col("language").is_null() | (pl.col("language") == "sql"))
    out = []
    for uid, raw, compiled in nodes.select("unique_id", "raw_code", "compiled_code").iter_rows():
        sql = compiled or (_reduced(raw) if raw else None)
        if sql:
            out.append(LogicInput(uid, "model", sql, dialect, 1))
    return out


def lastmile_inputs(items: pl.DataFrame, default_dialect: str) -> list:
    """One :class:`collectors.sql_logic.LogicInput` per last-mile item with SQL.

    ``items`` has the columns of ``lastmile_artifacts`` (at least artifact_id, sql; dialect,
    sql_line and line when known).
    """
    cols = [c for c in ("artifact_id", "sql", "dialect", "sql_line", "line") if c in items.columns]
    rows = [row for row in items.select(cols).iter_rows(named=True) if row.get("sql")]
    if not rows:
        return []  # items without SQL (exposures): the analysis and sqlglot are not imported
    from collectors.sql_logic import LogicInput

    out = []
    for row in rows:
        sql = row["sql"]
        line = row.get("sql_line") or row.get("line") or 1
        out.append(LogicInput(row["artifact_id"], "lastmile", sql, row.get("dialect") or default_dialect, int(line)))
    return out


def analyse_inputs(inputs: list, store, progress=None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Logic facts of ``inputs``, with the store's cache (visited only for enough texts)."""
    from collectors.sql_logic import analyse_many, content_hash
    from console.store import cached_logic

    hashes = [content_hash(i.sql, i.dialect) for i in inputs]
    cached = cached_logic(store, hashes) if len(inputs) >= CACHE_VISIT_MIN else None
    return analyse_many(inputs, cached, hashes=hashes, progress=progress)


def logic_phase(
    loc,
    snapshot: dict[str, pl.DataFrame] | None,
    seen: dict[str, Any],
    updates: pl.DataFrame | None,
    lastmile: pl.DataFrame | None,
    summary: CollectSummary,
    *,
    models: bool = True,
    model_logic: ModelLogic | None = None,
    lastmile_gone: list[str] | None = None,
) -> LogicResult:
    """Logic facts for this collect (see the module docstring).

    Args:
        loc: the collect's locations (``loc.store`` is read for the cache).
        snapshot: the new project snapshot, or None when the project did not change.
        seen: what :func:`console.store.peek` found (``adapter`` for edited models).
        updates: node rows of models edited since the manifest (unique_id, raw_code,
            compiled_code), or None.
        lastmile: the last-mile items of this collect (``lastmile_artifacts`` rows), or None
            when the last-mile phase did not run or nothing changed.
        lastmile_gone: None when ``lastmile`` is every item; else ``lastmile`` holds only the
            items of changed files and these are the ids whose rows they replace.
        summary: the collect summary (texts parsed and cached, seconds).
        models: analyse the models too (the SQL-facts switch).
        model_logic: the models' logic facts when the SQL-facts phase computed them from its
            own parse (then the models are not analysed here).
    """
    from collectors.dialects import dialect_for_adapter

    t0 = time.perf_counter()
    result = LogicResult(lastmile_gone=lastmile_gone)
    inputs: list = []
    n_models = 0
    if models and model_logic is not None and model_logic.facts is not None:
        result.models = model_logic.facts
        result.models_replace = snapshot is not None
        result.new_cache = model_logic.new_cache
        result.parsed, result.cached = model_logic.parsed, model_logic.cached
        models = analysed_models = False
    elif models:
        if snapshot is not None:
            adapter = (snapshot["project"].to_dicts() or [{}])[0].get("adapter")
            inputs = model_inputs(snapshot["nodes"], dialect_for_adapter(adapter))
            result.models_replace = True
        elif updates is not None and seen.get("nodes") is not None:
            code = seen["nodes"].select("unique_id", "resource_type", "language").join(
                updates.select("unique_id", "raw_code", "compiled_code"), on="unique_id", how="inner")
            inputs = model_inputs(code, dialect_for_adapter(seen.get("adapter")))
        n_models = len(inputs)
        analysed_models = snapshot is not None or updates is not None
    else:
        analysed_models = False
    if lastmile is not None:
        adapter = seen.get("adapter")
        if snapshot is not None:
            adapter = (snapshot["project"].to_dicts() or [{}])[0].get("adapter")
        inputs = inputs + lastmile_inputs(lastmile, dialect_for_adapter(adapter))
    if analysed_models and not n_models:
        result.models = _empty()
    if inputs:
        facts, new_cache = analyse_inputs(inputs, loc.store)
        if analysed_models and n_models:
            result.models = facts.slice(0, n_models)
        if lastmile is not None:
            result.lastmile = facts.slice(n_models)
        parts = [f for f in (result.new_cache, new_cache) if f is not None]
        result.new_cache = pl.concat(parts).unique("content_hash", maintain_order=True)
        result.parsed += new_cache.height
        result.cached += len(inputs) - new_cache.height
    elif lastmile is not None:
        result.lastmile = _empty()
    summary.logic_parsed += result.parsed
    summary.logic_cached += result.cached
    summary.logic_seconds = time.perf_counter() - t0
    return result


def _empty() -> pl.DataFrame:
    from collectors.logic_schema import LOGIC_FACTS_SCHEMA

    return pl.DataFrame(schema=LOGIC_FACTS_SCHEMA)


def write_logic(w, result: LogicResult) -> None:
    """Write a :class:`LogicResult` in the collect's transaction (``w``: the store's Writer)."""
    if result.models is not None:
        if result.models_replace:
            w.delete_where_in("logic_facts", "subject_type", ["model"])
        w.upsert("logic_facts", result.models)
    if result.lastmile is not None:
        if result.lastmile_gone is None:
            w.delete_where_in("logic_facts", "subject_type", ["lastmile"])
        else:  # a patch: the rows of the items deleted or rebuilt, nothing else
            w.delete_where_in("logic_facts", "subject_id", result.lastmile_gone)
        w.upsert("logic_facts", result.lastmile)
    if result.new_cache is not None:
        w.append("logic_cache", result.new_cache)
