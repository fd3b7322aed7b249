"""What triage answers, as frozen records: every face (CLI text, markdown, JSON, the terminal UI)
renders these and nothing else.

Levels order everything: ``error`` > ``warn`` > ``ok`` > ``unknown`` (see :func:`level_rank`).
Criticality orders the blast radius: ``production`` > ``declared`` > ``internal``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

LEVELS = ("error", "warn", "ok", "unknown")
CRITICALITY = ("production", "declared", "internal")


def level_rank(level: str) -> int:
    """Higher is worse.

    Example:
        >>> level_rank("error") > level_rank("warn") > level_rank("ok") > level_rank("unknown")
        True
    """
    return {"error": 3, "warn": 2, "ok": 1}.get(level, 0)


def worst(levels) -> str:
    """The worst of some levels (``unknown`` when there are none).

    Example:
        >>> worst(["ok", "warn", "unknown"]), worst([])
        ('warn', 'unknown')
    """
    return max(levels, key=level_rank, default="unknown")


@dataclass(frozen=True, slots=True)  # one per node: no instance dict
class NodeRef:
    """A node as triage names it."""

    unique_id: str
    name: str
    resource_type: str
    layer: str | None = None
    owner: str | None = None
    path: str | None = None

    def to_dict(self) -> dict:
        return {"unique_id": self.unique_id, "name": self.name, "resource_type": self.resource_type,
                "layer": self.layer, "owner": self.owner, "path": self.path}


@dataclass(frozen=True, slots=True)  # one per node: no instance dict
class Signal:
    """One thing wrong with a node: its build failed, a test on it failed, it is stale...

    Attributes:
        kind: ``model error``, ``test fail``, ``test warn``, ``skipped``, ``freshness``,
            ``warehouse``, or ``finding``.
        level: ``error`` or ``warn``.
        source: the unique_id that produced it (a test, the node itself, a rule's finding).
        detail: one specific sentence ("failed on 26 rows", "loaded 73.8 h ago").
    """

    kind: str
    level: str
    source: str
    detail: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "level": self.level, "source": self.source, "detail": self.detail}


@dataclass(frozen=True, slots=True)  # one per node: no instance dict
class RunResult:
    """One result of a node in one dbt invocation."""

    invocation_id: str
    at: dt.datetime | None
    command: str | None
    status: str
    execution_time: float | None
    failures: int | None
    message: str | None

    def to_dict(self) -> dict:
        return {"invocation_id": self.invocation_id, "at": _iso(self.at), "command": self.command, "status": self.status,
                "execution_time": self.execution_time, "failures": self.failures, "message": self.message}


@dataclass(frozen=True, slots=True)  # one per node: no instance dict
class Freshness:
    """A source's latest freshness check."""

    status: str
    at: dt.datetime | None
    age_hours: float | None
    max_loaded_at: dt.datetime | None

    def to_dict(self) -> dict:
        return {"status": self.status, "at": _iso(self.at), "age_hours": self.age_hours, "max_loaded_at": _iso(self.max_loaded_at)}


@dataclass(frozen=True)
class Status:
    """A node's own state: its latest result, its freshness, and what is wrong with it."""

    level: str
    run: RunResult | None
    freshness: Freshness | None
    signals: tuple[Signal, ...] = ()

    def to_dict(self) -> dict:
        return {"level": self.level, "run": self.run.to_dict() if self.run else None,
                "freshness": self.freshness.to_dict() if self.freshness else None,
                "signals": [s.to_dict() for s in self.signals]}


@dataclass(frozen=True)
class Cause:
    """A broken node upstream (or the node itself) with what is wrong with it.

    ``path`` runs from this node down to the triaged node (names, both included); in JSON it is
    ``chain`` (``path`` is the node's file there, as for every node).
    """

    node: NodeRef
    level: str
    signals: tuple[Signal, ...]
    distance: int
    path: tuple[str, ...]

    def to_dict(self) -> dict:
        return {**self.node.to_dict(), "level": self.level, "distance": self.distance,
                "signals": [s.to_dict() for s in self.signals], "chain": list(self.path)}


@dataclass(frozen=True)
class Impacted:
    """A node of the blast radius: a model downstream or an exposure."""

    node: NodeRef
    type: str
    critical: str
    distance: int
    maturity: str | None = None
    why: str = ""

    def to_dict(self) -> dict:
        d = {"name": self.node.name, "type": self.type, "owner": self.node.owner, "critical": self.critical,
             "unique_id": self.node.unique_id, "layer": self.node.layer, "distance": self.distance}
        if self.node.resource_type == "exposure":
            d["maturity"] = self.maturity
            d["production_reason"] = self.why or None
        return d


@dataclass(frozen=True)
class LastMileItem:
    """A piece of logic outside dbt that reads a relation of the blast radius."""

    artifact_id: str
    name: str
    tool: str
    kind: str
    path: str | None
    owner: str | None
    reads: tuple[str, ...]
    critical: str

    def to_dict(self) -> dict:
        return {"id": self.artifact_id, "name": self.name, "tool": self.tool, "kind": self.kind, "path": self.path,
                "owner": self.owner, "reads": list(self.reads), "critical": self.critical}


@dataclass(frozen=True)
class Consumer:
    """Someone the warehouse query log shows reading a relation of the blast radius."""

    user: str
    role: str | None
    queries: int
    last_seen: dt.datetime | None
    relations: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"user": self.user, "role": self.role, "queries": self.queries, "last_seen": _iso(self.last_seen),
                "relations": list(self.relations)}


@dataclass(frozen=True)
class BlastRadius:
    """Everything downstream, most critical first."""

    models: tuple[Impacted, ...] = ()
    exposures: tuple[Impacted, ...] = ()
    lastmile: tuple[LastMileItem, ...] = ()
    consumers: tuple[Consumer, ...] = ()
    tests: int = 0
    notes: tuple[str, ...] = ()

    @property
    def score(self) -> tuple[int, int, int, int]:
        """How bad a break here is: production exposures, exposures, last-mile items and consumers, models."""
        prod = sum(1 for e in self.exposures if e.critical == "production")
        return (prod, len(self.exposures), len(self.lastmile) + len(self.consumers), len(self.models))

    def to_dict(self) -> dict:
        return {"models": [m.to_dict() for m in self.models], "exposures": [e.to_dict() for e in self.exposures],
                "lastmile": [x.to_dict() for x in self.lastmile], "consumers": [c.to_dict() for c in self.consumers],
                "tests": self.tests, "notes": list(self.notes)}


@dataclass(frozen=True)
class Change:
    """A checksum change of the node or an ancestor after its last successful run."""

    node: NodeRef
    change: str
    seen_at: dt.datetime | None
    checksum_before: str | None
    checksum_after: str | None
    diff: str | None

    def to_dict(self) -> dict:
        return {"unique_id": self.node.unique_id, "name": self.node.name, "change": self.change, "seen_at": _iso(self.seen_at),
                "checksum_before": self.checksum_before, "checksum_after": self.checksum_after, "diff": self.diff}


@dataclass(frozen=True)
class Changes:
    """What changed since the node's last green run (``last_success`` None: never green)."""

    last_success: RunResult | None
    changes: tuple[Change, ...] = ()
    note: str = ""

    def to_dict(self) -> dict:
        return {"last_success": self.last_success.to_dict() if self.last_success else None,
                "changes": [c.to_dict() for c in self.changes], "note": self.note or None}


@dataclass(frozen=True)
class Command:
    """A command to run, and why."""

    command: str
    why: str

    def to_dict(self) -> dict:
        return {"command": self.command, "why": self.why}


@dataclass(frozen=True)
class NodeTriage:
    """Triage of one node.

    ``level`` is the worst of the node's own status and its root causes: a model that built
    fine on top of a stale source is still at the source's level.
    """

    node: NodeRef
    status: Status
    root_causes: tuple[Cause, ...]
    symptoms: tuple[Cause, ...]
    blast_radius: BlastRadius
    changes: Changes
    recent_runs: tuple[RunResult, ...]
    rerun: tuple[Command, ...]
    level: str = "unknown"


@dataclass(frozen=True)
class Failure:
    """One failing node of a run, with its root causes."""

    node: NodeRef
    status: Status
    root_causes: tuple[str, ...]


@dataclass(frozen=True)
class FailureGroup:
    """Failures of a run that share their first root cause."""

    root: Cause
    failures: tuple[Failure, ...]
    blast_radius: BlastRadius
    rerun: tuple[Command, ...]

    @property
    def level(self) -> str:
        return worst([self.root.level, *(f.status.level for f in self.failures)])


@dataclass(frozen=True)
class RunTriage:
    """Triage of the latest run (and the freshness check after it)."""

    run: RunResult | None
    freshness_at: dt.datetime | None
    groups: tuple[FailureGroup, ...] = ()
    counts: dict = field(default_factory=dict)
    level: str = "unknown"


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"
