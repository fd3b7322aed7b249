"""HRD002 unchecked-production-source."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import when
from rules._production import path_down, production_trees
from rules._text import chain, human_duration, label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.freshness.missing_source_freshness import has_freshness


class UncheckedProductionSource(Rule):
    """A production exposure depends on a source whose freshness is declared but not checked.

    What it does:
        For every production exposure, finds the sources upstream of it (at any distance)
        that declare `freshness`, and reports those that the latest `dbt source freshness`
        did not check: left out of its selection, or no freshness run collected at all, or
        the latest one older than `max_check_age_hours`. One finding per exposure and source,
        with the path from the source to the exposure. Sources with no freshness declared at
        all are the missing-source-freshness rule's business.

    Why it matters:
        A freshness block in YAML does nothing by itself: only `dbt source freshness` compares
        the data's age with it. When that command is not part of the schedule (or its
        selector skips the source), a production application can run on week-old data while
        the project looks monitored.

    Example:
        `inventory_feed.inventory` declares `error_after: 48 hours` and feeds `retailer_app`
        through `stg_inventory` and `exp_retailer_app_skus`, but the scheduled job runs
        `dbt source freshness --select source:marketplace`, so it is never checked.

    Instead:
        Run `dbt source freshness` (for every source production depends on) before each
        scheduled build, and keep its `sources.json` with the other artifacts.

    Options:
        max_check_age_hours: a freshness run older than this many hours no longer counts
            as a check (default 48).
    """

    id = "HRD002"
    name = "unchecked-production-source"
    category = "hardening"
    severity = Severity.WARN
    hint = "Run `dbt source freshness` for every source production depends on before each scheduled build, and collect its sources.json."
    options = {
        "max_check_age_hours": Option(48.0, "a freshness run older than this many hours no longer counts as a check"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        trees = production_trees(ctx)
        if not trees:
            return
        sources = ctx.frames["nodes"].filter(pl.col("resource_type") == "source")
        declared = {
            uid: path
            for uid, fresh, path in sources.select("unique_id", "freshness", "path").iter_rows()
            if has_freshness(fresh)
        }
        reasons = self._reasons(ctx, set(declared), float(opts["max_check_age_hours"]))
        for exposure, via in trees:
            for source in sorted(s for s in via if s in reasons):
                message = (
                    f"exposure {exposure.described} depends on source `{label(ctx, source)}`, "
                    f"whose freshness is declared but {reasons[source]} (via {chain(ctx, path_down(via, source))})"
                )
                yield Violation(exposure.unique_id, message, key=source, path=declared[source])

    @staticmethod
    def _reasons(ctx: Context, declared: set[str], max_age_hours: float) -> dict[str, str]:
        """source -> why it counts as unchecked, for the declared sources that do."""
        runs = ctx.freshness_runs
        if runs.is_empty():
            return dict.fromkeys(declared, "no `dbt source freshness` results were ever collected")
        results = ctx.frames["freshness_results"].join(
            runs.select("invocation_id", "generated_at"), on="invocation_id", how="inner"
        )
        last = results.group_by("unique_id").agg(pl.col("generated_at").max().alias("last"))
        last_checked = dict(zip(last["unique_id"].to_list(), last["last"].to_list()))
        latest = runs.row(runs.height - 1, named=True)
        age = (ctx.now - latest["generated_at"]).total_seconds()
        out = {}
        for source in declared:
            seen = last_checked.get(source)
            if seen is None:
                out[source] = "no collected `dbt source freshness` run has checked it"
            elif seen < latest["generated_at"]:
                out[source] = f"the latest `dbt source freshness` ({when(latest['generated_at'])}) left it out; it was last checked {when(seen)}"
            elif age > max_age_hours * 3600:
                out[source] = f"the latest `dbt source freshness` ran {human_duration(age)} ago ({when(latest['generated_at'])})"
        return out
