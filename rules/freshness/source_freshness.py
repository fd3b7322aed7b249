"""FRS001 source-freshness."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import when
from rules._text import criteria_text, human_duration, label
from rules.base import NodeRule, Severity, Violation
from rules.context import Context


class SourceFreshness(NodeRule):
    """A source was stale (or could not be checked) in the latest `dbt source freshness`.

    What it does:
        Reads the latest `dbt source freshness` results and reports every source whose status
        is `error` (older than its `error_after`), `warn` (older than its `warn_after`) or
        `runtime error` (the check itself failed), with the data's age against the criteria.

    Why it matters:
        dbt builds happily on stale data: every model succeeds, every test passes, and the
        dashboard shows last Tuesday. Freshness is the only signal that the loader upstream
        stopped delivering.

    Example:
        Engineering renamed `raw.inventory` to `raw.store_inventory`; the old table stayed,
        frozen. `dbt source freshness` reports `inventory_feed.inventory` as last loaded 2 days
        ago, past its `error_after` of 48 hours.

    Instead:
        Find out why the loader stopped (a renamed table, a failed sync, an expired
        credential), repair it or point the source at the new table, and rerun the
        freshness check.
    """

    id = "FRS001"
    name = "source-freshness"
    category = "freshness"
    severity = Severity.ERROR
    hint = "Check the loader that feeds this source (sync status, renamed or moved tables), then rerun `dbt source freshness`."

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        runs = ctx.freshness_runs
        self._rows: dict[str, dict[str, Any]] = {}
        if runs.is_empty():
            return []
        latest = runs.row(runs.height - 1, named=True)
        sources = ctx.frames["nodes"].filter(pl.col("resource_type") == "source").select("unique_id")
        results = (
            ctx.frames["freshness_results"]
            .filter((pl.col("invocation_id") == latest["invocation_id"]) & pl.col("status").is_in(["warn", "error", "runtime error"]))
            .join(sources, on="unique_id", how="inner")
        )
        self._checked_at = latest["generated_at"]
        self._rows = {row["unique_id"]: row for row in results.iter_rows(named=True)}
        return sorted(self._rows)

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        row = self._rows[node]
        name = f"source `{label(ctx, node)}`"
        checked = when(row["snapshotted_at"] or self._checked_at)
        if row["status"] == "runtime error":
            detail = " ".join((row["error"] or "no error message recorded").split())
            yield Violation(node, f"the freshness check of {name} failed at {checked}: {detail}", severity=Severity.ERROR)
            return
        age = row["age_seconds"]
        if age is None and row["max_loaded_at"] is not None and row["snapshotted_at"] is not None:
            age = (row["snapshotted_at"] - row["max_loaded_at"]).total_seconds()
        warn_after, error_after = criteria_text(row["warn_after"]), criteria_text(row["error_after"])
        loaded = f"was last loaded {human_duration(age)} before the check at {checked}" if age is not None else f"was stale at {checked}"
        if row["max_loaded_at"] is not None:
            loaded += f" (latest row loaded {when(row['max_loaded_at'])})"
        if row["status"] == "error":
            limit = f", past its error_after of {error_after}" if error_after else ""
            yield Violation(node, f"{name} {loaded}{limit}", severity=Severity.ERROR)
        else:
            limit = f", past its warn_after of {warn_after}" if warn_after else ""
            then = f" (error after {error_after})" if error_after else ""
            yield Violation(node, f"{name} {loaded}{limit}{then}", severity=Severity.WARN)
