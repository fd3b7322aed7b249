"""A last-mile item reading a staging, intermediate or raw relation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from console.layerinitis.homes import home_of
from console.layerinitis.items import items
from console.layerinitis.resolve import bypassing_reads, read_label
from rules.base import Rule, Severity, Violation
from rules.context import Context


class LastmileBypassesCentralLayer(Rule):
    """A last-mile item reads a staging, intermediate or raw relation instead of a mart or export.

    What it does:
        Resolves every relation a last-mile item reads to a dbt node (database, schema and
        alias, with the warehouse's case and quoting rules and the project's defaults) and
        flags reads of a staging or intermediate model, of a raw table dbt reads as a source,
        or of a raw table dbt does not know at all.

    Why it matters:
        Staging and intermediate models are dbt's private building blocks: they change shape
        without notice. A raw table is what dbt cleans before anyone should use it. A consumer
        reading them bypasses the tests, contracts and business logic of the central layer.

    Example:
        Metabase native question `Orders by day` reads `stg_orders` (a staging model) and
        `raw.refunds` (a raw table dbt does not know) at lastmile/metabase/orders.json:1.

    Instead:
        Read a mart, or an export made for this consumer; if the data is not in one, add it
        to dbt first.
    """

    id: ClassVar[str] = "LYR004"
    name: ClassVar[str] = "lastmile-bypasses-central-layer"
    category: ClassVar[str] = "layerinitis"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "read a mart or an export made for this consumer instead"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        for item in items(ctx):
            reads = bypassing_reads(ctx, item)
            if not reads:
                continue
            what = ", ".join(f"{read_label(ctx, r)} ({r.bypass})" for r in reads)
            home = home_of(ctx, item)
            yield Violation(
                item.artifact_id,
                f"{item.label} reads {what} at {item.where}",
                path=item.path, line=item.line,
                hint=(
                    f"add an export `{home.new_export}` for this consumer to dbt and read it instead"
                    if home.new_export else f"read {home.text} instead"
                ),
            )
