"""A source (the group of tables) without a description."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import orjson

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import documented, scope


def _from_config(config: str | None) -> str | None:
    if not config:
        return None
    try:
        value = orjson.loads(config)
    except orjson.JSONDecodeError:
        return None
    return value.get("source_description") if isinstance(value, dict) else None


class UndocumentedSources(Rule):
    """A source (the group of tables) without a description.

    What it does:
        Flags every source name whose source-level description is empty
        (dbt-project-evaluator's `fct_undocumented_sources`). One finding per source name,
        on its first table. The description is read from the nodes' `source_description`
        column, or from `source_description` in their `config`; a source for which neither
        is recorded is not judged.

    Why it matters:
        The source-level description tells contributors what system the data comes from,
        how it is loaded and who owns it: the first question when a table is late or wrong.

    Example:
        `sources: [{name: shop, tables: [...]}]` has no `description` for `shop`.

    Instead:
        Add a `description` to the source in its YAML.
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
        has_column = "source_description" in s.nodes.columns
        text = s.column("source_description") if has_column else None
        config = s.column("config") if "config" in s.nodes.columns else {}
        source_name = s.column("source_name")
        tables: dict[str, list[str]] = {}
        known: dict[str, bool] = {}
        for uid in sources:
            name = source_name[uid] or s.label[uid]
            tables.setdefault(name, []).append(uid)
            value = text[uid] if text is not None else _from_config(config.get(uid))
            if text is not None or value is not None:
                known[name] = known.get(name, False) or documented(value)
        for name in sorted(tables):
            if name in known and not known[name]:
                first = min(tables[name])
                n = len(tables[name])
                yield Violation(first, f"source `{name}` ({n} table(s)) has no description", key=name)
