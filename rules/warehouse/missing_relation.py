"""WHS001 missing-relation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules._text import enumerate_names, label
from rules.base import NodeRule, Severity, Violation
from rules.context import Context
from rules.warehouse._common import readers, shown, warehouse


class MissingRelation(NodeRule):
    """A model or source has no relation in the warehouse.

    What it does:
        Looks up the relation of every enabled model, seed, snapshot (not ephemeral) and source
        in the latest warehouse collect, and reports those the warehouse does not hold, naming
        what reads them downstream. Only schemas in which the warehouse holds at least one
        relation are judged: a schema that is missing whole is a target never built (or left
        out by `[warehouse] schemas`), not a dropped table.

    Why it matters:
        dbt's manifest says what dbt believes exists. A source table renamed or dropped
        upstream, or a model dropped by hand, breaks the next run of everything downstream,
        and the dashboards and syncs on it keep serving what they last had or fail.

    Example:
        Source `shop.customers` points at `raw.customers`, but the loader now writes
        `raw.crm_customers`: the warehouse has no `raw.customers`, and `stg_customers`
        and, through it, exposure `crm_sync` read it.

    Instead:
        Point the source (or the model's alias) at the relation that exists, or restore the
        relation, then rebuild what reads it.
    """

    id: ClassVar[str] = "WHS001"
    name: ClassVar[str] = "missing-relation"
    category: ClassVar[str] = "warehouse"
    severity: ClassVar[Severity] = Severity.ERROR
    hint: ClassVar[str] = "point the source or model at the relation that exists, or restore the relation, then rebuild what reads it"

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        wh = warehouse(ctx)
        if not wh.present:
            return []
        self._wh = wh
        return sorted(
            uid for uid, key in wh.node_relations.items() if key[-2] in wh.schemas and key not in wh.relations
        )

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        kind = ctx.node(node)["resource_type"]
        where = shown(self._wh.node_relations[node])
        reading = readers(ctx, node)
        tail = f"; read by {enumerate_names(reading, limit=4, quote='')}" if reading else "; nothing in the project reads it"
        yield Violation(
            node,
            f"{kind} `{label(ctx, node)}`: relation `{where}` is not in the warehouse "
            f"(warehouse collect of {self._wh.latest['collected_at']:%Y-%m-%d %H:%M}){tail}",
        )
