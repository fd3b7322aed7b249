"""Tests of a model defined in a YAML file of another folder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import directory_expr, listing, scope

class ModelTestDirectories(Rule):
    """Tests of a model defined in a YAML file of another folder.

    What it does:
        Flags every model with generic tests defined in a YAML file outside the model's own
        folder (dbt-project-evaluator's `fct_test_directories`). One finding per model and
        YAML folder, naming the tests.

    Why it matters:
        Each folder of `models/` keeps one YAML file with the documentation and tests of
        the models in it. Tests defined elsewhere are missed when the model changes, and
        survive when it is deleted.

    Example:
        `int_model_4.sql` is in `models/marts/`, but its tests are in
        `models/staging/staging.yml`.

    Instead:
        Move the tests into a YAML file in the model's folder (create one if needed).

    Differences from dbt-project-evaluator:
        Only the project's own models are reported; otherwise the same: generic tests whose YAML
        folder is not the folder of the model they test (their primary parent).
    """

    id: ClassVar[str] = "STR023"
    name: ClassVar[str] = "test-directories"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "move the tests into a YAML file in the model's folder"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        tests = ctx.frames["tests"]
        if tests.is_empty():
            return
        paths = s.nodes.select("unique_id", directory_expr("path").alias("folder"), "path")
        models = pl.DataFrame({"unique_id": s.own_of("model")}, schema={"unique_id": pl.String})
        yml = pl.col("yml").str.to_lowercase()
        found = (
            tests.filter(pl.col("is_generic").fill_null(True))
            .select(pl.col("unique_id").alias("test"), pl.col("attached_node").alias("unique_id"))
            .join(models, on="unique_id", how="semi")
            .join(paths.rename({"unique_id": "test", "folder": "test_folder", "path": "yml"}), on="test")
            .filter(yml.str.ends_with(".yml") | yml.str.ends_with(".yaml"))  # a generic test's path is its YAML
            .join(paths.select("unique_id", "folder"), on="unique_id")
            .filter(pl.col("test_folder") != pl.col("folder"))
            .group_by("unique_id", "test_folder", "folder")
            .agg(pl.col("test").sort(), pl.col("yml").unique().sort())
            .sort("unique_id", "test_folder")
        )
        label = s.label
        for model, test_folder, folder, found_tests, ymls in found.iter_rows():
            yield Violation(
                model,
                f"{len(found_tests)} test(s) of `{label[model]}` (in `{folder}`) are defined in "
                f"{listing(ymls)}: {listing([label[t] for t in found_tests], limit=5)}",
                key=test_folder,
            )

