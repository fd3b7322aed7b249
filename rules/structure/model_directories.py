"""A model whose file is not in the folder of its layer."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import NAMING_OPTIONS, TIME_SPINES, Naming, article, directory, scope


class ModelDirectories(Rule):
    """A model whose file is not in the folder of its layer.

    What it does:
        Flags, as dbt-project-evaluator's `fct_model_directories` does:

        * a model whose type by name prefix differs from the type of the deepest layer
          folder it sits in (e.g. `int_model_4.sql` directly under `marts/`);
        * a staging model whose folder path does not contain the name of every source it
          reads, directly or through other models (`stg_model_3`, reading `source_2`, in
          `staging/source_1/`).

        Model types come from the `<type>_prefixes` and `<type>_folder_name` options.

    Why it matters:
        One folder per layer, and one staging subfolder per source, is how people find a
        model, its YAML and its tests without searching; a file in the wrong place is
        missed in reviews and in folder-based selections (`path:models/marts`).

    Example:
        `models/marts/intermediate/dim_model_7.sql` is a marts model nested closest to the
        `intermediate` folder.

    Instead:
        Move the file: staging models to `models/staging/<source name>/`, others closest to
        the folder of their type (`models/.../marts/.../dim_model_7.sql`), or rename the
        model if its prefix is what is wrong.

    Options:
        model_types, <type>_folder_name, <type>_prefixes: dbt-project-evaluator's naming
            variables (staging `stg_`, intermediate `int_`, marts `fct_`/`dim_`, other `rpt_`,
            and export `exp_` in `exports/`).

    Differences from dbt-project-evaluator:
        Only the project's own models are reported; excluded models are left out and
        `metricflow_time_spine` is passed over (the evaluator's `fct_model_directories` filters
        neither); the source folder check, like the evaluator's, takes every source the staging model
        reads at any distance, but only the project's own sources.
    """

    id: ClassVar[str] = "STR021"
    name: ClassVar[str] = "model-directories"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "move the file into the folder of its layer (staging models: models/staging/<source>/)"
    options: ClassVar[Mapping[str, Option]] = dict(NAMING_OPTIONS)

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        naming = Naming.for_project(opts, ctx.settings)
        staging_folder = opts.get("staging_folder_name") or "staging"
        typed = s.model_types(naming)
        name, path, label, source_names = s.column("name"), s.column("path"), s.label, s.column("source_name")
        misplaced = typed.filter(pl.col("folder_type").is_not_null() & (pl.col("folder_type") != pl.col("model_type")))
        for model, folder_type, model_type in misplaced.select("unique_id", "folder_type", "model_type").iter_rows():
            if name[model] in TIME_SPINES:
                continue
            folder = naming.folder_of(model_type)
            where = f"a `{folder}` folder" if folder else f"a folder of {model_type} models (none is configured)"
            yield Violation(
                model,
                f"`{label[model]}` ({article(model_type + ' model')} by its prefix) sits in "
                f"`{directory(path[model])}`, nearest to the `{naming.folder_of(folder_type)}` folder; "
                f"move it nearest to {where}",
                key="layer",
            )
        for model in typed.filter(pl.col("model_type") == "staging")["unique_id"].to_list():
            file_path = path[model] or ""
            folder_path = directory(file_path)
            file_name = file_path.replace("\\", "/").rsplit("/", 1)[-1]
            for source_name in sorted(_source_names(model, s.kind, s.parents, s.own, source_names)):
                if source_name not in folder_path:
                    yield Violation(
                        model,
                        f"staging model `{label[model]}` reads source `{source_name}` but sits in "
                        f"`{folder_path}`; move it to `models/{staging_folder}/{source_name}/{file_name}`",
                        key=f"source:{source_name}",
                    )


def _source_names(model: str, kind: dict, parents: dict, own: frozenset, source_name: dict) -> set[str]:
    """Names of the project's sources a model reads, directly or through other nodes."""
    seen = {model}
    queue = deque([model])
    names = set()
    while queue:
        for parent in parents.get(queue.popleft(), ()):
            if parent in seen:
                continue
            seen.add(parent)
            if kind[parent] == "source":
                if parent in own and source_name[parent]:
                    names.add(source_name[parent])
            else:
                queue.append(parent)
    return names
