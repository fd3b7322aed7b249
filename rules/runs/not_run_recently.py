"""RUN003 not-run-recently."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import COMMANDS_FOR, runs_for, when
from rules._text import label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context

_TYPES = ("model", "seed", "snapshot", "test")


class NotRunRecently(Rule):
    """An enabled node was left out of the last few runs.

    What it does:
        For models, seeds, snapshots and data tests, looks at the last `invocations` runs of
        the commands that build that kind of node (`build`/`run` for models, `build`/`test`
        for tests, `build`/`seed`, `build`/`snapshot`) and reports the enabled nodes that
        appear in none of them. Ephemeral models (never run on their own) are left out, and
        nothing is judged until that many runs of the kind are in the history.

    Why it matters:
        A node that stopped running looks healthy: no errors, no failing tests. But its table
        freezes, and everything built on it quietly goes stale. It usually happens when a
        selector or tag in the job definition stops matching after a rename or a move.

    Example:
        `dim_stores` moved from `models/marts/core/` to `models/marts/`, and the scheduled
        `dbt build --select path:models/marts/core` no longer includes it: the last five
        builds ran everything else.

    Instead:
        Check the selectors of the scheduled jobs (`dbt ls --select ...` lists what they
        match); include the node again, or disable or delete it if it is no longer needed.

    Options:
        invocations: how many of the latest runs a node must be missing from (default 5).
    """

    id = "RUN003"
    name = "not-run-recently"
    category = "runs"
    severity = Severity.WARN
    hint = "Check the selectors of the scheduled dbt jobs (`dbt ls --select ...`); include the node again, or disable or remove it if it is obsolete."
    options = {"invocations": Option(5, "how many of the latest runs a node must be missing from to be reported")}

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        window = int(opts["invocations"])
        nodes = ctx.frames["nodes"].filter(
            pl.col("enabled").fill_null(True) & (pl.col("materialized").fill_null("") != "ephemeral")
        )
        history = ctx.result_history.select("invocation_id", "unique_id", "generated_at")
        for kind in _TYPES:
            runs = runs_for(ctx, kind)
            if window < 1 or runs.height < window:
                continue
            recent = runs.tail(window)
            candidates = nodes.filter(pl.col("resource_type") == kind).select("unique_id")
            seen = history.join(recent.select("invocation_id"), on="invocation_id", how="semi")
            missing = candidates.join(seen, on="unique_id", how="anti")
            if missing.is_empty():
                continue
            earlier = (
                history.join(runs.select("invocation_id"), on="invocation_id", how="semi")
                .join(missing, on="unique_id", how="semi")
                .group_by("unique_id")
                .agg(pl.col("generated_at").max().alias("last_run"))
            )
            last = dict(zip(earlier["unique_id"].to_list(), earlier["last_run"].to_list()))
            commands = "/".join(f"`{c}`" for c in COMMANDS_FOR[kind])
            order = runs["generated_at"].to_list()
            for uid in sorted(missing["unique_id"].to_list()):
                what = f"{kind} `{label(ctx, uid)}`"
                if uid in last:
                    ago = len(order) - bisect.bisect_right(order, last[uid])
                    message = (
                        f"{what} was in none of the last {window} {commands} runs: it last ran "
                        f"{when(last[uid])}, {ago} runs ago"
                    )
                else:
                    message = f"{what} never ran in the {runs.height} collected {commands} runs"
                yield Violation(uid, message)
