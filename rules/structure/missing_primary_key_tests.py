"""A model whose grain no test checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope


def macro_key(name: str) -> str:
    """A test macro name in one spelling: ``dbt.test_unique`` and ``unique`` are both ``unique``.

    Example:
        >>> macro_key("dbt.test_unique"), macro_key("dbt_utils.test_unique_combination_of_columns")
        ('unique', 'dbt_utils.unique_combination_of_columns')
    """
    name = name.strip().lower()
    package, _, macro = name.rpartition(".")
    macro = macro.removeprefix("test_")
    return macro if package in ("", "dbt") else f"{package}.{macro}"


def _key_expr(col: str) -> pl.Expr:
    c = pl.col(col).str.strip_chars().str.to_lowercase()
    package = pl.when(c.str.contains(".", literal=True)).then(c.str.replace(r"\.[^.]*$", "")).otherwise(pl.lit(""))
    macro = c.str.replace(r"^.*\.", "").str.replace(r"^test_", "")
    return pl.when(package.is_in(["", "dbt"])).then(macro).otherwise(pl.concat_str([package, pl.lit("."), macro]))


class MissingPrimaryKeyTests(Rule):
    """A model whose grain no test checks.

    What it does:
        Flags every model (or other node type listed in `enforced_primary_key_node_types`)
        without a primary key test: all the tests of one set of `primary_key_test_macros` on
        one column (or on the model for model-level tests), or a `unique` test on a column
        with a `not_null` constraint (dbt-project-evaluator's `fct_missing_primary_key_tests`).
        Test names are compared in either spelling (`dbt.test_unique` or `unique`).

    Why it matters:
        The grain is the first thing every consumer assumes. A duplicated or null key fans
        out joins and inflates sums silently, long before anyone notices the numbers.

    Example:
        `fct_orders` has `accepted_values` on `status` but no `unique` and `not_null` on
        `order_id`.

    Instead:
        Add `unique` and `not_null` to the key column in the model's YAML, or
        `dbt_utils.unique_combination_of_columns` on the columns that make the grain (or a
        surrogate key column with `unique` and `not_null`).

    Options:
        primary_key_test_macros: sets of tests that together test a primary key; a node
            passes with any one set on one column.
        enforced_primary_key_node_types: resource types that need a primary key test.

    Differences from dbt-project-evaluator:
        Only the project's own nodes are reported, and test names match in either spelling
        (`dbt.test_unique` or `unique`); otherwise the evaluator's test sets and its `unique` plus
        `not_null` constraint case.
    """

    id: ClassVar[str] = "STR014"
    name: ClassVar[str] = "missing-primary-key-tests"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "add unique and not_null tests on the key column (or dbt_utils.unique_combination_of_columns)"
    options: ClassVar[Mapping[str, Option]] = {
        "primary_key_test_macros": Option(
            [
                ["dbt.test_unique", "dbt.test_not_null"],
                ["dbt_utils.test_unique_combination_of_columns"],
                ["dbt_constraints.test_primary_key"],
            ],
            "sets of tests that together test a primary key (any one set passes)",
        ),
        "enforced_primary_key_node_types": Option(
            ["model"], "resource types that need a primary key test: model, source, snapshot, seed"
        ),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        targets = s.own_of(*opts["enforced_primary_key_node_types"])
        if not targets:
            return
        tests = self._tests(ctx, s)
        passed: set[str] = set()
        for test_set in opts["primary_key_test_macros"]:
            wanted = sorted({macro_key(t) for t in test_set})
            ok = (
                tests.filter(pl.col("test").is_in(wanted))
                .group_by("node", "column")
                .agg(pl.col("test").n_unique().alias("n"))
                .filter(pl.col("n") >= len(wanted))
            )
            passed.update(ok["node"].to_list())
        passed.update(self._unique_with_not_null_constraint(ctx, tests))
        counts = dict(tests.group_by("node").agg(pl.col("test_id").n_unique()).iter_rows())
        kind, label = s.kind, s.label
        for node in targets:
            if node not in passed:
                n = counts.get(node, 0)
                yield Violation(
                    node,
                    f"{kind[node]} `{label[node]}` has no primary key test ({n} test(s) on it, "
                    f"none of them unique and not_null on one column)",
                )

    @staticmethod
    def _tests(ctx: Context, s) -> pl.DataFrame:
        tests = ctx.frames["tests"]
        nodes = ctx.frames["nodes"]
        if "enabled" in nodes.columns:  # tests switched off in the project do not count
            disabled = nodes.filter(pl.col("enabled") == False)["unique_id"]  # noqa: E712
            tests = tests.filter(~pl.col("unique_id").is_in(disabled.to_list()))
        return tests.filter(pl.col("attached_node").is_not_null() & pl.col("test_name").is_not_null()).select(
            pl.col("unique_id").alias("test_id"),
            pl.col("attached_node").alias("node"),
            pl.col("column_name").alias("column"),
            _key_expr("test_name").alias("test"),
        )

    @staticmethod
    def _unique_with_not_null_constraint(ctx: Context, tests: pl.DataFrame) -> list[str]:
        cols = ctx.frames.get("node_columns")
        if cols is None or cols.is_empty():
            return []
        not_null = cols.filter(pl.col("constraints").str.contains(r'"type"\s*:\s*"not_null"')).select(
            pl.col("unique_id").alias("node"), pl.col("name").alias("column")
        )
        unique = tests.filter(pl.col("test") == "unique").select("node", "column")
        return unique.join(not_null, on=["node", "column"], how="semi")["node"].to_list()
