"""A staging model that reads another staging model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope

_TYPES = ("model", "snapshot")


class StagingDependentOnStaging(Rule):
    """A staging model that reads another staging model.

    What it does:
        Flags every edge between two staging models (or snapshots in the staging layer)
        (dbt-project-evaluator's `fct_staging_dependent_on_staging`). One finding per edge,
        on the child.

    Why it matters:
        Staging models clean one source each and are read by later layers, not by each
        other. A staging model built on another one is usually an intermediate model under
        the wrong name, or should read its own source.

    Example:
        `stg_model_4` selects from `{{ ref('stg_model_2') }}`.

    Instead:
        Rename the child to the layer it belongs to (e.g. `int_model_4`, in the intermediate
        folder), or point it at the `source()` it should clean.

    Differences from dbt-project-evaluator:
        Layers are the console's (`[layers]`, then the evaluator's prefix and folder logic).
        Parents of any package count, as there; findings are only on the project's own models.
    """

    id: ClassVar[str] = "STR011"
    name: ClassVar[str] = "staging-dependent-on-staging"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "make the child an intermediate model, or point it at its own source"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        kind, label, layer, parents = s.kind, s.label, s.layer, s.parents
        for child in s.own_of(*_TYPES):
            if layer.get(child) != "staging":
                continue
            for parent in parents.get(child, ()):
                if kind[parent] in _TYPES and layer.get(parent) == "staging":  # of any package, as the evaluator
                    yield Violation(
                        child,
                        f"staging model `{label[child]}` reads staging model `{label[parent]}`",
                        key=parent,
                    )
