"""Phase 3 of a collect: SQL facts for the models of a new snapshot, or for edited models only.

Facts are cached in the store by content hash (:mod:`collectors.sql_facts`); hard-coded
relations are worked out afterwards, because they depend on the DAG: the tables a model reads
that are none of its parents' relations (an ephemeral parent lends its own parents').
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from collectors.progress import progress_bar
from collectors.summary import CollectSummary
from console.store import cached_sql_facts

#: Resource types whose SQL gets facts.
SQL_RESOURCE_TYPES = ("model", "snapshot", "analysis")


def sql_facts_of(
    code: pl.DataFrame,
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    adapter: str | None,
    store: Path,
    progress: Callable | None,
    summary: CollectSummary,
    all_edges: pl.DataFrame | None = None,
    logic=None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """SQL facts for the nodes of ``code`` (unique_id, resource_type, raw_code, compiled_code, language).

    ``nodes`` and ``edges`` are the whole project: hard-coded relations are the tables a model
    reads that are none of its parents' relations. With ``logic`` (a
    :class:`collectors.logic_phase.ModelLogic`), the models' logic facts come from the same
    parse and are put there.
    """
    from collectors.sql_facts import (
        SqlInput,
        compute_facts,
        dialect_for_adapter,
        gc_paused,
        input_hashes,
    )
    from collectors.sql_facts.raw_references import hard_coded

    dialect = dialect_for_adapter(adapter)
    sql_nodes = code.filter(pl.col("resource_type").is_in(list(SQL_RESOURCE_TYPES)))
    if "language" in sql_nodes.columns:
        sql_nodes = sql_nodes.filter(pl.col("language").is_null() | (pl.col("language") == "sql"))
    inputs = []
    for uid, raw, compiled in sql_nodes.select("unique_id", "raw_code", "compiled_code").iter_rows():
        if compiled:
            inputs.append(SqlInput(uid, compiled, True))
        elif raw:
            inputs.append(SqlInput(uid, raw, False))
    hashes = input_hashes(inputs, dialect)
    if len(inputs) < 20:
        cached = {}  # parsing a few models is cheaper than a visit to the store's cache
    else:
        with gc_paused():  # decoding thousands of cached facts is 5x faster without the cyclic GC
            cached = cached_sql_facts(store, hashes)
    if logic is not None:
        from collectors.logic_phase import facts_with_logic

        facts, new_cache = facts_with_logic(inputs, dialect, cached, store, logic, progress=progress)
    else:
        facts, new_cache = compute_facts(inputs, dialect, cached, progress=progress, hashes=hashes)
    summary.sql_parsed += new_cache.height
    summary.sql_cached += len(inputs) - new_cache.height
    if facts.height:
        wanted = set(facts["unique_id"].to_list())
        parents = parent_relations(nodes, edges.filter(pl.col("child_id").is_in(list(wanted))), all_edges)
        raw_of = dict(sql_nodes.select("unique_id", "raw_code").iter_rows())
        hard = [  # from the raw code when the SQL did not parse (collectors/sql_facts/raw_references.py)
            hard_coded(tables, error, raw_of.get(uid), bool(compiled), parents.get(uid, set()))
            for uid, tables, error, compiled in facts.select("unique_id", "tables_read", "parse_error", "from_compiled").iter_rows()
        ]
        facts = facts.with_columns(pl.Series("hardcoded_relations", hard, dtype=pl.List(pl.String)))
    return facts, new_cache


def parent_relations(nodes: pl.DataFrame, edges: pl.DataFrame, all_edges: pl.DataFrame | None = None) -> dict[str, set[str]]:
    """child -> every name its parents' relations may be written as (relation, schema.table, source.table).

    ``edges`` are the edges into the children wanted. dbt inlines an ephemeral parent as a
    CTE, so its own parents' relations count too (followed through ``all_edges``).
    """
    all_edges = edges if all_edges is None else all_edges
    cols = ["unique_id", "relation_name", "name", "schema", "identifier", "source_name", "materialized"]
    cols = [c for c in cols if c in nodes.columns]
    ephemeral_ids = set(
        nodes.filter(pl.col("materialized") == "ephemeral")["unique_id"].to_list() if "materialized" in nodes.columns else ()
    )
    parents_of: dict[str, list[str]] = {}
    needed = set(edges["parent_id"].to_list())
    frontier = needed & ephemeral_ids
    if frontier:
        for parent, child in all_edges.select("parent_id", "child_id").iter_rows():
            if child in ephemeral_ids:
                parents_of.setdefault(child, []).append(parent)
        while frontier:  # every ancestor reached through ephemeral models
            nxt = {p for e in frontier for p in parents_of.get(e, ())} - needed
            needed |= nxt
            frontier = nxt & ephemeral_ids
    relation_of: dict[str, set[str]] = {}
    for row in nodes.filter(pl.col("unique_id").is_in(list(needed))).select(cols).iter_rows(named=True):
        name, ident = row.get("name"), row.get("identifier")
        names = {n for n in (row.get("relation_name"), name, ident) if n}
        if row.get("source_name"):
            names.add(f"{row['source_name']}.{ident or name}")
        if row.get("schema"):
            names.add(f"{row['schema']}.{ident or name}")
        relation_of[row["unique_id"]] = names

    def names_of(uid: str, seen: set[str]) -> set[str]:
        out = set(relation_of.get(uid, ()))
        if uid in ephemeral_ids and uid not in seen:
            seen.add(uid)
            for p in parents_of.get(uid, ()):
                out |= names_of(p, seen)
        return out

    parents: dict[str, set[str]] = {}
    for parent, child in edges.select("parent_id", "child_id").iter_rows():
        parents.setdefault(child, set()).update(names_of(parent, set()))
    return parents


def facts_phase(loc, snapshot, seen, edited, updates, new_edges, progress, summary, logic=None):
    """SQL facts: every model of a new snapshot (cached by content), or only the edited ones
    (with ``logic``, their logic facts too: see :func:`sql_facts_of`)."""
    bar = progress_bar() if progress else None
    t_sql = time.perf_counter()
    try:
        if snapshot is not None:
            adapter = (snapshot["project"].to_dicts() or [{}])[0].get("adapter")
            return sql_facts_of(
                snapshot["nodes"], snapshot["nodes"], snapshot["edges"], adapter, loc.store, bar.update if bar else None, summary,
                logic=logic,
            )
        if edited:
            code = seen["nodes"].select("unique_id", "resource_type", "language").join(
                updates.select("unique_id", "raw_code", "compiled_code"), on="unique_id", how="inner")
            return sql_facts_of(code, seen["nodes"], new_edges, seen["adapter"], loc.store, None, summary, seen["edges"], logic=logic)
        return None, None
    finally:
        if bar:
            bar.close()
        summary.sql_seconds = time.perf_counter() - t_sql
