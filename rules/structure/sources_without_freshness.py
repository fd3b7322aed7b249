"""A source with no freshness check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import orjson

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope


def freshness_enabled(freshness: str | dict | None) -> bool:
    """True when a source's freshness (JSON text or dict) sets warn_after or error_after.

    Example:
        >>> freshness_enabled('{"warn_after": {"count": 24, "period": "hour"}, "error_after": {}}')
        True
        >>> freshness_enabled('{"warn_after": {"count": null, "period": null}}'), freshness_enabled(None)
        (False, False)
    """
    if isinstance(freshness, str):
        try:
            freshness = orjson.loads(freshness)
        except orjson.JSONDecodeError:
            return False
    if not isinstance(freshness, dict):
        return False
    for key in ("warn_after", "error_after"):
        rule = freshness.get(key)
        if isinstance(rule, dict) and rule.get("count") is not None and rule.get("period"):
            return True
    return False


class SourcesWithoutFreshness(Rule):
    """A source with no freshness check.

    What it does:
        Flags every source table with neither `warn_after` nor `error_after` in its
        freshness configuration (dbt-project-evaluator's `fct_sources_without_freshness`).

    Why it matters:
        Without a freshness check a loader that silently stops is noticed by the people
        reading stale dashboards, not by the team: every model downstream keeps building
        successfully on yesterday's data.

    Example:
        `shop.promotions` is declared with `freshness: null` (or nothing at source level).

    Instead:
        Set `loaded_at_field` and `freshness: {warn_after: {count: 24, period: hour}}` on
        the source (or on the table), and run `dbt source freshness` in the schedule.

    Differences from dbt-project-evaluator:
        Only the project's own sources are reported (the evaluator reports sources of any
        package that is not excluded).
    """

    id: ClassVar[str] = "STR015"
    name: ClassVar[str] = "sources-without-freshness"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "set loaded_at_field and freshness warn_after/error_after on the source"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        freshness, label = s.column("freshness"), s.label
        for source in s.own_of("source"):
            if not freshness_enabled(freshness[source]):
                yield Violation(source, f"source `{label[source]}` has no freshness check (no warn_after or error_after)")
