"""Run history as rules need it: which dbt commands build which nodes, and each type's latest run.

"The latest run" of a node is the latest invocation of a command that builds or tests that kind
of node: a ``dbt test`` after a ``dbt run`` does not hide the run's model errors, and a
``dbt seed`` does not hide the tests of the ``dbt build`` before it.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from rules.context import Context

#: resource type -> the dbt commands whose run_results carry results of that type.
COMMANDS_FOR: dict[str, tuple[str, ...]] = {
    "model": ("build", "run"),
    "seed": ("build", "seed"),
    "snapshot": ("build", "snapshot"),
    "test": ("build", "test"),
    "unit_test": ("build", "test"),
}

#: statuses of a node that did not build or whose test did not pass at error severity.
FAILED = ("error", "fail", "runtime error")


def runs_for(ctx: Context, resource_type: str) -> pl.DataFrame:
    """Invocations whose command builds or tests ``resource_type``, oldest first."""
    return ctx.runs.filter(pl.col("command").is_in(list(COMMANDS_FOR[resource_type])))


def latest_results(ctx: Context, resource_types: Iterable[str]) -> pl.DataFrame:
    """Each node's result in the latest run of its type.

    Returns:
        node_results columns plus ``resource_type``, ``command`` and ``generated_at`` of the
        invocation; only nodes present in the project.
    """
    nodes = ctx.frames["nodes"].select("unique_id", "resource_type")
    parts = []
    for resource_type in dict.fromkeys(resource_types):
        runs = runs_for(ctx, resource_type)
        if runs.is_empty():
            continue
        latest = runs.row(runs.height - 1, named=True)
        of_type = nodes.filter(pl.col("resource_type") == resource_type)
        parts.append(
            ctx.results_of(latest["invocation_id"])
            .join(of_type, on="unique_id", how="inner")
            .with_columns(
                pl.lit(latest["command"], pl.String).alias("command"),
                pl.lit(latest["generated_at"]).alias("generated_at"),
            )
        )
    if not parts:
        return ctx.frames["node_results"].clear().with_columns(
            pl.lit(None, pl.String).alias("resource_type"),
            pl.lit(None, pl.String).alias("command"),
            pl.lit(None, pl.Datetime("us")).alias("generated_at"),
        )
    return pl.concat(parts, how="vertical_relaxed")


def when(value) -> str:
    """A timestamp as ``2026-11-07 07:00`` (UTC), for messages."""
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "an unknown time"
