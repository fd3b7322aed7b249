"""A model that reads too many other models and sources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from rules.base import Option, Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import listing, scope


class TooManyJoins(Rule):
    """A model that reads too many other models and sources.

    What it does:
        Counts the distinct direct parents of every model (models, sources, seeds,
        snapshots) and flags models with at least `too_many_joins_threshold` of them
        (dbt-project-evaluator's `fct_too_many_joins`).

    Why it matters:
        A model bringing together many concepts does too much in one place: it is hard to
        read, to test and to change, and a failure in any of its parents stops it.

    Example:
        `fct_model_1` reads seven staging models directly.

    Instead:
        Join a reasonable number of concepts (typically 4 to 6) in intermediate models, each
        holding a piece of the complexity, and join those intermediate models in the mart.

    Options:
        too_many_joins_threshold: direct parents from which a model is flagged (default 7).

    Differences from dbt-project-evaluator:
        None left: as in the evaluator, every direct parent counts (models, sources, seeds,
        snapshots, of any package), and so do excluded parents (the evaluator drops only excluded
        children). Findings are only on the project's own models.
    """

    id: ClassVar[str] = "STR012"
    name: ClassVar[str] = "too-many-joins"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "split the model: join a few concepts at a time in intermediate models"
    options: ClassVar[Mapping[str, Option]] = {
        "too_many_joins_threshold": Option(7, "number of direct parents from which a model is flagged"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        threshold = int(opts["too_many_joins_threshold"])
        label, parents = s.label, s.parents
        excluded = ctx.excluded_parents
        for model in s.own_of("model"):
            ups = [*parents.get(model, ()), *excluded.get(model, ())]  # excluded parents still count, as in the evaluator
            if ups and len(ups) >= threshold:
                yield Violation(
                    model,
                    f"`{label[model]}` reads {len(ups)} models and sources directly (threshold {threshold}): "
                    f"{listing(sorted(label.get(p, p.rsplit('.', 1)[-1]) for p in ups), limit=10)}",
                )
