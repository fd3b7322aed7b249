"""A staging model that reads an intermediate, mart or export model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope


class StagingDependentOnMartsOrIntermediate(Rule):
    """A staging model that reads an intermediate, mart or export model.

    What it does:
        Flags every model -> model edge from a downstream layer (intermediate, mart, or this
        project's export layer) into a staging model
        (dbt-project-evaluator's `fct_staging_dependent_on_marts_or_intermediate`). One finding
        per edge.

    Why it matters:
        Data flows from sources to staging to intermediate to marts. A staging model reading
        a downstream model is usually misnamed, or reads the wrong thing; either way the
        layers stop meaning what they say.

    Example:
        `stg_model_5` selects from `{{ ref('fct_model_9') }}`.

    Instead:
        Rename the child to the layer it really belongs to (and move its file), or point it
        at the `source()` it should clean.

    Options:
        layers: the layers a staging model must not read (default intermediate, mart, export).

    Differences from dbt-project-evaluator:
        Layers are the console's (`[layers]`, then the evaluator's prefix and folder logic).
        Parents of any package count, as there; findings are only on the project's own models.
    """

    id: ClassVar[str] = "STR010"
    name: ClassVar[str] = "staging-dependent-on-marts-or-intermediate"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "rename the staging model to its real layer, or point it at the source it should clean"
    options: ClassVar[Mapping[str, Option]] = {
        "layers": Option(["intermediate", "mart", "export"], "layers a staging model must not read"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        layers = set(opts["layers"])
        kind, label, layer, parents = s.kind, s.label, s.layer, s.parents
        for model in s.own_of("model"):
            if layer.get(model) != "staging":
                continue
            for parent in parents.get(model, ()):
                if kind[parent] == "model" and layer.get(parent) in layers:  # of any package, as the evaluator
                    yield Violation(
                        model,
                        f"staging model `{label[model]}` reads {layer[parent]} model `{label[parent]}`",
                        key=parent,
                    )
