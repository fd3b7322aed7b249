"""The share of models with a description, below the target."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import coverage_violation, documented, scope


class DocumentationCoverage(Rule):
    """The share of models with a description, below the target.

    What it does:
        Computes the percentage of the project's models with a model-level description and
        yields one project-wide finding when it is below `documentation_coverage_target`
        (dbt-project-evaluator's `fct_documentation_coverage`). The message gives the
        coverage by layer and names the undocumented models.

    Why it matters:
        Descriptions are how consumers find and understand the datasets the team curates;
        without them people guess from column names, or ask, or build their own.

    Example:
        6 of 10 models have a description: coverage is 60% against a target of 100%.

    Instead:
        Give every model a `description` in its YAML (or a `{{ doc() }}` block), marts first.

    Options:
        documentation_coverage_target: the minimum percentage of described models (default 100).

    Differences from dbt-project-evaluator:
        The coverage is of the project's own models (the evaluator counts the models of every
        package that is not excluded), and the breakdown is by the console's layers (`[layers]`, then
        the evaluator's prefix and folder logic) instead of the evaluator's `model_types` columns. A
        description of only white space counts as none. The rounding (two decimals) is the same.
    """

    id: ClassVar[str] = "STR017"
    name: ClassVar[str] = "documentation-coverage"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "describe the undocumented models in their YAML, marts first"
    options: ClassVar[Mapping[str, Option]] = {
        "documentation_coverage_target": Option(100, "minimum percentage of models with a description"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        models = s.own_of("model")
        description = s.column("description")
        described = {m for m in models if documented(description[m])}
        found = coverage_violation(ctx, models, described, opts["documentation_coverage_target"], "have a description")
        if found is not None:
            yield found
