"""A source (the group of tables) without a description."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar


from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import documented, scope


class UndocumentedSources(Rule):
    """A source (the group of tables) without a description.

    What it does:
        Flags every source name whose source-level description is empty
        (dbt-project-evaluator's `fct_undocumented_sources`). One finding per source name,
        on its first table. The description is the nodes' `source_description` column
        (dbt repeats it on every table of the source).

    Why it matters:
        The source-level description tells contributors what system the data comes from,
        how it is loaded and who owns it: the first question when a table is late or wrong.

    Example:
        `sources: [{name: shop, tables: [...]}]` has no `description` for `shop`.

    Instead:
        Add a `description` to the source in its YAML.

    Differences from dbt-project-evaluator:
        Only the project's own sources are reported, one finding per source name on its first
        table (the evaluator lists the source names), and a description of only white space counts as
        none. A source name counts as described when any of its tables carries the description (dbt
        repeats it on each; the evaluator requires it on every row).
    """

    id: ClassVar[str] = "STR019"
    name: ClassVar[str] = "undocumented-sources"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "add a description to the source in its YAML"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        sources = s.own_of("source")
        if not sources:
            return
        text = s.column("source_description")
        source_name = s.column("source_name")
        tables: dict[str, list[str]] = {}
        known: dict[str, bool] = {}
        for uid in sources:
            name = source_name[uid] or s.label[uid]
            tables.setdefault(name, []).append(uid)
            known[name] = known.get(name, False) or documented(text[uid])
        for name in sorted(tables):
            if not known[name]:
                first = min(tables[name])
                n = len(tables[name])
                yield Violation(first, f"source `{name}` ({n} table(s)) has no description", key=name)
