"""An exposure that reads a source, or a view or ephemeral model."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope

_VIRTUAL = frozenset({"view", "ephemeral"})


class ExposureParentsMaterializations(Rule):
    """An exposure that reads a source, or a view or ephemeral model.

    What it does:
        Flags every direct parent of an exposure that is a source, or a model materialized
        as a view or ephemeral (dbt-project-evaluator's
        `fct_exposure_parents_materializations`). One finding per exposure and parent.

    Why it matters:
        What an exposure reads is queried by people and tools outside the team, often
        heavily. A source has none of the project's cleaning; a view recomputes its whole
        upstream logic on every dashboard refresh.

    Example:
        The exposure `weekly_kpis` depends on `dim_model_7`, which is ephemeral, and on the
        source `shop.orders`.

    Instead:
        Model the raw data and point the exposure at that model; materialize the models
        exposures read as tables or incremental models.

    Differences from dbt-project-evaluator:
        None left: parents of any package that is not excluded, sources, and models
        materialized as view or ephemeral. Findings are on the project's own exposures.
    """

    id: ClassVar[str] = "STR026"
    name: ClassVar[str] = "exposure-parents-materializations"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "point exposures at models materialized as table or incremental"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        kind, label, parents, materialized = s.kind, s.label, s.parents, s.column("materialized")
        for exposure in s.own_of("exposure"):
            for parent in parents.get(exposure, ()):
                if kind[parent] == "source":
                    what = f"source `{label[parent]}` directly"
                elif kind[parent] == "model" and materialized[parent] in _VIRTUAL:
                    what = f"`{label[parent]}`, materialized as {materialized[parent]}"
                else:
                    continue
                yield Violation(exposure, f"exposure `{label[exposure]}` reads {what}", key=parent)
