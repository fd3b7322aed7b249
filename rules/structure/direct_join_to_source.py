"""A model that reads both a source and another model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import listing, scope


class DirectJoinToSource(Rule):
    """A model that reads both a source and another model.

    What it does:
        Flags every model whose direct parents include at least one source and at least one
        model (dbt-project-evaluator's `fct_direct_join_to_source`).

    Why it matters:
        Each source should have exactly one staging model that renames, recasts and cleans it;
        every other model should read that staging model. A model joining raw source data to
        modelled data repeats (or skips) the cleaning the staging layer exists for.

    Example:
        `int_orders_enriched` selects from `{{ source('shop', 'orders') }}` and joins
        `{{ ref('stg_customers') }}`.

    Instead:
        Create a staging model for the source if there is none (`stg_shop__orders`) and join
        that staging model instead of the source.

    Differences from dbt-project-evaluator:
        None left: model and source parents of any package count, as there (a model reading a
        package's model next to a source is flagged), and exclusions drop both ends of an edge.
        Findings are only on the project's own models.
    """

    id: ClassVar[str] = "STR001"
    name: ClassVar[str] = "direct-join-to-source"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "read the source through its staging model, and join that model instead"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        kind, label, parents = s.kind, s.label, s.parents
        for model, sources in s.source_parents.items():
            models = [label[p] for p in parents[model] if kind[p] == "model"]
            if models:
                names = sorted(label[p] for p in sources)
                yield Violation(
                    model,
                    f"`{label[model]}` reads {len(names)} source(s) ({listing(names)}) "
                    f"next to {len(models)} model(s) ({listing(sorted(models))})",
                )
