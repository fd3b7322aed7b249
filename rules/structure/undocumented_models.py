"""A model without a description."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import documented, scope


class UndocumentedModels(Rule):
    """A model without a description.

    What it does:
        Flags every model of the project with no model-level description (empty or blank)
        (dbt-project-evaluator's `fct_undocumented_models`).

    Why it matters:
        A model's description is how other developers and its consumers learn what one row
        means and what it is for. Undocumented marts are the worst case: they are what
        stakeholders read.

    Example:
        `fct_orders` appears in `_marts.yml` with columns and tests but no `description`.

    Instead:
        Add a `description` to the model's YAML entry (or a `{{ doc() }}` block), marts
        first.

    Differences from dbt-project-evaluator:
        Only the project's own models are reported, and a description of only white space counts
        as none (the evaluator takes any non-empty text).
    """

    id: ClassVar[str] = "STR018"
    name: ClassVar[str] = "undocumented-models"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "add a description to the model's YAML entry"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        description, label, layer = s.column("description"), s.label, s.layer
        for model in s.own_of("model"):
            if not documented(description[model]):
                yield Violation(model, f"{layer.get(model) or 'model'} model `{label[model]}` has no description")
