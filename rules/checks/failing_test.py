"""CHK001 failing-test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import latest_results, when
from rules._text import label
from rules.base import NodeRule, Severity, Violation
from rules.context import Context

_REPORTED = ("fail", "warn", "error", "runtime error")


class FailingTest(NodeRule):
    """A dbt test failed, warned or could not run in the latest run.

    What it does:
        Reports every data test and unit test whose result in the latest `dbt build` or
        `dbt test` is `fail`, `warn`, `error` or `runtime error`, with the number of failing
        rows. A test configured with `severity: warn` that returns `warn` is a warn finding;
        a failing error-severity test, or a test that could not run at all, is an error.

    Why it matters:
        A failing test means the data a model produced breaks a promise someone relies on: a
        duplicate key double-counts revenue, a NULL drops a store from a sync. In a
        `dbt build` it also stops everything downstream of the tested model.

    Example:
        The latest `dbt build` ran `unique_dim_skus_sku_id`, which returned 1 failing row
        because the catalogue loaded one SKU twice.

    Instead:
        Look at the failing rows (`dbt test --select <test> --store-failures`), fix the data
        or the model upstream, and run the build again. If the rows are acceptable, say so in
        the test: `severity: warn`, or `warn_if` / `error_if` thresholds.
    """

    id = "CHK001"
    name = "failing-test"
    category = "checks"
    severity = Severity.ERROR
    hint = "Query the failing rows (`dbt test --select <test> --store-failures`) and fix the data or the model upstream; if they are acceptable, set the test's severity or warn_if/error_if."

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        results = latest_results(ctx, ("test", "unit_test")).filter(pl.col("status").is_in(_REPORTED))
        tests = ctx.frames["tests"].select("unique_id", "attached_node", "severity")
        self._rows = {
            row["unique_id"]: row
            for row in results.join(tests, on="unique_id", how="left").iter_rows(named=True)
        }
        return sorted(self._rows)

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        row = self._rows[node]
        status = row["status"]
        attached = row["attached_node"] or next(iter(ctx.graph.parents.get(node, ())), None)
        on = f" on `{label(ctx, attached)}`" if attached else ""
        run = f"the latest `dbt {row['command']}` ({when(row['generated_at'])})"
        failures = row["failures"]
        rows = f"{failures} failing row{'s' if failures != 1 else ''}" if failures is not None else None
        if status in ("error", "runtime error"):
            detail = " ".join((row["message"] or "no message").split())
            yield Violation(node, f"test `{label(ctx, node)}`{on} could not run in {run}: {detail}", severity=Severity.ERROR)
            return
        warn = status == "warn" or (row["severity"] or "").lower() == "warn"
        verb = "warned" if warn else "failed"
        kind = " (a warn-severity test)" if warn else ""
        message = f"test `{label(ctx, node)}`{on} {verb} in {run}" + (f": {rows}" if rows else "") + kind
        if rows is None and row["message"]:
            message += ": " + " ".join(row["message"].split())
        yield Violation(node, message, severity=Severity.WARN if warn else Severity.ERROR)
