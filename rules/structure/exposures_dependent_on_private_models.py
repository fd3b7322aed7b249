"""An exposure that reads something other than a public model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope


class ExposuresDependentOnPrivateModels(Rule):
    """An exposure that reads something other than a public model.

    What it does:
        Flags every direct parent of an exposure that is not a model with `access: public`:
        protected or private models, sources, seeds, snapshots
        (dbt-project-evaluator's `fct_exposures_dependent_on_private_models`). One finding
        per exposure and parent.

    Why it matters:
        An exposure is a consumer outside the project. Public access is the promise that a
        model is meant to be relied on, and changed with care; anything else may be
        reshaped or removed in a refactor that never considered the dashboard or app.

    Example:
        The exposure `retailer_app` depends on `int_store_sku_availability` (protected).

    Instead:
        Point the exposure at a public model, or make the model it reads public (with a
        contract and documentation).

    Differences from dbt-project-evaluator:
        None left: every parent of any package that is not excluded and not a public model.
        Findings are on the project's own exposures.
    """

    id: ClassVar[str] = "STR027"
    name: ClassVar[str] = "exposures-dependent-on-private-models"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "point the exposure at a public model, or make that model public with a contract"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        kind, label, parents, access = s.kind, s.label, s.parents, s.column("access")
        for exposure in s.own_of("exposure"):
            for parent in parents.get(exposure, ()):
                if kind[parent] == "model" and access[parent] == "public":
                    continue
                what = f"{access[parent] or 'protected'} model" if kind[parent] == "model" else kind[parent]
                yield Violation(exposure, f"exposure `{label[exposure]}` reads {what} `{label[parent]}`", key=parent)
