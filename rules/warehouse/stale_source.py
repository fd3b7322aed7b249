"""WHS004 stale-source-data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules._history import when
from rules._text import criteria_text, human_duration, label, load_json, parse_duration
from rules.base import NodeRule, Severity, Violation
from rules.context import Context
from rules.warehouse._common import warehouse


def _seconds(criteria: Any) -> float | None:
    data = load_json(criteria)
    if not isinstance(data, dict) or data.get("count") is None or not data.get("period"):
        return None
    try:
        return parse_duration(f"{data['count']} {data['period']}")
    except ValueError:
        return None


class StaleSourceData(NodeRule):
    """A source's data in the warehouse is older than its freshness allows.

    What it does:
        Reads the freshness the warehouse collect measured itself, the latest
        `max(loaded_at_field)` of each source (or the relation's last-modified time where the
        source has no `loaded_at_field` and the engine keeps one), and judges its age at the
        report's time against the source's `warn_after` and `error_after`. It does not need
        `dbt source freshness` to have run, and says what dbt's latest check said. A
        source the warehouse could not measure (a bad `loaded_at_field`, no permission) is
        reported as such.

    Why it matters:
        Freshness checks are often missing from the schedule, run before the load, or ran
        last week. The warehouse's own data is the ground truth: a feed that stopped shows
        here even when dbt's last word was `pass`.

    Example:
        `inventory_feed.inventory`: the warehouse's latest `_loaded_at` is 2026-11-04 05:19,
        3 days before the report, past its error_after of 48 hours; `dbt source freshness`
        agreed on 2026-11-07 07:05.

    Instead:
        Find why the loader stopped (a renamed table, a failed sync, expired credentials),
        repair it or point the source at the new table; schedule `dbt source freshness`
        after the loads.
    """

    id: ClassVar[str] = "WHS004"
    name: ClassVar[str] = "stale-source-data"
    category: ClassVar[str] = "warehouse"
    severity: ClassVar[Severity] = Severity.ERROR
    hint: ClassVar[str] = "check the loader feeding this source (renamed or moved tables, a failed sync) and point the source at live data"

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        wh = warehouse(ctx)
        if not wh.present:
            return []
        fresh = ctx.frames["warehouse_freshness"].filter(pl.col("collect_id") == wh.latest["collect_id"])
        self._rows = {r["unique_id"]: r for r in fresh.iter_rows(named=True)}
        self._dbt = self._dbt_latest(ctx)
        return sorted(uid for uid in self._rows if uid in ctx.node_index)

    @staticmethod
    def _dbt_latest(ctx: Context) -> dict[str, tuple[str, Any]]:
        """source -> (status, generated_at) of its latest `dbt source freshness` result."""
        runs = ctx.freshness_runs
        if runs.is_empty():
            return {}
        results = ctx.frames["freshness_results"].join(runs.select("invocation_id", "generated_at"), on="invocation_id")
        latest = results.sort("generated_at").group_by("unique_id").last()
        return {u: (s, g) for u, s, g in latest.select("unique_id", "status", "generated_at").iter_rows()}

    def _dbt_said(self, node: str) -> str:
        said = self._dbt.get(node)
        if said is None:
            return "; `dbt source freshness` has not checked it"
        status, at = said
        verdict = "agreed" if status in ("warn", "error") else f"said `{status}`"
        return f"; `dbt source freshness` {verdict} on {when(at)}"

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        row = self._rows[node]
        name = f"source `{label(ctx, node)}`"
        if row["error"]:
            if "is not in the warehouse" in row["error"]:
                return  # WHS001 reports a missing relation
            yield Violation(node, f"the warehouse could not measure the freshness of {name}: {row['error']}", severity=Severity.WARN)
            return
        moment = row["max_loaded_at"]
        if moment is None:
            yield Violation(node, f"{name} is empty in the warehouse: max({row['loaded_at_field']}) is NULL", severity=Severity.WARN)
            return
        freshness = load_json(ctx.node(node).get("freshness")) or {}
        warn_s, error_s = _seconds(freshness.get("warn_after")), _seconds(freshness.get("error_after"))
        age = (ctx.now - moment).total_seconds()
        what = f"latest `{row['loaded_at_field']}`" if row["method"] == "loaded_at_field" else "last modification"
        seen = f"{name}: the warehouse's {what} is {when(moment)}, {human_duration(age)} before {when(ctx.now)}"
        if error_s is not None and age > error_s:
            yield Violation(node, f"{seen}, past its error_after of {criteria_text(freshness.get('error_after'))}{self._dbt_said(node)}", severity=Severity.ERROR)
        elif warn_s is not None and age > warn_s:
            yield Violation(node, f"{seen}, past its warn_after of {criteria_text(freshness.get('warn_after'))}{self._dbt_said(node)}", severity=Severity.WARN)
