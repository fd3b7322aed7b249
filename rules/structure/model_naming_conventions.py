"""A model whose name lacks the prefix of its layer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import NAMING_OPTIONS, TIME_SPINES, Naming, article, listing, scope


class ModelNamingConventions(Rule):
    """A model whose name lacks the prefix of its layer.

    What it does:
        Gives every model a type, from its name prefix, else from the deepest layer folder
        it sits in, else `other`, and flags models whose name starts with none of the
        prefixes of that type (dbt-project-evaluator's `fct_model_naming_conventions`).

    Why it matters:
        In the warehouse the name is all a reader sees. A prefix says what a relation is
        (cleaned source, building block, business entity, export for one consumer) and who
        may rely on it; an unprefixed mart looks like anything.

    Example:
        `models/marts/model_8.sql` is a marts model by its folder, but its name starts
        with neither `fct_` nor `dim_`.

    Instead:
        Rename it with a prefix of its type (`fct_model_8` or `dim_model_8`), or move it to
        the folder of the type it really is.

    Options:
        model_types, <type>_folder_name, <type>_prefixes: dbt-project-evaluator's naming
            variables (staging `stg_`, intermediate `int_`, marts `fct_`/`dim_`, other `rpt_`,
            and export `exp_` in `exports/`).

    Differences from dbt-project-evaluator:
        Only the project's own models are reported; a prefix is matched with starts-with, so it
        may hold more than one underscore (the evaluator compares the name up to its first underscore
        with the prefix list); the prefixes and folders merge the `[layers]` configuration and add
        the export type. `metricflow_time_spine` is left out by name, as there.
    """

    id: ClassVar[str] = "STR024"
    name: ClassVar[str] = "model-naming-conventions"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "rename the model with a prefix of its layer (e.g. fct_ or dim_ in marts)"
    options: ClassVar[Mapping[str, Option]] = dict(NAMING_OPTIONS)

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        naming = Naming.for_project(opts, ctx.settings)
        typed = s.model_types(naming)
        ok = pl.lit(False)
        for prefix, model_type in naming.prefixes:
            ok = ok | ((pl.col("model_type") == model_type) & pl.col("name").str.starts_with(prefix))
        bad = typed.filter(~ok.fill_null(False) & ~pl.col("name").fill_null("").is_in(list(TIME_SPINES)))
        label = s.label
        for model, folder_type, model_type in bad.select("unique_id", "folder_type", "model_type").iter_rows():
            prefixes = naming.prefixes_of(model_type)
            by = "its folder" if folder_type == model_type else "default"
            wanted = f"none of {listing(prefixes)}" if prefixes else "no configured prefix"
            yield Violation(
                model,
                f"`{label[model]}` is {article(model_type + ' model')} (by {by}) but its name starts with {wanted}",
            )
