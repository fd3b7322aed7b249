"""A model (or source) with many direct leaf children."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import listing, scope


class ModelFanout(Rule):
    """A model (or source) with many direct leaf children.

    What it does:
        Counts, for every node of the lineage, its direct children that are models with no
        children of their own (leaves: nothing reads them, not even an exposure), and flags nodes with at least `models_fanout_threshold` of them
        (dbt-project-evaluator's `fct_model_fanout`).

    Why it matters:
        Many end-of-the-line models hanging off one parent often mean report-shaped logic
        that belongs in the BI tool, or a shared transformation that should move upstream
        into one model the leaves reuse.

    Example:
        `fct_orders` has 4 leaf children: `rpt_orders_by_day`, `rpt_orders_by_region`,
        `rpt_orders_by_channel`, `rpt_orders_by_sku`.

    Instead:
        Agree as a team where the dbt project ends: move per-report slicing to the BI layer,
        or fold the shared logic of the leaves into one model upstream of them.

    Options:
        models_fanout_threshold: leaf children from which a parent is flagged (default 3).

    Differences from dbt-project-evaluator:
        Findings are only on the project's own nodes (the evaluator also reports parents in
        installed packages unless `exclude_packages` names them). Otherwise the same: a leaf is a
        model of any package without children, exclusions drop both ends of an edge, and a parent
        is flagged from the threshold up (`>=`).
    """

    id: ClassVar[str] = "STR005"
    name: ClassVar[str] = "model-fanout"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "move report-specific slicing to the BI tool, or shared logic upstream of the leaves"
    options: ClassVar[Mapping[str, Option]] = {
        "models_fanout_threshold": Option(3, "number of direct leaf model children from which a parent is flagged"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        threshold = int(opts["models_fanout_threshold"])
        kind, label, children, own = s.kind, s.label, s.children, s.own
        leaves = {n for n, k in kind.items() if k == "model" and not children.get(n)}  # of any package, as the evaluator
        for parent, kids in children.items():
            if len(kids) < threshold or parent not in own:
                continue
            leaf_kids = [c for c in kids if c in leaves]
            if len(leaf_kids) >= threshold:
                names = sorted(label[c] for c in leaf_kids)
                yield Violation(
                    parent,
                    f"{kind[parent]} `{label[parent]}` has {len(names)} direct leaf children "
                    f"(threshold {threshold}): {listing(names, limit=12)}",
                )
