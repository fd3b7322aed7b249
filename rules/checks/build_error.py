"""CHK002 build-error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import latest_results, when
from rules._text import label
from rules.base import NodeRule, Severity, Violation
from rules.context import Context

_MAX_MESSAGE = 400


class BuildError(NodeRule):
    """A model, seed or snapshot failed to build in the latest run.

    What it does:
        Reports every model, seed and snapshot whose result in the latest run that builds its
        kind of node (`dbt build`, `dbt run`, `dbt seed`, `dbt snapshot`) is `error`, with the
        database's error message.

    Why it matters:
        The relation kept yesterday's data (or none at all), every node downstream was skipped,
        and every dashboard, sync and application reading them shows stale numbers without
        saying so.

    Example:
        The point-of-sale system sent `unit_price = 'N/A'`, and `stg_order_items`, which casts
        the price to a decimal, failed with `Conversion Error: Could not convert string 'N/A'`.

    Instead:
        Read the error, reproduce it with `dbt build --select <model>`, and fix the model or
        the data that broke it; guard casts of text from upstream systems (`try_cast`) and
        test the raw values at the source.
    """

    id = "CHK002"
    name = "build-error"
    category = "checks"
    severity = Severity.ERROR
    hint = "Reproduce with `dbt build --select <node>`, fix the SQL or the data it chokes on, and rebuild what was skipped downstream."

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        results = latest_results(ctx, ("model", "seed", "snapshot")).filter(
            pl.col("status").is_in(["error", "runtime error"])
        )
        self._rows = {row["unique_id"]: row for row in results.iter_rows(named=True)}
        return sorted(self._rows)

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        row = self._rows[node]
        detail = " ".join((row["message"] or "no error message recorded").split())
        if len(detail) > _MAX_MESSAGE:
            detail = detail[: _MAX_MESSAGE - 3] + "..."
        yield Violation(
            node,
            f"{row['resource_type']} `{label(ctx, node)}` failed to build in the latest "
            f"`dbt {row['command']}` ({when(row['generated_at'])}): {detail}",
        )
