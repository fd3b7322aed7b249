"""A source defined in a YAML file outside the folder named after it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import NAMING_OPTIONS, directory, scope


class SourceDirectories(Rule):
    """A source defined in a YAML file outside the folder named after it.

    What it does:
        Flags every source table whose YAML file's folder path does not contain the
        source's name (dbt-project-evaluator's `fct_source_directories`).

    Why it matters:
        With one staging subfolder per source, holding the source's YAML and its staging
        models, whoever debugs a late load or a renamed column finds everything about that
        source in one place.

    Example:
        `source_2.table_3` is defined in `models/staging/source_1/source.yml`.

    Instead:
        Move the definition to `models/staging/source_2/source.yml` (one folder per source).

    Options:
        staging_folder_name: the folder of staging models, used in the suggested path.

    Differences from dbt-project-evaluator:
        Only the project's own sources are reported, excluded sources are left out (the
        evaluator's `fct_source_directories` filters neither), a source without a file path is passed
        over, and the folder must contain the source name exactly as written (the evaluator's `like`
        follows the warehouse's case rules).
    """

    id: ClassVar[str] = "STR022"
    name: ClassVar[str] = "source-directories"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "define each source in a YAML file under models/staging/<source name>/"
    options: ClassVar[Mapping[str, Option]] = {"staging_folder_name": NAMING_OPTIONS["staging_folder_name"]}

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        staging = opts.get("staging_folder_name") or "staging"
        path, source_name, label = s.column("path"), s.column("source_name"), s.label
        for source in s.own_of("source"):
            name = source_name[source]
            folder = directory(path[source])
            if not name or not path[source] or name in folder:
                continue
            file_name = path[source].replace("\\", "/").rsplit("/", 1)[-1]
            yield Violation(
                source,
                f"source `{label[source]}` is defined in `{path[source]}`, outside a `{name}` folder; "
                f"move it to `models/{staging}/{name}/{file_name}`",
            )
