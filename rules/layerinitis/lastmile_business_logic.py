"""Last-mile business logic on a dbt node."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from console.layerinitis.homes import home_of
from console.layerinitis.items import items
from console.layerinitis.resolve import read_label, reads_of
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.layerinitis._common import listing


class LastmileBusinessLogic(Rule):
    """Last-mile business logic on a dbt node.

    What it does:
        Flags every last-mile item (a Hightouch or Census model, a LookML view or dimension,
        a Metabase question, a SQL string in application code, a notebook cell or dataframe
        filter) whose logic is more than a pass-through of what it reads: filters on literals,
        CASE, aggregations, joins, windows, computed columns, unions, date arithmetic. The
        message names each expression with its file and line, the dbt nodes it reads, and
        where the logic belongs.

    Why it matters:
        Logic in the last mile is invisible to dbt: it has no tests, no lineage and no review,
        and a fix in dbt does not reach it. The same rule soon lives in several tools with
        several answers (layerinitis).

    Example:
        Hightouch model `Top items for Salesforce` adds business logic on
        `exp_top_items_salesforce`: `volume_ml > 50` at
        lastmile/hightouch/models/top_items_for_salesforce.yaml:10.

    Instead:
        Move the logic into the export the item reads (or a new export made for this one use)
        and let the tool select plain columns from it.

    Options:
        max_expressions: expressions named in a message before the rest are counted (default 5).
    """

    id: ClassVar[str] = "LYR001"
    name: ClassVar[str] = "lastmile-business-logic"
    category: ClassVar[str] = "layerinitis"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "move the logic into the dbt export it reads (or a new export for this one use); let the tool select plain columns"
    options: ClassVar[Mapping[str, Option]] = {
        "max_expressions": Option(5, "expressions named in a message before the rest are counted"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        limit = int(opts["max_expressions"])
        for item in items(ctx):
            if not item.expressions:
                continue
            all_reads = reads_of(ctx, item)
            nodes = [r for r in all_reads if r.unique_id]  # name the dbt nodes it rests on, else what it reads
            reads = list(dict.fromkeys(read_label(ctx, r) for r in (nodes or all_reads)))
            on = f" on {', '.join(reads)}" if reads else ""
            exprs = [f"`{e.sql}` at {item.path}:{e.line or item.line}" for e in item.expressions]
            first_line = next((e.line for e in item.expressions if e.line), item.line)
            yield Violation(
                item.artifact_id,
                f"{item.label} adds business logic{on}: {listing(exprs, limit=limit)}",
                path=item.path, line=first_line,
                hint=f"move it into {home_of(ctx, item).text}; let the tool select plain columns",
            )
