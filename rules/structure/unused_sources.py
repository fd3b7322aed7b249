"""A source that nothing reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope


class UnusedSources(Rule):
    """A source that nothing reads.

    What it does:
        Flags every source with no child in the lineage: no model, snapshot or exposure reads
        it (tests on the source do not count) (dbt-project-evaluator's `fct_unused_sources`).

    Why it matters:
        A source declared but never used is cruft: it was never brought into a model, or its
        model was removed and the YAML was not. It still costs freshness checks and misleads
        readers about what the project depends on.

    Example:
        `sources.yml` declares `shop.promotions`, and no model calls
        `{{ source('shop', 'promotions') }}`.

    Instead:
        Remove the table (with its description and tests) from the sources YAML, or build
        the staging model it was declared for.

    Differences from dbt-project-evaluator:
        Only the project's own sources are reported (the evaluator also reports a package's
        sources unless the package is excluded). A child of any package counts, and a source
        read only by excluded models is unused, as there.
    """

    id: ClassVar[str] = "STR013"
    name: ClassVar[str] = "unused-sources"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "remove the source table from its YAML, or build the staging model it is meant for"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        label, children = s.label, s.children
        for source in s.own_of("source"):
            if not children.get(source):  # a child of any package reads it, as the evaluator counts
                yield Violation(source, f"source `{label[source]}` is not read by any model, snapshot or exposure")
