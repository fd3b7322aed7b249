"""RUN002 flaky-test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import runs_for
from rules._text import label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context

_JUDGED = ("pass", "fail", "warn")


class FlakyTest(Rule):
    """A test keeps flipping between passing and failing.

    What it does:
        Looks at each data test's last `history` results (pass, warn or fail; skipped and
        errored runs are left out) and reports the tests whose outcome changed between
        passing and not passing at least `min_flips` times: more than one incident that was
        fixed.

    Why it matters:
        A test that fails every other day trains everyone to ignore it, and the day it fails
        for a real reason nobody looks. Usually the data is fine and the test is wrong (it
        depends on the time of the run, on late-arriving rows, on a threshold that is too
        tight), or the data really is intermittently broken and deserves a fix upstream.

    Example:
        `assert_every_market_sold_on_latest_day` went pass, fail, pass, fail, pass, fail, pass
        over the last seven builds: the smallest market sells nothing on some days.

    Instead:
        Make the test deterministic: compare complete days only, allow for late rows, set
        `warn_if`/`error_if` thresholds, or turn it into a warn-severity test if the
        condition is expected now and then.

    Options:
        history: how many of the test's latest results to look at (default 10).
        min_flips: fewest changes between pass and fail to report (default 3: one incident
            that was fixed is two changes, pass to fail and back, and is not flakiness).
    """

    id = "RUN002"
    name = "flaky-test"
    category = "runs"
    severity = Severity.WARN
    hint = "Make the test deterministic (complete periods only, tolerate late rows, thresholds with warn_if/error_if) or fix the intermittent data upstream."
    options = {
        "history": Option(10, "how many of each test's latest results to look at"),
        "min_flips": Option(3, "fewest changes between pass and fail to report a test (one fixed incident is 2)"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        tests = ctx.frames["nodes"].filter(pl.col("resource_type") == "test").select("unique_id")
        runs = runs_for(ctx, "test").select("invocation_id")
        recent = (
            ctx.result_history.filter(pl.col("status").is_in(list(_JUDGED)))
            .join(tests, on="unique_id", how="semi")
            .join(runs, on="invocation_id", how="semi")
            .sort("generated_at")
            .group_by("unique_id", maintain_order=True)
            .tail(int(opts["history"]))
        )
        if recent.is_empty():
            return
        flips = (
            recent.with_columns((pl.col("status") == "pass").alias("ok"))
            .group_by("unique_id", maintain_order=True)
            .agg(
                (pl.col("ok") != pl.col("ok").shift(1)).sum().alias("flips"),
                pl.col("status").alias("statuses"),
            )
            .filter(pl.col("flips") >= int(opts["min_flips"]))
            .sort("unique_id")
        )
        attached = dict(zip(ctx.frames["tests"]["unique_id"].to_list(), ctx.frames["tests"]["attached_node"].to_list()))
        for uid, count, statuses in flips.select("unique_id", "flips", "statuses").iter_rows():
            on = f" on `{label(ctx, attached[uid])}`" if attached.get(uid) else ""
            yield Violation(
                uid,
                f"test `{label(ctx, uid)}`{on} changed between pass and fail {count} times in its last "
                f"{len(statuses)} runs (oldest first: {', '.join(statuses)})",
            )
