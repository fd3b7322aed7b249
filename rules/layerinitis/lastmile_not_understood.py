"""A last-mile file, or the SQL of an item, that could not be read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from console.layerinitis._cache import frame
from console.layerinitis.items import TOOL_LABELS, items
from rules.base import Rule, Severity, Violation
from rules.context import Context


class LastmileNotUnderstood(Rule):
    """A last-mile file, or the SQL of one of its items, could not be read.

    What it does:
        Reports, as information, every last-mile file the collect skipped (LookML that does
        not parse, YAML or JSON that is malformed, a notebook that is not JSON, a script
        tree-sitter cannot read) and every item whose SQL sqlglot could not parse (a dialect
        quirk, templating left in), naming the file, the line and the reason.

    Why it matters:
        What the console cannot read it cannot judge: business logic in that file is
        invisible to every other layerinitis rule and to `console hotspots`.

    Example:
        lookml file lastmile/lookml/broken.view.lkml could not be read at line 12: Unexpected
        token '}'.

    Instead:
        Fix the file if it is broken; if it is valid for its tool, report the case so the
        reader learns it; or leave it out of `[lastmile] paths`.
    """

    id: ClassVar[str] = "LYR005"
    name: ClassVar[str] = "lastmile-not-understood"
    category: ClassVar[str] = "layerinitis"
    severity: ClassVar[Severity] = Severity.INFO
    hint: ClassVar[str] = "fix the file, or leave it out of `[lastmile] paths`; its logic is not judged until it can be read"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        skips = frame(ctx, "lastmile_skips")
        if skips is not None:
            for row in skips.iter_rows(named=True):
                path, line = row.get("path"), row.get("line")
                tool = TOOL_LABELS.get(row.get("tool") or "", row.get("tool") or "last-mile")
                at = f" at line {line}" if line else ""
                yield Violation(
                    f"lastmile.{row.get('tool') or 'unknown'}.{path}",
                    f"{tool} file {path} could not be read{at}: {row.get('reason') or 'no reason given'}",
                    key=f"{path}:{line or ''}", path=path, line=line,
                )
        for item in items(ctx):
            if item.classification == "unparsed":
                yield Violation(
                    item.artifact_id,
                    f"{item.label}: its SQL could not be parsed at {item.where}: {item.parse_error or 'no reason given'}",
                    path=item.path, line=item.line,
                    hint="fix the SQL, or report the dialect quirk; until then its logic is not judged",
                )
