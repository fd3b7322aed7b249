"""Last-mile logic older than its time-to-live."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from console.layerinitis.homes import home_of
from console.layerinitis.items import items
from console.layerinitis.weights import age_days, ttl_days
from rules.base import Rule, Severity, Violation
from rules.context import Context


class LastmilePastTtl(Rule):
    """Last-mile business logic older than its time-to-live.

    What it does:
        Flags every last-mile item with business logic whose file last changed (git log, else
        the file's modification time) longer ago than the time-to-live of its tool:
        `[lastmile] ttl_days` (default 90), overridable per tool with
        `[lastmile] ttl_days_by_tool`.

    Why it matters:
        A workaround in the last mile is meant to be temporary. Once it is months old nobody
        remembers why it is there, the data it assumed has moved on, and it has become a
        permanent, untested part of the business's logic.

    Example:
        Metabase native question `Top sellers` (business logic: `volume_ml > 50`) last changed
        on 2026-02-01, 280 days ago: past the 90-day time-to-live of metabase items.

    Instead:
        Move the logic into dbt (see `console hotspots` for where it belongs), or confirm it
        still holds and touch the file, or raise the tool's time-to-live in configuration.
    """

    id: ClassVar[str] = "LYR002"
    name: ClassVar[str] = "lastmile-past-ttl"
    category: ClassVar[str] = "layerinitis"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "move the logic into dbt, or review it and raise `[lastmile] ttl_days` for this tool"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        for item in items(ctx):
            if not item.expressions:
                continue
            age = age_days(ctx, item)
            ttl = ttl_days(ctx.settings, item.tool)
            if age is None or age <= ttl:
                continue
            shown = ", ".join(f"`{e.sql}`" for e in item.expressions[:3])
            more = f" and {len(item.expressions) - 3} more" if len(item.expressions) > 3 else ""
            yield Violation(
                item.artifact_id,
                f"{item.label} (business logic: {shown}{more}) last changed on "
                f"{item.modified_at:%Y-%m-%d}, {age} days ago: past the {ttl}-day time-to-live of {item.tool} items",
                path=item.path, line=item.line,
                hint=f"move it into {home_of(ctx, item).text}, or review it and raise the time-to-live",
            )
