"""WHS005 orphan-relation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules._history import when
from rules._text import human_duration, label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.warehouse._common import WarehouseView, shown, warehouse

#: dbt's own relations of a build in progress (table swaps, incremental temp tables).
_DBT_TRANSIENT = ("__dbt_tmp", "__dbt_backup")


class OrphanRelation(Rule):
    """A relation in the project's schemas that no dbt node, source or exposure accounts for.

    What it does:
        Lists the relations of the latest warehouse collect that live in a schema the project
        builds into (models, seeds, snapshots) or, with `include_source_schemas`, reads from
        (sources), and reports each one no node's relation matches. dbt's own relations of a
        build in progress (`__dbt_tmp`, `__dbt_backup`) are left alone. In a source schema,
        an orphan that has every column of a declared source's relation is named as that
        source's likely replacement, with how stale the source is: the tell-tale of a
        table renamed upstream (the finding then sits on that source, where the fix goes).

    Why it matters:
        A table built by hand in the analytics schema has no tests, no owner, no lineage;
        someone will read it. In a raw schema, a new table beside a source that went quiet
        is usually the source itself, renamed: dbt keeps reading the frozen old one.

    Example:
        `raw.store_inventory` is in no source, and has every column of source
        `inventory_feed.inventory` (`raw.inventory`), whose latest `_loaded_at` is 3 days old:
        the feed was renamed and `stg_inventory` reads a frozen table.

    Instead:
        Declare the relation (a source, a model) or drop it; for a renamed source, point the
        source's `identifier` at the new table.

    Options:
        include_source_schemas: also judge the schemas sources read from (raw schemas).
    """

    id: ClassVar[str] = "WHS005"
    name: ClassVar[str] = "orphan-relation"
    category: ClassVar[str] = "warehouse"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "declare it (a source or a model) or drop it; if a source was renamed upstream, point its identifier here"
    options: ClassVar[Mapping[str, Option]] = {
        "include_source_schemas": Option(True, "also judge the schemas that sources read from"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        wh = warehouse(ctx)
        if not wh.present:
            return
        nodes = ctx.frames["nodes"]
        kinds = dict(zip(nodes["unique_id"].to_list(), nodes["resource_type"].to_list()))
        built = {key[:-1] for uid, key in wh.node_relations.items() if kinds.get(uid) != "source"}
        read = {key[:-1] for uid, key in wh.node_relations.items() if kinds.get(uid) == "source"}
        judged = built | (read if opts["include_source_schemas"] else set())
        accounted = set(wh.node_relations.values())
        for key in sorted(wh.relations):
            if key[:-1] not in judged or key in accounted or any(t in key[-1] for t in _DBT_TRANSIENT):
                continue
            row = wh.relations[key]
            size = f" ({row['row_count']:,} rows)" if row.get("row_count") is not None else ""
            message = f"{row['table_type']} `{shown(key)}`{size} is in the project's schema `{key[-2]}` but no dbt node, source or exposure accounts for it"
            twin = _replaced_source(ctx, wh, key, kinds) if key[:-1] in read else None
            if twin:  # on the source it likely replaced: that is where the fix goes (its identifier)
                yield Violation(twin[1], message + twin[0], key=shown(key))
            else:
                yield Violation(None, message, key=shown(key))


def _replaced_source(ctx: Context, wh: WarehouseView, key: tuple[str, ...], kinds: dict[str, str]) -> tuple[str, str] | None:
    """A declared source in the same schema whose columns the orphan all has: the orphan is
    likely its new home. Returns (the sentence to add, with the source's staleness; the source)."""
    mine = wh.columns.get(key, {})
    if not mine:
        return None
    fresh = ctx.frames["warehouse_freshness"].filter(pl.col("collect_id") == wh.latest["collect_id"])
    latest = {u: (m, f) for u, m, f in fresh.select("unique_id", "max_loaded_at", "loaded_at_field").iter_rows()}
    for uid, other in sorted(wh.node_relations.items()):
        if kinds.get(uid) != "source" or other[:-1] != key[:-1] or other == key:
            continue
        theirs = wh.columns.get(other, {})
        if not theirs or not set(theirs) <= set(mine):
            continue
        sentence = f"; it has every column of source `{label(ctx, uid)}` (`{shown(other)}`)"
        moment, field = latest.get(uid, (None, None))
        if moment is not None:
            age = human_duration((ctx.now - moment).total_seconds())
            sentence += f", whose latest `{field}` is {when(moment)} ({age} old): renamed upstream?"
        return sentence, uid
    return None
