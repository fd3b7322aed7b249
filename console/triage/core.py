"""Triage: of one node (:meth:`Triage.node`) or of the latest run (:meth:`Triage.run`).

A :class:`Triage` is built once per load (the Context, the report's findings, the
:class:`~console.triage.extras.Extras`) and answers for any node with dictionary lookups and
walks of the part of the graph that matters: fast enough for the terminal UI to call on a key
press at 50,000 nodes.

The latest run's triage: its failures (errored models, failed or warning tests, skipped nodes)
plus the sources the freshness check after it found stale, each with its root causes
(exposures dbt reports as skipped are left to the blast radius: they are consumers, not builds). Failures
are grouped by their *first* root cause (worst, then nearest: see
:mod:`console.triage.root_cause`); a failure with several root causes names the others. Groups
come worst first: errors before warnings, then the worst blast radius (production exposures,
then exposures, then last-mile items and consumers, then models downstream).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property

import polars as pl

from console.triage.blast import blast_radius
from console.triage.changes import changed_since_last_success
from console.triage.extras import Extras
from console.triage.model import (
    Cause,
    Failure,
    FailureGroup,
    NodeTriage,
    RunResult,
    RunTriage,
    Status,
    level_rank,
    worst,
)
from console.triage.rerun import rerun_commands
from console.triage.root_cause import find_causes, rename_evidence, walk_start
from console.triage.signals import SignalIndex, build_signals
from rules.context import Context

#: How many recent results of a node triage shows.
RECENT_RUNS = 10
_FAILING = ("error", "fail", "runtime error", "warn", "skipped")


class Triage:
    """Answers triage questions about one load of the store.

    Args:
        ctx: the rules' Context.
        findings: the report's findings (warehouse findings become signals).
        extras: code history, last mile, query log, warehouse relations (:func:`load_extras`).
        as_of: judge as of this moment (results and freshness checks after it are ignored);
            default: everything stored.
    """

    def __init__(self, ctx: Context, findings: Iterable = (), extras: Extras | None = None, as_of: dt.datetime | None = None):
        self.ctx = ctx
        self.findings = tuple(findings)
        self.extras = extras or Extras()
        self.as_of = as_of

    @cached_property
    def signals(self) -> SignalIndex:
        return build_signals(self.ctx, self.findings, self.as_of)

    @cached_property
    def readers(self):
        """Last-mile items and query-log readers by node (:mod:`console.triage.readers`), once per load."""
        from console.triage.readers import build_readers

        return build_readers(self.ctx, self.extras)

    @cached_property
    def evidence(self):
        """Warehouse evidence on stale sources (see :func:`rename_evidence`)."""
        return rename_evidence(self.ctx, self.signals, self.extras.table("warehouse_relations"))

    def status(self, unique_id: str) -> Status:
        """The node's own status: latest result, freshness, signals."""
        idx = self.signals
        sigs = (*idx.signals.get(unique_id, ()), *self.evidence.get(unique_id, ()))
        level = worst(s.level for s in sigs) if sigs else idx.level(unique_id)
        return Status(level, idx.latest.get(unique_id), idx.freshness.get(unique_id), tuple(sigs))

    def causes(self, unique_id: str) -> tuple[tuple[Cause, ...], tuple[Cause, ...]]:
        """(root causes, symptoms) of a node."""
        return find_causes(self.ctx, self.signals, unique_id, self.evidence)

    def recent_runs(self, unique_id: str, limit: int = RECENT_RUNS) -> tuple[RunResult, ...]:
        """The node's latest results, newest first."""
        rows = self.ctx.history_of(unique_id)
        if not rows.height:
            return ()
        if self.as_of is not None:
            rows = rows.filter(pl.col("generated_at") <= self.as_of)
        cols = ("invocation_id", "generated_at", "command", "status", "execution_time", "failures", "message")
        return tuple(RunResult(*r) for r in reversed(rows.tail(limit).select(*cols).rows()))

    def node(self, unique_id: str) -> NodeTriage:
        """Everything triage knows about one node."""
        ref = self.signals.ref(unique_id)
        status = self.status(unique_id)
        roots, symptoms = self.causes(unique_id)
        start = walk_start(self.signals, unique_id)  # a test: what reads the model it tests
        radius = blast_radius(self.ctx, self.signals, [start], self.readers, include_starts=start != unique_id)
        changes = changed_since_last_success(self.ctx, self.signals, unique_id, self.extras, self.as_of)
        downstream = len(radius.models) + len(radius.exposures)
        level = worst([status.level, *(c.level for c in roots)])
        return NodeTriage(ref, status, roots, symptoms, radius, changes, self.recent_runs(unique_id),
                          rerun_commands(ref, roots, downstream), level)

    # -- the latest run ---------------------------------------------------------------------
    def latest_run(self) -> dict | None:
        """The latest run (as of ``as_of``)."""
        runs = self.ctx.runs
        if self.as_of is not None:
            runs = runs.filter(pl.col("generated_at") <= self.as_of)
        rows = runs.tail(1).to_dicts()
        return rows[0] if rows else None

    def run(self) -> RunTriage:
        """The latest run's failures, grouped by first root cause, worst blast radius first."""
        inv = self.latest_run()
        failing: list[str] = []
        run = None
        if inv is not None:
            results = self.ctx.results_of(inv["invocation_id"])
            run_status = "success"
            bad = results.filter(pl.col("status").is_in(list(_FAILING)) & ~pl.col("unique_id").str.starts_with("exposure."))
            failing = bad["unique_id"].to_list()
            if bad.height:
                run_status = "error" if bad.filter(pl.col("status").is_in(["error", "fail", "runtime error"])).height else "warn"
            run = RunResult(inv["invocation_id"], inv["generated_at"], inv.get("command"), run_status, inv.get("elapsed_time"), len(failing), None)
        stale = sorted(u for u, f in self.signals.freshness.items() if f.status in ("warn", "error", "runtime error"))
        fresh_at = max((f.at for f in self.signals.freshness.values() if f.at is not None), default=None)
        groups: dict[str, tuple[Cause, list[Failure]]] = {}
        for uid in dict.fromkeys([*failing, *stale]):
            roots, _ = self.causes(uid)
            status = self.status(uid)
            if not roots:  # failing with no signal (a warn result on a model): its own root
                roots = (Cause(self.signals.ref(uid), status.level if status.level in ("error", "warn") else "warn",
                               status.signals, 0, (self.signals.ref(uid).name,)),)
            first = roots[0]
            entry = groups.setdefault(first.node.unique_id, (first, []))
            entry[1].append(Failure(self.signals.ref(uid), status, tuple(c.node.unique_id for c in roots)))
        out = []
        for root_id, (root, failures) in groups.items():
            radius = blast_radius(self.ctx, self.signals, [root_id], self.readers)
            failures.sort(key=lambda f: (-level_rank(f.status.level), f.node.resource_type != "model", f.node.name))
            out.append(FailureGroup(root, tuple(failures), radius, rerun_commands(None, [root])))
        out.sort(key=lambda g: (-level_rank(g.level), tuple(-x for x in g.blast_radius.score), g.root.node.name))
        counts = {"failures": len(failing), "stale_sources": len(stale), "groups": len(out)}
        level = worst([g.level for g in out]) if out else ("ok" if inv is not None else "unknown")
        return RunTriage(run, fresh_at, tuple(out), counts, level)
