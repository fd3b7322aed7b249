"""Health scores from 0 to 10: of every model and source, then of folders, owners and the project.

A node's score mixes two parts (docs/scores.md has the reasons and the comparison with
dbt-score)::

    coverage = sum(weight of each check it passes) / sum(weight of each check that applies)
    findings = 1 / (1 + penalty / half_penalty)     penalty = sum of its findings' penalty points
    score    = 10 * (w_coverage * coverage + w_findings * findings) / (w_coverage + w_findings)

Checks: ``tests`` (a data test on it), ``description``, ``columns`` (share of its declared
columns with a description; none declared counts 0), ``owner`` (``meta.owner`` or a group),
``contract`` (an enforced contract; applies only to interfaces: public models and models an
exposure reads directly), ``freshness`` (sources only: a freshness block). Sources take
``tests``, ``description`` and ``freshness``. A finding on a test counts against the node the
test tests; findings on exposures and project-wide findings are in no node's score.

A folder's, an owner's and the project's score is the mean of their nodes' scores, so a team
of fifty models is judged by all fifty, not by its worst one (:mod:`console.scores.history`
adds the trend).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from console.scores.weights import ScoreWeights
from rules.base import Finding
from rules.context import Context

NO_OWNER = "(no owner)"


@dataclass(frozen=True)
class NodeScore:
    """One model's or source's score.

    Attributes:
        unique_id, name, resource_type, path: the node.
        folder: the folder of its file (``models/staging``).
        owner: ``meta.owner``, else its group, else :data:`NO_OWNER`.
        score: 0 to 10, one decimal.
        coverage: the coverage part (0 to 1).
        findings: how many findings count against it.
        missing: the coverage checks it fails, in check order.
    """

    unique_id: str
    name: str
    resource_type: str
    path: str
    folder: str
    owner: str
    score: float
    coverage: float
    findings: int
    missing: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"unique_id": self.unique_id, "name": self.name, "resource_type": self.resource_type, "path": self.path,
                "folder": self.folder, "owner": self.owner, "score": self.score, "coverage": round(self.coverage, 3),
                "findings": self.findings, "missing": list(self.missing)}


@dataclass(frozen=True)
class GroupScore:
    """A folder's, an owner's or the project's score: the mean of its nodes' scores."""

    key: str
    score: float
    nodes: int
    worst: str | None

    def to_dict(self) -> dict:
        return {"key": self.key, "score": self.score, "nodes": self.nodes, "worst": self.worst}


@dataclass(frozen=True)
class Scores:
    """Every score of one evaluation.

    Attributes:
        project: the project's score (None when it has no model or source).
        nodes: every model's and source's score, worst first.
        folders, owners: worst first.
    """

    project: float | None
    nodes: tuple[NodeScore, ...]
    folders: tuple[GroupScore, ...]
    owners: tuple[GroupScore, ...]

    def by(self, scope: str) -> Sequence[NodeScore | GroupScore]:
        """``model``, ``source``, ``folder`` or ``owner``: that list, worst first."""
        if scope in ("model", "source"):
            return tuple(n for n in self.nodes if n.resource_type == scope)
        return {"folder": self.folders, "owner": self.owners}[scope]

    def to_dict(self) -> dict:
        return {
            "project": self.project,
            "models": [n.to_dict() for n in self.nodes if n.resource_type == "model"],
            "sources": [n.to_dict() for n in self.nodes if n.resource_type == "source"],
            "folders": [g.to_dict() for g in self.folders],
            "owners": [g.to_dict() for g in self.owners],
        }


def _penalties(ctx: Context, findings: Iterable[Finding], weights: ScoreWeights) -> tuple[dict[str, float], dict[str, int]]:
    tests = ctx.frames["tests"]
    attached = dict(zip(tests["unique_id"].to_list(), tests["attached_node"].to_list()))
    penalty: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    points = weights.penalty
    for f in findings:
        node = f.node
        if node is None:
            continue
        node = attached.get(node) or node
        penalty[node] += points.get(f.severity, 0.0)
        count[node] += 1
    return penalty, count


def score_nodes(ctx: Context, findings: Iterable[Finding], weights: ScoreWeights | None = None) -> Scores:
    """Score every model and source of the context against these findings."""
    weights = weights or ScoreWeights()
    nodes = ctx.frames["nodes"].filter(pl.col("resource_type").is_in(["model", "source"]))
    penalty, count = _penalties(ctx, findings, weights)
    tested = set(ctx.frames["tests"]["attached_node"].drop_nulls().to_list())
    cols = ctx.frames["node_columns"]
    col_share: dict[str, float] = {}
    if cols.height:
        described = (pl.col("description").is_not_null() & (pl.col("description").str.strip_chars() != "")).cast(pl.Float64)
        for uid, share in cols.group_by("unique_id").agg(described.mean().alias("s")).iter_rows():
            col_share[uid] = float(share or 0.0)
    exposure_parents: set[str] = set()
    for exposure in ctx.of_type("exposure"):
        exposure_parents.update(ctx.graph.parents.get(exposure, ()))

    checks = weights.checks
    w_tests, w_desc, w_cols, w_owner, w_contract, w_fresh = (
        checks.get(k, 0.0) for k in ("tests", "description", "columns", "owner", "contract", "freshness"))
    mix = weights.coverage + weights.findings
    half = weights.half_penalty
    out: list[NodeScore] = []
    rows = nodes.select("unique_id", "name", "resource_type", "path", "description", "owner", "group_name",
                        "access", "contract_enforced", "freshness", "source_name")
    for uid, name, rtype, path, desc, owner, group, access, contract, freshness, source_name in rows.iter_rows():
        has_tests, has_desc = uid in tested, bool(desc and desc.strip())
        missing = []
        if not has_tests and w_tests:
            missing.append("tests")
        if not has_desc and w_desc:
            missing.append("description")
        got = w_tests * has_tests + w_desc * has_desc
        total = w_tests + w_desc
        if rtype == "model":
            share = col_share.get(uid, 0.0)
            has_owner = bool(owner or group)
            got += w_cols * share + w_owner * has_owner
            total += w_cols + w_owner
            if share < 1.0 and w_cols:
                missing.append("columns")
            if not has_owner and w_owner:
                missing.append("owner")
            if access == "public" or uid in exposure_parents:
                got += w_contract * bool(contract)
                total += w_contract
                if not contract and w_contract:
                    missing.append("contract")
        else:
            has_fresh = bool(freshness and freshness not in ("null", "{}"))
            got += w_fresh * has_fresh
            total += w_fresh
            if not has_fresh and w_fresh:
                missing.append("freshness")
        coverage = got / total if total else 1.0
        health = 1.0 / (1.0 + penalty.get(uid, 0.0) / half)
        score = round(10.0 * (weights.coverage * coverage + weights.findings * health) / mix, 1)
        label = f"{source_name}.{name}" if rtype == "source" and source_name else name
        path = path or ""
        out.append(NodeScore(uid, label, rtype, path, path.rpartition("/")[0], owner or group or NO_OWNER,
                             score, coverage, count.get(uid, 0), tuple(missing)))
    out.sort(key=lambda n: (n.score, n.name, n.unique_id))
    project = round(sum(n.score for n in out) / len(out), 1) if out else None
    return Scores(project, tuple(out), _grouped(out, lambda n: n.folder), _grouped(out, lambda n: n.owner))


def _grouped(nodes: Sequence[NodeScore], key) -> tuple[GroupScore, ...]:
    members: dict[str, list[NodeScore]] = defaultdict(list)
    for n in nodes:
        members[key(n)].append(n)
    groups = [
        GroupScore(k, round(sum(n.score for n in ms) / len(ms), 1), len(ms), ms[0].name)  # nodes come worst first
        for k, ms in members.items()
    ]
    return tuple(sorted(groups, key=lambda g: (g.score, g.key)))
