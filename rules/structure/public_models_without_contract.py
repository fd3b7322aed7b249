"""A public model without an enforced contract."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope


class PublicModelsWithoutContract(Rule):
    """A public model without an enforced contract.

    What it does:
        Flags every model with `access: public` whose contract is not enforced
        (dbt-project-evaluator's `fct_public_models_without_contract`).

    Why it matters:
        Public models are the ones other teams and tools build on. Without a contract a
        renamed column or a changed type ships silently and breaks them at their next run.

    Example:
        `fct_orders` has `access: public` and no `contract: {enforced: true}`.

    Instead:
        Add `config: {contract: {enforced: true}}` with every column's `data_type`, or make
        the model protected if nobody outside the project should rely on it.

    Differences from dbt-project-evaluator:
        Only the project's own models are reported (the evaluator reports public models of any
        package that is not excluded).
    """

    id: ClassVar[str] = "STR028"
    name: ClassVar[str] = "public-models-without-contract"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "enforce a contract (contract: {enforced: true} with column data types)"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        label, access, enforced = s.label, s.column("access"), s.column("contract_enforced")
        for model in s.own_of("model"):
            if access[model] == "public" and not enforced[model]:
                yield Violation(model, f"public model `{label[model]}` has no enforced contract")
