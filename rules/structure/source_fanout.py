"""A source read by more than one model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import listing, scope


class SourceFanout(Rule):
    """A source read by more than one model.

    What it does:
        Flags every source with more than one model among its direct children
        (dbt-project-evaluator's `fct_source_fanout`).

    Why it matters:
        Each source should be read by exactly one staging model that renames, recasts and
        lightly cleans it; everything else reads that staging model. Several readers repeat
        the cleaning (or forget it), and a change in the raw table must be fixed in each.

    Example:
        `shop.orders` is read by `stg_shop__orders` and by `fct_orders`.

    Instead:
        Point every other reader at the staging model. Heavily nested sources (JSON, NoSQL)
        that need several base models are a fair exception.

    Differences from dbt-project-evaluator:
        Only the project's own sources are reported (the evaluator also reports a package's
        sources unless the package is excluded); readers are models of any package, and
        exclusions drop both ends, as there.
    """

    id: ClassVar[str] = "STR009"
    name: ClassVar[str] = "source-fanout"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "read each source from one staging model only; point other readers at it"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        kind, label, children = s.kind, s.label, s.children
        for source in s.own_of("source"):
            kids = children.get(source)
            if not kids or len(kids) < 2:
                continue
            models = sorted(label[c] for c in kids if kind[c] == "model")  # of any package, as the evaluator
            if len(models) > 1:
                yield Violation(source, f"source `{label[source]}` is read by {len(models)} models: {listing(models)}")
