"""An intermediate, mart or export model that reads a source directly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope


class MartsOrIntermediateDependentOnSource(Rule):
    """An intermediate, mart or export model that reads a source directly.

    What it does:
        Flags every source -> model edge whose model is in a downstream layer: intermediate,
        mart, or this project's export layer (dbt-project-evaluator's
        `fct_marts_or_intermediate_dependent_on_source`). One finding per edge.

    Why it matters:
        A staging model is the atomic unit of modelling: one per source table, same grain,
        columns renamed and recast once. A downstream model reading raw data skips that layer,
        so its cleaning is duplicated or missing, and a change in the raw table breaks it
        directly.

    Example:
        `fct_orders` (a mart) selects from `{{ source('shop', 'orders') }}`.

    Instead:
        Read the source's staging model: `{{ ref('stg_shop__orders') }}` (create it if it
        does not exist).

    Options:
        layers: the layers that must not read sources (default intermediate, mart, export).

    Differences from dbt-project-evaluator:
        A model's layer is the console's (`[layers]` configuration, then the evaluator's prefix
        and folder logic). Sources of any package count, as there. The export layer counts
        with marts by default (option `layers`).
    """

    id: ClassVar[str] = "STR004"
    name: ClassVar[str] = "marts-or-intermediate-dependent-on-source"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "read the source through its staging model"
    options: ClassVar[Mapping[str, Option]] = {
        "layers": Option(["intermediate", "mart", "export"], "layers whose models must not read a source directly"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        layers = set(opts["layers"])
        label, layer = s.label, s.layer
        for model, sources in s.source_parents.items():
            if layer.get(model) in layers:
                for source in sources:
                    yield Violation(
                        model,
                        f"{layer[model]} model `{label[model]}` reads source `{label[source]}` directly",
                        key=source,
                    )
