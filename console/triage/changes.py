"""What changed since a node's last green run: checksum changes of the node and its ancestors.

The last green run is the node's latest ``success``/``pass`` result. The store's
``node_history`` has a row each time a collect saw a node appear or its checksum change, with
the collect's time (``seen_at``) and, since schema version 3, the code of that version. A row
after the last green run is a change: ``modified`` (an earlier row exists: the SQL diff is the
two rows' code), or ``added`` (the node first appeared in a later collect). Rows of the store's
first collect are the baseline, not changes.

Times: ``seen_at`` is when the console collected the change, so a change collected long after
it was built (an archive loaded at once) is dated by the collect; triage says which run was the
last green one so a reader can judge.
"""

from __future__ import annotations

import difflib

import polars as pl

from console.triage.extras import Extras
from console.triage.model import Change, Changes, RunResult
from console.triage.root_cause import walk_start
from console.triage.signals import SignalIndex
from rules.context import Context

GREEN = ("success", "pass")
#: A diff longer than this is cut (with a line saying how much was left out).
MAX_DIFF_LINES = 120


def last_success(ctx: Context, unique_id: str, as_of=None) -> RunResult | None:
    """The node's latest successful result (at or before ``as_of``), or None."""
    rows = ctx.history_of(unique_id).filter(pl.col("status").is_in(list(GREEN)))
    if as_of is not None:
        rows = rows.filter(pl.col("generated_at") <= as_of)
    if not rows.height:
        return None
    r = rows.row(-1, named=True)
    return RunResult(r["invocation_id"], r["generated_at"], r["command"], r["status"], r["execution_time"], r["failures"], r["message"])


def changed_since_last_success(ctx: Context, index: SignalIndex, unique_id: str, extras: Extras | None = None, as_of=None) -> Changes:
    """The node's :class:`Changes` (its own and its ancestors' checksum changes after its last green run)."""
    extras = extras or Extras()
    green = last_success(ctx, unique_id, as_of)
    history = extras.table("node_history")
    if history.is_empty():
        return Changes(green, (), "no node history in the store")
    start = walk_start(index, unique_id)
    scope = {unique_id, start, *ctx.graph.ancestors(start)}
    first_collect = history["collect_id"].min()
    rows = history.filter(pl.col("unique_id").is_in(list(scope))).sort("unique_id", "collect_id")
    codes = _codes(extras.code)
    if not codes and extras.code_loader is not None and _has_later_versions(rows, green, as_of):
        codes = _codes(extras.code_loader(), set(rows["unique_id"].to_list()))  # read, diff, let go
    changes = []
    previous: dict[str, tuple] = {}
    for uid, checksum, collect_id, seen_at in rows.select("unique_id", "checksum", "collect_id", "seen_at").iter_rows():
        before = previous.get(uid)
        previous[uid] = (checksum, collect_id)
        if before is None and collect_id == first_collect:
            continue
        if green is not None and green.at is not None and seen_at is not None and seen_at <= green.at:
            continue
        if as_of is not None and seen_at is not None and seen_at > as_of:
            continue
        diff = None
        if before is not None:
            diff = sql_diff(codes.get((uid, before[1])), codes.get((uid, collect_id)), index.ref(uid).path or uid)
        changes.append(Change(index.ref(uid), "modified" if before else "added", seen_at,
                              before[0] if before else None, checksum, diff))
    changes.sort(key=lambda c: (c.seen_at is None, c.seen_at, c.node.name))
    note = "" if green is not None else "never green in the stored history: every change collected is listed"
    return Changes(green, tuple(changes), note)


def _has_later_versions(rows: pl.DataFrame, green, as_of) -> bool:
    """Whether some node of ``rows`` has a second version after the last green run (a diff to show)."""
    if rows.is_empty() or rows["unique_id"].n_unique() == rows.height:
        return False
    if green is None or green.at is None:
        return True
    return bool(rows.filter(pl.col("seen_at") > green.at).height)


def _codes(code: dict[str, pl.DataFrame], only: set[str] | None = None) -> dict[tuple[str, int], str]:
    hist = code.get("node_history")
    if hist is None or hist.is_empty():
        return {}
    hist = hist.filter(pl.col("raw_code").is_not_null())
    if only is not None:
        hist = hist.filter(pl.col("unique_id").is_in(list(only)))
    return {(u, c): code for u, c, code in hist.select("unique_id", "collect_id", "raw_code").iter_rows()}


def sql_diff(before: str | None, after: str | None, label: str) -> str | None:
    """A unified diff of two versions of a node's code, or None when either is unknown.

    Example:
        >>> print(sql_diff("select 1\\nfrom a\\n", "select 1\\nfrom b\\n", "m.sql"))
        --- m.sql (last green)
        +++ m.sql (now)
        @@ -1,2 +1,2 @@
         select 1
        -from a
        +from b
    """
    if before is None or after is None:
        return None
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), f"{label} (last green)", f"{label} (now)", lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        cut = len(lines) - MAX_DIFF_LINES
        lines = lines[:MAX_DIFF_LINES] + [f"... {cut} more lines"]
    return "\n".join(lines) if lines else None
