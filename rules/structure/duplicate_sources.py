"""Two or more source definitions pointing at the same table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import listing, scope


class DuplicateSources(Rule):
    """Two or more source definitions pointing at the same table.

    What it does:
        Groups the project's sources by `database.schema.identifier` (the table they read;
        compared without regard to case) and flags every location defined more than once
        (dbt-project-evaluator's `fct_duplicate_sources`). The finding is on the first source
        of the group, by unique_id.

    Why it matters:
        Two sources for one table split its lineage in two: half of its consumers are missing
        from each source's descendants, freshness is checked twice or not at all, and impact
        analysis misses models.

    Example:
        `source_1.table_5` and `source_1.raw_table_5` (with `identifier: table_5`) both point
        at `real_database.real_schema.table_5`.

    Instead:
        Keep one source definition per table and point every `source()` call at it.

    Differences from dbt-project-evaluator:
        Locations are compared without regard to case, and a missing database or schema still
        groups (the evaluator concatenates `database.schema.identifier` as written, and a NULL part
        makes the location NULL, never a duplicate); only the project's own sources are compared, and
        excluded sources are left out (the evaluator's `fct_duplicate_sources` filters neither).
    """

    id: ClassVar[str] = "STR002"
    name: ClassVar[str] = "duplicate-sources"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "keep one source definition per table and point every source() call at it"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        own = s.own_of("source")
        if len(own) < 2:
            return
        frame = s.nodes.filter(pl.col("unique_id").is_in(own)).select(
            "unique_id",
            pl.concat_str(
                [
                    pl.col("database").fill_null(""),
                    pl.col("schema").fill_null(""),
                    pl.coalesce(pl.col("identifier"), pl.col("name")).fill_null(""),
                ],
                separator=".",
            ).alias("location"),
        )
        groups = (
            frame.group_by(pl.col("location").str.to_lowercase().alias("key"))
            .agg(pl.col("unique_id").sort(), pl.col("location").first())
            .filter(pl.col("unique_id").list.len() > 1)
            .sort("key")
        )
        label = s.label
        for key, ids, location in groups.iter_rows():
            yield Violation(
                ids[0],
                f"{len(ids)} sources point at `{location}`: {listing(label[i] for i in ids)}",
                key=key,
            )
