"""WHS006 column-mostly-null."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import datetime as dt

import polars as pl

from console.errors import InputError
from rules._text import label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.warehouse._common import shown, warehouse


class ColumnMostlyNull(Rule):
    """A column became mostly NULL since the previous warehouse collect (opt-in NULL checks).

    What it does:
        For the relations named in `[warehouse] null_checks` (globs of `schema.relation`), the
        warehouse collect counts each column's NULLs. This rule compares a relation's latest
        count with an earlier one (the newest at least `window_hours` older, else the oldest)
        and reports a column whose share of NULLs rose to
        at least `mostly_null` from below `was_below`.

    Why it matters:
        A join that stopped matching (a key renamed upstream, a feed frozen) does not fail a
        build: the left join yields NULLs, every model succeeds, and exports and
        applications receive empty fields. Without a `not_null` test nothing says so.

    Example:
        `exp_retailer_app_skus.quantity_on_hand` was 0% NULL at yesterday's collect and is
        100% NULL today (2,083 rows): the retailer app shows no stock for anything.

    Instead:
        Trace the column upstream to the join or source that stopped delivering and repair
        it; add a `not_null` test (or a contract) so the next run fails instead of shipping
        NULLs.

    Options:
        mostly_null: share of NULLs (0 to 1) from which a column counts as mostly NULL.
        was_below: the share of NULLs at the earlier collect below which the rise counts.
        window_hours: how much older the count compared with is, at least (default 20).
    """

    id: ClassVar[str] = "WHS006"
    name: ClassVar[str] = "column-mostly-null"
    category: ClassVar[str] = "warehouse"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "trace the column upstream to the join or source that stopped delivering; add a not_null test"
    options: ClassVar[Mapping[str, Option]] = {
        "mostly_null": Option(0.9, "share of NULLs (0 to 1) from which a column counts as mostly NULL"),
        "was_below": Option(0.5, "share of NULLs at the earlier collect below which the rise counts"),
        "window_hours": Option(20.0, "compare with the newest count at least this many hours older (else the oldest)"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        wh = warehouse(ctx)
        hist = ctx.frames.get("warehouse_column_history")
        if not wh.present or hist is None or hist.is_empty():
            return
        high, low = float(opts["mostly_null"]), float(opts["was_below"])
        if not 0 < high <= 1 or not 0 <= low <= high:
            raise InputError(None, f"WHS006 needs 0 < mostly_null <= 1 and 0 <= was_below <= mostly_null, not {high} and {low}")
        rel = ["database", "schema", "name"]
        window = dt.timedelta(hours=float(opts["window_hours"]))
        times = wh.snapshots.select("collect_id", "collected_at")
        counted = hist.select(*rel, "collect_id").unique().join(times, on="collect_id")
        now_of = counted.group_by(rel).agg(pl.col("collect_id").max().alias("now_id"), pl.col("collected_at").max().alias("now_at"))
        earlier = counted.join(now_of, on=rel).filter(pl.col("collect_id") < pl.col("now_id"))
        # per relation: the newest count at least `window_hours` older, else the oldest
        ranked = earlier.with_columns((pl.col("collected_at") <= pl.col("now_at") - window).alias("old_enough"))
        latest = (
            ranked.sort("collect_id")
            .group_by(rel)
            .agg(
                pl.col("now_id").first(),
                pl.when(pl.col("old_enough").any())
                .then(pl.col("collect_id").filter(pl.col("old_enough")).last())
                .otherwise(pl.col("collect_id").first())
                .alias("before_id"),
            )
        )
        share = (pl.col("null_count") / pl.col("row_count")).alias("share")
        now = hist.join(latest, left_on=[*rel, "collect_id"], right_on=[*rel, "now_id"]).filter(pl.col("row_count") > 0)
        before = hist.join(latest, left_on=[*rel, "collect_id"], right_on=[*rel, "before_id"]).filter(pl.col("row_count") > 0)
        before = before.join(times.rename({"collected_at": "before_at"}), on="collect_id")
        pairs = now.select(*rel, "column_name", "row_count", share).join(
            before.select(*rel, "column_name", share.alias("was"), "before_at"), on=[*rel, "column_name"]
        ).filter((pl.col("share") >= high) & (pl.col("was") < low))
        for r in pairs.sort(*rel, "column_name").iter_rows(named=True):
            key = wh.key(r["database"], r["schema"], r["name"])
            node = wh.relation_nodes.get(key)
            what = f"`{label(ctx, node)}.{r['column_name']}`" if node else f"`{shown(key)}.{r['column_name']}`"
            yield Violation(
                node,
                f"{what} is {r['share']:.0%} NULL in the latest warehouse collect ({r['row_count']:,} rows), up from {r['was']:.0%} at the collect of {r['before_at']:%Y-%m-%d %H:%M}",
                key=r["column_name"],
            )
