"""A public model missing its description or column descriptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import documented, scope


class UndocumentedPublicModels(Rule):
    """A public model missing its description or column descriptions.

    What it does:
        Flags every model with `access: public` that has no description, declares no
        columns, or has declared columns without a description
        (dbt-project-evaluator's `fct_undocumented_public_models`).

    Why it matters:
        A public model is an interface for people outside the team: they have its YAML and
        nothing else to learn what each row and column means.

    Example:
        `fct_orders` is public and describes 3 of its 7 declared columns.

    Instead:
        Describe the model and every column in its YAML.

    Differences from dbt-project-evaluator:
        Only the project's own models are reported, and a description of only white space
        counts as none (the evaluator takes any non-empty text).
    """

    id: ClassVar[str] = "STR029"
    name: ClassVar[str] = "undocumented-public-models"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "describe the model and every one of its columns in its YAML"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        access = s.column("access")
        public = [m for m in s.own_of("model") if access[m] == "public"]
        if not public:
            return
        cols = ctx.frames["node_columns"].filter(pl.col("unique_id").is_in(public))
        counts = {
            uid: (total, described)
            for uid, total, described in cols.group_by("unique_id")
            .agg(
                pl.len().alias("total"),
                (pl.col("description").fill_null("").str.strip_chars() != "").sum().alias("described"),
            )
            .iter_rows()
        }
        label, description = s.label, s.column("description")
        for model in public:
            total, described = counts.get(model, (0, 0))
            gaps = []
            if not documented(description[model]):
                gaps.append("no description")
            if total == 0:
                gaps.append("no columns declared")
            elif described < total:
                gaps.append(f"{total - described} of {total} columns undescribed")
            if gaps:
                yield Violation(model, f"public model `{label[model]}`: {', '.join(gaps)}")
