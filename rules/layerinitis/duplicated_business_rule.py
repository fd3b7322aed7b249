"""A business rule duplicated across layers or tools."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from console.layerinitis.duplicates import duplicate_rules
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.layerinitis._common import listing


class DuplicatedBusinessRule(Rule):
    """A business rule implemented in several places, at least one of them in the last mile.

    What it does:
        Normalises every business expression of the last mile and of the dbt models (columns
        reduced to their name, `50 >= x` equal to `x <= 50`, IN lists sorted, literals typed,
        a CASE branch and a filter on the same boundary equal) and flags each rule found in
        `min_places` places or more, naming every place: tool, item, expression, file and line.

    Why it matters:
        The same rule in several tools drifts: the day "minis" become bottles up to 100 ml,
        one place is fixed and the others keep answering with the old rule, so the numbers
        of the CRM, the dashboard and Salesforce disagree and nobody knows why.

    Example:
        Rule `volume_ml <= 50` is implemented in 4 places: dbt model `exp_top_items_crm`
        (`volume_ml > 50` at models/exports/exp_top_items_crm.sql:12); Hightouch model
        `Top items for Salesforce` (`volume_ml > 50` at
        lastmile/hightouch/models/top_items_for_salesforce.yaml:10); ...

    Instead:
        Give the rule one home in dbt (a column such as `is_full_size` on the mart) and let
        every consumer select it.

    Options:
        min_places: places from which a rule counts as duplicated (default 2).
    """

    id: ClassVar[str] = "LYR003"
    name: ClassVar[str] = "duplicated-business-rule"
    category: ClassVar[str] = "layerinitis"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "give the rule one home in dbt (a named column on the mart or export) and let every place select it"
    options: ClassVar[Mapping[str, Option]] = {
        "min_places": Option(2, "places from which a rule counts as duplicated"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        for group in duplicate_rules(ctx, min_places=int(opts["min_places"])):
            anchor = group.lastmile[0]
            dbt = group.in_dbt
            hint = (
                f"dbt already implements it in {', '.join(p.label for p in dbt)}: give it one home upstream (a named column on the mart they share) and let every place select it"
                if dbt else None
            )
            yield Violation(
                anchor.subject_id,
                f"Rule `{group.key}` is implemented in {len(group.places)} places: "
                + listing((p.described for p in group.places), limit=12, sep="; "),
                key=group.key, path=anchor.path, line=anchor.line, hint=hint,
            )
