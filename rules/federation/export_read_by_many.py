"""An export is read by more than one consumer: the one-to-one rule is broken."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules._text import label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.federation._consumers import federation, when


class ExportReadByMany(Rule):
    """An export is read by more than one consumer: the one-to-one rule is broken.

    What it does:
        Counts, for every model of the `export` layer, the distinct consumers the query logs
        show reading it (tools, service accounts and people; dbt itself left out), and flags
        an export with more than `max_consumers` of them, naming each with its tool, query
        count, last read, and whether an exposure declares it.

    Why it matters:
        An export exists for exactly one downstream use, so that it can change with that use
        alone. A second reader turns it into a shared interface by accident: the next change
        made for the first consumer silently breaks the second.

    Example:
        `exp_top_items_salesforce` is read by 2 consumers: `HIGHTOUCH_SVC` (Hightouch, 7
        queries, declared by `salesforce_store_pitch_sync`) and `MAYA_CHEN` (person, 4 queries,
        undeclared).

    Instead:
        Give every consumer its own export (built from the same mart), or point the extra
        readers at the mart itself; then declare each as an exposure.

    Options:
        max_consumers: distinct consumers an export may have before it is flagged.
    """

    id: ClassVar[str] = "FED002"
    name: ClassVar[str] = "export-read-by-many-consumers"
    category: ClassVar[str] = "federation"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "give each consumer its own export built from the mart, or point the extra readers at the mart"
    options: ClassVar[Mapping[str, Option]] = {
        "max_consumers": Option(1, "distinct consumers an export may have"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        fed = federation(ctx)
        limit = int(opts["max_consumers"])
        index = ctx.node_index
        for node, reads in sorted(fed.reads.items()):
            row = index.get(node)
            if row is None or row["resource_type"] != "model" or row.get("layer") != "export" or len(reads) <= limit:
                continue
            parts = []
            for read in reads:
                declared = fed.declared_by(read.consumer, node)
                status = f"declared by {', '.join(f'`{d}`' for d in declared)}" if declared else "undeclared"
                parts.append(
                    f"{read.consumer.described[:-1]}, {read.query_count} queries, last {when(read.last_seen)}, {status})"
                )
            yield Violation(
                node,
                f"export `{label(ctx, node)}` is read by {len(reads)} consumers: " + "; ".join(parts),
            )
