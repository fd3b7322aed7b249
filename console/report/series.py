"""The series the HTML report's charts draw, computed from a Context with polars (no plotly here).

* durations: execution time of the slowest models, per run, over time;
* test_runs: test results per run (pass, warn, fail, error, skipped);
* freshness: each source's latest freshness age with its warn/error thresholds;
* dag_nodes / dag_edges: the graph without tests, each node with its layer and latest status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from rules.context import Context

#: How many of the slowest models the durations chart draws.
TOP_SLOWEST = 10
#: Columns of the DAG, left to right.
LAYER_ORDER = ("source", "staging", "intermediate", "other", "mart", "export", "exposure")
_DAG_SKIP = ("test", "unit_test", "analysis", "group", "macro", "operation", "doc")
_TEST_TYPES = ("test", "unit_test")
_PERIOD_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


@dataclass(frozen=True)
class ChartData:
    """Frames behind the HTML charts (every frame may be empty).

    Attributes:
        durations: ``unique_id, name, generated_at, execution_time`` for the slowest models.
        test_runs: ``invocation_id, generated_at, command, pass, warn, fail, error, skipped``.
        freshness: ``unique_id, name, status, age_hours, warn_hours, error_hours``.
        dag_nodes: ``unique_id, name, resource_type, layer, status``.
        dag_edges: ``parent_id, child_id`` between DAG nodes.
    """

    durations: pl.DataFrame
    test_runs: pl.DataFrame
    freshness: pl.DataFrame
    dag_nodes: pl.DataFrame
    dag_edges: pl.DataFrame


def _node_names(nodes: pl.DataFrame) -> pl.DataFrame:
    name = pl.col("name").fill_null(pl.col("unique_id"))
    if "source_name" in nodes.columns:
        name = pl.when(pl.col("resource_type") == "source").then(
            pl.concat_str(pl.col("source_name"), pl.lit("."), pl.col("name"))
        ).otherwise(pl.col("name")).fill_null(pl.col("unique_id"))
    return nodes.select("unique_id", "resource_type", name.alias("name"))


def durations(ctx: Context, names: pl.DataFrame, top: int = TOP_SLOWEST) -> pl.DataFrame:
    """Run durations of the ``top`` models slowest on average, oldest run first."""
    hist = ctx.result_history.join(names, on="unique_id", how="inner").filter(
        (pl.col("resource_type") == "model") & pl.col("execution_time").is_not_null()
    )
    slowest = (
        hist.group_by("unique_id").agg(pl.col("execution_time").mean().alias("mean"))
        .sort(["mean", "unique_id"], descending=[True, False]).head(top)
    )
    return (
        hist.join(slowest, on="unique_id", how="semi")
        .select("unique_id", "name", "generated_at", "execution_time")
        .sort(["generated_at", "unique_id"])
    )


def test_runs(ctx: Context, names: pl.DataFrame) -> pl.DataFrame:
    """Per run with tests: how many tests passed, warned, failed, errored, were skipped."""
    tests = names.filter(pl.col("resource_type").is_in(list(_TEST_TYPES))).select("unique_id")
    hist = ctx.result_history.join(tests, on="unique_id", how="semi")
    status = pl.col("status").str.to_lowercase()
    counts = {
        "pass": status.is_in(["pass", "success"]),
        "warn": status == "warn",
        "fail": status == "fail",
        "error": status.is_in(["error", "runtime error"]),
        "skipped": status == "skipped",
    }
    return (
        hist.group_by("invocation_id", "generated_at", "command")
        .agg(*(expr.sum().cast(pl.Int64).alias(name) for name, expr in counts.items()))
        .sort("generated_at")
    )


def _hours(col: str) -> pl.Expr:
    raw = pl.col(col).cast(pl.String)
    count = raw.str.json_path_match("$.count").cast(pl.Float64, strict=False)
    period = raw.str.json_path_match("$.period").replace_strict(_PERIOD_HOURS, default=None, return_dtype=pl.Float64)
    return (count * period).alias(col.replace("_after", "_hours"))


def freshness(ctx: Context, names: pl.DataFrame) -> pl.DataFrame:
    """Each source's latest freshness result: age and thresholds in hours."""
    runs = ctx.freshness_runs.select("invocation_id", "generated_at")
    res = ctx.frames["freshness_results"].join(runs, on="invocation_id", how="inner")
    if not res.height:
        return pl.DataFrame(schema={"unique_id": pl.String, "name": pl.String, "status": pl.String,
                                    "age_hours": pl.Float64, "warn_hours": pl.Float64, "error_hours": pl.Float64})
    latest = res.sort("generated_at").group_by("unique_id").last()
    return (
        latest.join(names.select("unique_id", "name"), on="unique_id", how="left")
        .select(
            "unique_id",
            pl.col("name").fill_null(pl.col("unique_id")),
            "status",
            (pl.col("age_seconds") / 3600).alias("age_hours"),
            _hours("warn_after"),
            _hours("error_after"),
        )
        .sort("age_hours", descending=True, nulls_last=True)
    )


def dag(ctx: Context, names: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Nodes (no tests) with their DAG column and latest status, and the edges between them."""
    nodes = ctx.frames["nodes"]
    layer = pl.col("layer") if "layer" in nodes.columns else pl.lit(None, dtype=pl.String)
    kind = pl.col("resource_type")
    column = (
        pl.when(layer.is_in(list(LAYER_ORDER))).then(layer)
        .when(kind.is_in(["source", "seed"])).then(pl.lit("source"))
        .when(kind == "exposure").then(pl.lit("exposure"))
        .otherwise(pl.lit("other"))
    )
    frame = (
        nodes.filter(~kind.is_in(list(_DAG_SKIP)))
        .select("unique_id", column.alias("layer"))
        .join(names, on="unique_id", how="left")
    )
    run_status = (
        ctx.result_history.sort("generated_at").group_by("unique_id").agg(pl.col("status").last())
    )
    fresh = ctx.frames["freshness_results"].join(
        ctx.freshness_runs.select("invocation_id", "generated_at"), on="invocation_id", how="inner"
    ).sort("generated_at").group_by("unique_id").agg(pl.col("status").last().alias("fresh_status"))
    frame = (
        frame.join(run_status, on="unique_id", how="left")
        .join(fresh, on="unique_id", how="left")
        .with_columns(pl.coalesce("status", "fresh_status").alias("status"))
        .select("unique_id", "name", "resource_type", "layer", "status")
    )
    ids = frame.select("unique_id")
    edges = (
        ctx.frames["edges"].select("parent_id", "child_id")
        .join(ids, left_on="parent_id", right_on="unique_id", how="semi")
        .join(ids, left_on="child_id", right_on="unique_id", how="semi")
        .unique()
    )
    return frame, edges


def chart_data(ctx: Context) -> ChartData:
    """Every chart series of the HTML report."""
    names = _node_names(ctx.frames["nodes"])
    dag_nodes, dag_edges = dag(ctx, names)
    return ChartData(
        durations=durations(ctx, names),
        test_runs=test_runs(ctx, names),
        freshness=freshness(ctx, names),
        dag_nodes=dag_nodes,
        dag_edges=dag_edges,
    )
