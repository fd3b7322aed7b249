"""A model that reads more than one source."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import listing, scope


class MultipleSourcesJoined(Rule):
    """A model that reads more than one source.

    What it does:
        Flags every model with more than one source among its direct parents
        (dbt-project-evaluator's `fct_multiple_sources_joined`).

    Why it matters:
        A staging model has a one-to-one relationship with the source table it cleans. Two
        `source()` calls in one model mean it does two jobs: the building blocks are not
        reusable on their own, and the cleaning of each source is tied to the join.

    Example:
        `stg_orders` selects from `{{ source('shop', 'orders') }}` and joins
        `{{ source('shop', 'order_status') }}`.

    Instead:
        Give each source its own staging model (`stg_shop__orders`,
        `stg_shop__order_status`) and join those in an intermediate model. When identical
        sources are only ever used together, union them once in one base model.

    Differences from dbt-project-evaluator:
        An excluded model is never flagged, and excluded sources are not counted (the
        evaluator's `fct_multiple_sources_joined` does not filter excluded nodes). Sources of any
        package count, as there; findings are only on the project's own models.
    """

    id: ClassVar[str] = "STR006"
    name: ClassVar[str] = "multiple-sources-joined"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "give each source its own staging model and join the staging models downstream"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        label = s.label
        for model, sources in s.source_parents.items():
            if len(sources) > 1:
                names = sorted(label[p] for p in sources)
                yield Violation(model, f"`{label[model]}` reads {len(names)} sources: {listing(names)}")
