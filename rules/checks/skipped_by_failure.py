"""CHK003 skipped-by-upstream-failure."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import FAILED, latest_results, when
from rules._text import enumerate_names, label
from rules.base import NodeRule, Severity, Violation
from rules.context import Context

_TESTS = ("test", "unit_test")


def skip_causes(ctx: Context, invocation_id: str) -> dict[str, list[str]]:
    """Skipped node -> the failed nodes of the same invocation that made dbt skip it.

    A failed model (or seed, snapshot) skips its descendants; a failed test skips the
    descendants of the node it tests. The walk goes forward from each failure through skipped
    nodes (and nodes with no result, such as ephemeral models) only, so it visits no more
    than the failure reached.
    """
    results = ctx.results_of(invocation_id).select("unique_id", "status")
    status = dict(zip(results["unique_id"].to_list(), results["status"].to_list()))
    kinds = ctx.frames["nodes"].select("unique_id", "resource_type")
    failed = results.filter(pl.col("status").is_in(list(FAILED))).join(kinds, on="unique_id", how="left")
    graph = ctx.graph
    causes: dict[str, list[str]] = {}
    for failure, kind in failed.sort("unique_id").select("unique_id", "resource_type").iter_rows():
        starts = list(graph.parents.get(failure, ())) if kind in _TESTS else [failure]
        seen = set(starts) | {failure}
        queue = deque(starts)
        while queue:
            for child in graph.children.get(queue.popleft(), ()):
                if child in seen:
                    continue
                seen.add(child)
                child_status = status.get(child)
                if child_status == "skipped":
                    causes.setdefault(child, []).append(failure)
                    queue.append(child)
                elif child_status is None:
                    queue.append(child)
    return causes


class SkippedByUpstreamFailure(NodeRule):
    """A node was skipped in the latest run because something upstream of it failed.

    What it does:
        Reports every model, seed and snapshot that the latest run skipped, and names the
        failures of the same run that caused it: a model that errored upstream, or an
        error-severity test of an upstream node that failed (a failing test stops `dbt build`
        from building anything downstream of what it tests).

    Why it matters:
        A skipped model keeps its previous contents: it looks fine in the warehouse but is a
        day (or more) behind, and so is everything built on it. The skip is a symptom; the
        message points at the cause to fix.

    Example:
        `unique_dim_skus_sku_id` failed in the latest `dbt build`, so `top_items_not_carried`
        and `exp_top_items_crm`, both downstream of `dim_skus`, were skipped.

    Instead:
        Fix the failure named in the message (see the failing-test and build-error findings)
        and rerun the skipped nodes: `dbt build --select result:skipped+ --state target`.
    """

    id = "CHK003"
    name = "skipped-by-upstream-failure"
    category = "checks"
    severity = Severity.WARN
    hint = "Fix the upstream failure named in the message, then rebuild what was skipped (`dbt build --select result:skipped+ --state <previous target>`)."

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        skipped = latest_results(ctx, ("model", "seed", "snapshot")).filter(pl.col("status") == "skipped")
        self._rows = {row["unique_id"]: row for row in skipped.iter_rows(named=True)}
        self._causes: dict[str, dict[str, list[str]]] = {}
        return sorted(self._rows)

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        row = self._rows[node]
        invocation = row["invocation_id"]
        if invocation not in self._causes:
            self._causes[invocation] = skip_causes(ctx, invocation)
        causes = sorted(self._causes[invocation].get(node, ()), key=lambda n: label(ctx, n))
        run = f"the latest `dbt {row['command']}` ({when(row['generated_at'])})"
        what = f"{row['resource_type']} `{label(ctx, node)}`"
        if not causes:
            yield Violation(
                node,
                f"{what} was skipped in {run}, though nothing upstream of it failed in that run "
                "(a --fail-fast stop or an interrupted run?)",
            )
            return
        described = [_describe(ctx, c) for c in causes]
        yield Violation(
            node,
            f"{what} was skipped in {run} because {enumerate_names(described, quote='')} failed upstream",
        )


def _describe(ctx: Context, node: str) -> str:
    kind = node.split(".", 1)[0]
    return f"{kind.replace('_', ' ')} `{label(ctx, node)}`"
