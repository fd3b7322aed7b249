"""WHS003 row-count-drop."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from console.errors import InputError
from rules._text import label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.warehouse._common import shown, warehouse


class RowCountDrop(Rule):
    """A table lost most of its rows, or all of them, since an earlier warehouse collect.

    What it does:
        Compares every table's row count in the latest warehouse collect with an earlier one
        (the newest at least `window_hours` older, else the oldest: collects minutes apart
        must not hide yesterday's drop), and reports a table that fell to zero (error) or lost at least the
        threshold's fraction of its rows (warn). Tables smaller than `min_rows` before are
        left alone. Counts are the engine's own (DuckDB's count, PostgreSQL's live rows).

    Why it matters:
        An incremental model rebuilt from an empty source, a `delete` without a `where`, a
        loader that truncated and failed to reload: every test may still pass on an empty
        or shrunken table, and the dashboards show a cliff the next morning.

    Example:
        `fct_orders` held 5,036 rows yesterday and 120 today (-98%).

    Instead:
        Find what emptied the table (the run's logs, the source's load), restore it or
        rebuild it with `--full-refresh`; add a row-count test (`dbt_utils.expression_is_true`,
        `dbt_expectations`) where a drop must stop the run.

    Options:
        threshold: the fraction of rows lost from which a table is flagged (0.5 = half);
            default: `[warehouse] row_drop_threshold` (0.5).
        min_rows: tables with fewer rows than this before are not judged.
        window_hours: how much older the collect compared with is, at least (default 20).
    """

    id: ClassVar[str] = "WHS003"
    name: ClassVar[str] = "row-count-drop"
    category: ClassVar[str] = "warehouse"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "find what emptied the table (run logs, the source's load) and rebuild it; guard it with a row-count test"
    options: ClassVar[Mapping[str, Option]] = {
        "threshold": Option(None, "fraction of rows lost from which a table is flagged (default: [warehouse] row_drop_threshold, 0.5)"),
        "min_rows": Option(10, "tables with fewer rows than this at the earlier collect are not judged"),
        "window_hours": Option(20.0, "compare with the newest warehouse collect at least this many hours older (else the oldest)"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        wh = warehouse(ctx)
        before_collect = wh.baseline(float(opts["window_hours"])) if wh.present else None
        if before_collect is None:
            return
        threshold = opts["threshold"]
        if threshold is None:
            threshold = (ctx.settings.get("warehouse") or {}).get("row_drop_threshold", 0.5)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
            raise InputError(None, f"WHS003 threshold must be a fraction between 0 and 1, not {threshold!r}")
        min_rows = int(opts["min_rows"])
        hist = ctx.frames["warehouse_relation_history"].filter(pl.col("table_type") != "view")
        before = hist.filter(pl.col("collect_id") == before_collect["collect_id"]).select("database", "schema", "name", pl.col("row_count").alias("before"))
        now = hist.filter(pl.col("collect_id") == wh.latest["collect_id"]).select("database", "schema", "name", pl.col("row_count").alias("after"))
        pairs = now.join(before, on=["database", "schema", "name"], how="inner").filter(
            pl.col("before").is_not_null() & pl.col("after").is_not_null() & (pl.col("before") >= min_rows)
        )
        since = f"{before_collect['collected_at']:%Y-%m-%d %H:%M}"
        for db, schema, name, after, before_n in pairs.select("database", "schema", "name", "after", "before").sort("schema", "name").iter_rows():
            lost = (before_n - after) / before_n
            if after > 0 and lost < threshold:
                continue
            key = wh.key(db, schema, name)
            node = wh.relation_nodes.get(key)
            what = f"`{label(ctx, node)}` ({shown(key)})" if node else f"`{shown(key)}`"
            if after == 0:
                yield Violation(node, f"{what} is empty: it held {before_n:,} rows at the warehouse collect of {since}", key=shown(key), severity=Severity.ERROR)
            else:
                yield Violation(node, f"{what} fell from {before_n:,} to {after:,} rows (-{lost:.0%}) since the warehouse collect of {since}", key=shown(key))
