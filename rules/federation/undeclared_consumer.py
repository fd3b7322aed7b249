"""A tool or service account reads a model and no exposure declares it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules._text import label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.federation._consumers import exposure_yaml, federation, when


class UndeclaredConsumer(Rule):
    """A tool or service account reads a model and no exposure declares it.

    What it does:
        Reads the warehouse's query logs (Snowflake QUERY_HISTORY and ACCESS_HISTORY, BigQuery
        JOBS, pg_stat_statements, or a plain CSV of time, user and query) and flags every
        consumer of a model, seed or snapshot that none of the exposures depending on it
        declares: the tool (recognised from the query tag, the user, role or warehouse name),
        the user and role, how many queries, and when it last read. dbt itself is not a
        consumer, and people are left to `export-read-by-many-consumers` unless
        `include_people` is set.

    Why it matters:
        Blind federation: an output made for one use quietly gains readers nobody declared.
        The next change to the model (a renamed column, a changed filter) breaks a dashboard
        or a sync the team did not know existed, and nobody is told.

    Example:
        `TABLEAU_SVC` (Tableau, role TABLEAU_READER) read `exp_top_items_crm` 6 times, last seen
        2026-11-07 09:15, but the only exposure on it is the CRM email campaign.

    Instead:
        Declare the consumer as an exposure (the hint holds a ready yml entry), so dbt's
        lineage, the console's blast radius and the owners know about it; or, if it should
        not read this model, give it its own export and revoke its grant.

    Options:
        include_people: also flag people (users that are neither a tool nor a service account).
        min_queries: flag a consumer only from this many queries in the log's window.
    """

    id: ClassVar[str] = "FED001"
    name: ClassVar[str] = "undeclared-consumer"
    category: ClassVar[str] = "federation"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "declare the consumer as an exposure on the model"
    options: ClassVar[Mapping[str, Option]] = {
        "include_people": Option(False, "also flag people, not only tools and service accounts"),
        "min_queries": Option(1, "queries from which a consumer is flagged"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        fed = federation(ctx)
        people = bool(opts["include_people"])
        least = int(opts["min_queries"])
        index = ctx.node_index
        for node, reads in sorted(fed.reads.items()):
            row = index.get(node)
            if row is None or row["resource_type"] not in ("model", "seed", "snapshot"):
                continue
            name = label(ctx, node)
            exposures = [e["name"] for e in fed.exposures_of.get(node, [])]
            for read in reads:
                c = read.consumer
                if (c.kind == "person" and not people) or read.query_count < least or fed.declared_by(c, node):
                    continue
                declared = (
                    f"the exposures on it ({', '.join(f'`{e}`' for e in sorted(exposures))}) do not declare it"
                    if exposures else "no exposure depends on it"
                )
                times = f"{read.query_count} time{'s' if read.query_count != 1 else ''}"
                span = (
                    f", last seen {when(read.last_seen)} (first {when(read.first_seen)})"
                    if read.last_seen is not None else " (the log has no times)"
                )
                yield Violation(
                    node,
                    f"{c.described} read `{name}` {times}{span}; {declared}",
                    key=c.name,
                    hint=f"declare it, e.g. in {fed.exposure_file}: {exposure_yaml(c, row['name'])}",
                )
