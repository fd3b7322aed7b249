"""A model with no parents at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import TIME_SPINES, scope


class RootModels(Rule):
    """A model with no parents at all.

    What it does:
        Flags every model with no direct parent: no `ref()`, no `source()`
        (dbt-project-evaluator's `fct_root_models`). Parents in installed packages count as
        parents. A MetricFlow time spine is left out: a model declared `time_spine:` in its
        YAML (the manifest's `time_spine` on the model, or the same key read from the
        project's files), and, as the evaluator has it, any model named
        `metricflow_time_spine` (the name dbt's semantic layer required before 1.9). As in the
        evaluator, a model whose only parents are excluded (`[project] exclude_paths`,
        `exclude_packages`) still has parents: only excluded models themselves are dropped.

    Why it matters:
        A model that reads data but has no parent reads it by hand-written table names: dbt
        cannot place it in the lineage, may build it before the tables it reads, and impact
        analysis never reaches it.

    Example:
        `model_4` selects from `raw.shop.orders` instead of `{{ source('shop', 'orders') }}`.

    Instead:
        Replace the table names in its FROM and JOIN clauses with `ref()` (models) or
        `source()` (raw data; declare the source if needed). A self-contained model such as a
        calendar built by `dbt_utils.date_spine` is a fair exception.

    Differences from dbt-project-evaluator:
        Findings are only on the project's own models; a model whose only parents are in an
        installed package has parents, as in the evaluator. A time spine declared in YAML is also
        left out (the evaluator leaves out only the name `metricflow_time_spine`).
    """

    id: ClassVar[str] = "STR008"
    name: ClassVar[str] = "root-models"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "read upstream data through ref() or source() so dbt knows where it comes from"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        label, parents, name = s.label, s.parents, s.column("name")
        spine = s.column("time_spine") if "time_spine" in s.nodes.columns else {}
        for model in s.own_of("model"):
            if parents.get(model) or ctx.excluded_parents.get(model):  # an excluded parent is a parent
                continue
            if name[model] not in TIME_SPINES and not spine.get(model):
                yield Violation(model, f"`{label[model]}` has no parents: it uses neither ref() nor source()")
