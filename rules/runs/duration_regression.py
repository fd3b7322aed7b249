"""RUN001 duration-regression."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import runs_for, when
from rules._text import label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context


def _secs(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


class DurationRegression(Rule):
    """A model took much longer in the latest run than it usually does.

    What it does:
        Compares each model's execution time in the latest `dbt build` or `dbt run` with the
        median of its successful runs before it (up to `history` of them, at least
        `min_runs`), and reports the models that took more than `factor` times as long. Builds
        shorter than `min_seconds` are left alone: at that scale the warehouse's noise
        dominates.

    Why it matters:
        A model that suddenly takes three times as long is usually a join that started fanning
        out, a filter that stopped pruning, or an incremental model rebuilding in full. Caught
        the day it happens, it is one change to look at; caught when the run misses its window,
        it is weeks of them.

    Example:
        `fct_market_demand_forecast` usually builds in 0.9 seconds; after a new join it took
        4.1 seconds in the latest `dbt build`, 4.6 times its median.

    Instead:
        Look at what changed in the model and its parents since the last normal run
        (`console triage <model>` lists it), check the row counts of its joins, and keep the
        fix or accept the new normal: the median catches up after a few runs.

    Options:
        factor: how many times its median a model must take to be reported (default 2.0).
        history: how many earlier successful runs make the median (default 10).
        min_runs: fewest earlier successful runs needed to judge a model (default 3).
        min_seconds: shortest latest build worth judging, in seconds (default 1.0).
    """

    id = "RUN001"
    name = "duration-regression"
    category = "runs"
    severity = Severity.WARN
    hint = "Compare the model's SQL and its parents with the last normal run (`console triage <model>`): look for fan-out joins, lost filters or full rebuilds."
    options = {
        "factor": Option(2.0, "report a model that took more than this many times its median"),
        "history": Option(10, "number of earlier successful runs the median is taken over"),
        "min_runs": Option(3, "fewest earlier successful runs needed to judge a model"),
        "min_seconds": Option(1.0, "ignore latest builds shorter than this many seconds"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        runs = runs_for(ctx, "model")
        if runs.height < 2:
            return
        latest = runs.row(runs.height - 1, named=True)
        models = ctx.frames["nodes"].filter(pl.col("resource_type") == "model").select("unique_id")
        ok = (
            ctx.result_history.filter((pl.col("status") == "success") & pl.col("execution_time").is_not_null())
            .join(models, on="unique_id", how="semi")
            .join(runs.select("invocation_id"), on="invocation_id", how="semi")
        )
        now = ok.filter(pl.col("invocation_id") == latest["invocation_id"]).select(
            "unique_id", pl.col("execution_time").alias("latest")
        )
        before = (
            ok.filter(pl.col("generated_at") < latest["generated_at"])
            .sort("generated_at")
            .group_by("unique_id", maintain_order=True)
            .tail(int(opts["history"]))
            .group_by("unique_id")
            .agg(pl.col("execution_time").median().alias("median"), pl.len().alias("runs"))
        )
        slow = (
            now.join(before, on="unique_id", how="inner")
            .filter(
                (pl.col("runs") >= int(opts["min_runs"]))
                & (pl.col("latest") >= float(opts["min_seconds"]))
                & (pl.col("latest") > pl.col("median") * float(opts["factor"]))
            )
            .sort("unique_id")
        )
        for uid, took, median, count in slow.select("unique_id", "latest", "median", "runs").iter_rows():
            ratio = f"{took / median:.1f} times" if median > 0 else "far more than"
            yield Violation(
                uid,
                f"model `{label(ctx, uid)}` took {_secs(took)} seconds in the latest `dbt {latest['command']}` "
                f"({when(latest['generated_at'])}), {ratio} its median of {_secs(median)} seconds "
                f"over the {count} successful runs before",
            )
