"""A model built on a long chain of views and ephemeral models."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import scope

_VIRTUAL = frozenset({"view", "ephemeral"})
_SHOWN = 8  # nodes of the chain a message names


class ChainedViewDependencies(Rule):
    """A model built on a long chain of views and ephemeral models.

    What it does:
        For every model, finds the longest upstream path on which every node but the model
        itself is a view or an ephemeral model, and flags the model when that path is longer
        than `chained_views_threshold` edges (dbt-project-evaluator's
        `fct_chained_views_dependencies`). The message names the chain.

    Why it matters:
        Nothing is computed until the first table: querying the model runs the SQL of every
        view in the chain, nested, every time. Long chains make builds slow and queries
        expensive, and the cost hides far from where it is paid.

    Example:
        `table_1` reads `view_5`, which reads `view_4`, ... down to `view_1`: a chain of 5
        views (threshold 4).

    Instead:
        Materialize a key model of the chain as a table or incremental: one read by many
        models, or one with heavy logic (window functions, many joins).

    Options:
        chained_views_threshold: longest acceptable chain, in edges (default 4).

    Differences from dbt-project-evaluator:
        The evaluator lists every (ancestor, model) pair whose path is a chain of views longer
        than the threshold, and does not filter excluded nodes; here a model gets one finding naming
        its longest chain, only the project's own views and ephemeral models make up a chain, and
        excluded nodes are gone.
    """

    id: ClassVar[str] = "STR025"
    name: ClassVar[str] = "chained-view-dependencies"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "materialize a key model of the chain as a table or incremental"
    options: ClassVar[Mapping[str, Option]] = {
        "chained_views_threshold": Option(4, "longest acceptable chain of views and ephemeral models, in edges"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        threshold = int(opts["chained_views_threshold"])
        materialized, parents, label, own = s.column("materialized"), s.parents, s.label, s.own
        virtual = {n for n, m in materialized.items() if m in _VIRTUAL and n in own}
        depth = _chain_depths(virtual, parents)
        for model in s.own_of("model"):
            best, via = 0, None
            for parent in parents.get(model, ()):
                if parent in virtual and depth[parent][0] > best:
                    best, via = depth[parent][0], parent
            if best > threshold:
                chain = [via]
                while len(chain) < _SHOWN and depth[chain[-1]][1] is not None:
                    chain.append(depth[chain[-1]][1])
                names = " <- ".join(f"`{label[n]}`" for n in [model, *chain])
                if best > len(chain):
                    names += f" <- ... ({best - len(chain)} more)"
                yield Violation(
                    model,
                    f"`{label[model]}` sits on a chain of {best} views and ephemeral models "
                    f"(threshold {threshold}): {names}",
                )


def _chain_depths(virtual: set[str], parents: Mapping[str, list[str]]) -> dict[str, tuple[int, str | None]]:
    """For each view or ephemeral node: (nodes on the longest all-virtual chain ending at it, next up).

    One depth-first pass over the virtual nodes: linear in nodes and edges. A cycle (which dbt
    refuses) is cut where it closes.
    """
    depth: dict[str, tuple[int, str | None]] = {}
    on_stack: set[str] = set()
    for start in virtual:
        if start in depth:
            continue
        stack = [(start, iter(parents.get(start, ())))]
        on_stack.add(start)
        while stack:
            node, it = stack[-1]
            for parent in it:
                if parent in virtual and parent not in depth and parent not in on_stack:
                    on_stack.add(parent)
                    stack.append((parent, iter(parents.get(parent, ()))))
                    break
            else:
                stack.pop()
                on_stack.discard(node)
                best, via = 0, None
                for parent in parents.get(node, ()):
                    if parent in depth and depth[parent][0] > best:
                        best, via = depth[parent][0], parent
                depth[node] = (best + 1, via)
    return depth
