"""An export no exposure declares, or that nobody read within the query log's window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules._text import label
from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.federation._consumers import federation, when


class ExportWithoutConsumer(Rule):
    """An export no exposure declares, or that nobody read within the query log's window.

    What it does:
        Looks at every model of the `export` layer and flags one that no exposure depends on
        (no declared consumer), or, when query logs were collected, that no consumer other
        than dbt read in the logs' window (from the first to the last query they hold).

    Why it matters:
        An export is made for one downstream use. Without a declared consumer nobody knows
        whom a change affects; an export that nothing reads is still built, tested and paid
        for every run, and usually means its consumer moved elsewhere unnoticed.

    Example:
        `exp_orders_finance` has no exposure, and no query read it between 2026-11-01 and
        2026-11-07.

    Instead:
        Declare its consumer as an exposure; if nothing reads it any more, remove the export
        (and its sync) instead of building it every run.
    """

    id: ClassVar[str] = "FED003"
    name: ClassVar[str] = "export-without-consumer"
    category: ClassVar[str] = "federation"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "declare the export's consumer as an exposure, or remove an export nothing reads"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        fed = federation(ctx)
        nodes = ctx.frames["nodes"]
        exports = nodes.filter((pl.col("resource_type") == "model") & (pl.col("layer") == "export"))["unique_id"].to_list()
        first, last = fed.window
        window = f"between {when(first)} and {when(last)}" if first is not None else "in the query logs"
        for node in sorted(exports):
            declared = bool(fed.exposures_of.get(node))
            unread = fed.has_logs and not fed.reads.get(node)
            if declared and not unread:
                continue
            name = label(ctx, node)
            if not declared and unread:
                message = f"export `{name}` has no declared consumer (no exposure depends on it) and nobody read it {window}"
            elif not declared:
                readers = ", ".join(f"`{r.consumer.name}`" for r in fed.reads.get(node, [])[:5])
                message = f"export `{name}` has no declared consumer (no exposure depends on it)" + (
                    f"; the query logs show {readers} reading it" if readers else ""
                )
            else:
                exposures = ", ".join(f"`{e['name']}`" for e in fed.exposures_of[node])
                message = f"export `{name}` was not read by any consumer {window}, though {exposures} declares it"
            yield Violation(node, message, key="undeclared" if not declared else "unread")
