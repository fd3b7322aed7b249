"""A source table without a description."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import documented, scope


class UndocumentedSourceTables(Rule):
    """A source table without a description.

    What it does:
        Flags every source table with no description of its own (dbt-project-evaluator's
        `fct_undocumented_source_tables`).

    Why it matters:
        A source table's description says what one raw row is, who loads it and when: what
        a contributor needs before writing the staging model, and what the on-call engineer
        needs when it breaks.

    Example:
        `shop.orders` is listed under `tables:` with only a `name`.

    Instead:
        Add a `description` under the table in the sources YAML.

    Differences from dbt-project-evaluator:
        Only the project's own sources are reported, and a description of only white space
        counts as none (the evaluator takes any non-empty text).
    """

    id: ClassVar[str] = "STR020"
    name: ClassVar[str] = "undocumented-source-tables"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "add a description under the table in the sources YAML"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        description, label = s.column("description"), s.label
        for source in s.own_of("source"):
            if not documented(description[source]):
                yield Violation(source, f"source table `{label[source]}` has no description")
