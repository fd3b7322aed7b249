"""The share of models with at least one test, below the target."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import coverage_violation, scope


class ModelTestCoverage(Rule):
    """The share of models with at least one test, below the target.

    What it does:
        Computes the percentage of the project's models with at least one data test attached
        and yields one project-wide finding when it is below `test_coverage_target`
        (dbt-project-evaluator's `fct_test_coverage`). The message gives the coverage by
        layer and names the untested models.

    Why it matters:
        Tests are the assertions that catch a wrong transformation before its consumers do.
        An untested model can change meaning in a refactor and nobody learns until a number
        on a dashboard is questioned.

    Example:
        5 of 8 models have tests: coverage is 62.5% against a target of 100%.

    Instead:
        Add at least `unique` and `not_null` on the key of every model, in its YAML, or a
        singular test in `tests/`.

    Options:
        test_coverage_target: the minimum percentage of tested models (default 100).

    Differences from dbt-project-evaluator:
        The coverage is of the project's own models (the evaluator counts every model of
        `int_model_test_summary`, packages included unless excluded), and the breakdown is by the
        console's layers instead of the evaluator's `model_types` columns, whose per-type percentages
        divide by `nullif(count, 2)` (a type with exactly two models gets no percentage there). The
        overall percentage is rounded to two decimals, as there.
    """

    id: ClassVar[str] = "STR016"
    name: ClassVar[str] = "test-coverage"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "add tests (at least unique and not_null on the key) to the untested models"
    options: ClassVar[Mapping[str, Option]] = {
        "test_coverage_target": Option(100, "minimum percentage of models with at least one test"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        tests = ctx.frames["tests"]
        nodes = ctx.frames["nodes"]
        if "enabled" in nodes.columns:
            disabled = nodes.filter(pl.col("enabled") == False)["unique_id"].to_list()  # noqa: E712
            tests = tests.filter(~pl.col("unique_id").is_in(disabled))
        tested = set(tests["attached_node"].drop_nulls().to_list())
        found = coverage_violation(ctx, s.own_of("model"), tested, opts["test_coverage_target"], "have at least one test")
        if found is not None:
            yield found
