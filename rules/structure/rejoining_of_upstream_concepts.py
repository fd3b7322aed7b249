"""A model in a loop: its only child also reads its parent directly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope

_TYPES = ("model", "seed", "snapshot", "source")


class RejoiningOfUpstreamConcepts(Rule):
    """A model in a loop: its only child also reads its parent directly.

    What it does:
        Finds every triad parent -> middle -> child where the child also reads the parent
        directly and the middle model has no other child (exposures and metrics are not
        counted), as dbt-project-evaluator's `fct_rejoining_of_upstream_concepts` does. The
        finding is on the middle model, one per parent.

    Why it matters:
        The middle model saves nothing: nothing downstream can start before it finishes and
        nothing else reuses it, yet it splits one piece of logic over two files and makes the
        lineage harder to read. It often comes from duplicating a business concept, or from
        not daring to touch someone else's model.

    Example:
        `int_model_5` reads `stg_model_1` and `int_model_4`; `int_model_4` reads
        `stg_model_1` and has no child but `int_model_5`.

    Instead:
        Move the SQL of the middle model into a CTE of the child and drop the middle model.
        Keep it when the child needs it as a relation (e.g. for `dbt_utils.star` or
        `get_column_values`), and record an exception.

    Differences from dbt-project-evaluator:
        Only the project's own nodes take part (the evaluator walks models, sources, seeds and
        snapshots of any package, exposures and metrics left out, as here). Exclusions drop both ends
        of an edge, as in the evaluator.
    """

    id: ClassVar[str] = "STR007"
    name: ClassVar[str] = "rejoining-of-upstream-concepts"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "fold the middle model into its only child as a CTE"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        label, parents, children = s.label, s.parents, s.children
        ok = set(s.own_of(*_TYPES))
        for middle in s.own_of("model", "seed", "snapshot"):
            kids = children.get(middle)
            if not kids:
                continue
            kids = [c for c in kids if c in ok]
            if len(kids) != 1:
                continue
            child = kids[0]
            child_parents = set(parents.get(child, ()))
            for parent in parents.get(middle, ()):
                if parent in ok and parent in child_parents:
                    yield Violation(
                        middle,
                        f"`{label[child]}` reads `{label[parent]}` both directly and through "
                        f"`{label[middle]}`, which has no other child",
                        key=parent,
                    )
