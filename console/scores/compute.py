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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import polars as pl

from console.scores.weights import ScoreWeights
from rules.base import Finding
from rules.context import Context

NO_OWNER = "(no owner)"


class NodeScore(NamedTuple):
    """One model's or source's score (a named tuple: thousands are made per report, and a
    frozen dataclass costs several times more to build).

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


#: The keys of a node's score in the JSON report, in order (:meth:`NodeScore.to_dict`).
NODE_KEYS = ("unique_id", "name", "resource_type", "path", "folder", "owner", "score", "coverage", "findings", "missing")


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

    The node scores are kept as one frame (:attr:`table`, worst first, the columns of
    :data:`NODE_KEYS` with ``coverage`` unrounded); :attr:`nodes` builds their records on
    first use, and :meth:`node_rows` hands a format whole columns (the JSON report writes
    them without a record per node).

    Attributes:
        project: the project's score (None when it has no model or source).
        folders, owners: worst first.
        table: every model's and source's score, worst first (empty when only the project's
            score was computed).
    """

    project: float | None
    folders: tuple[GroupScore, ...] = ()
    owners: tuple[GroupScore, ...] = ()
    table: pl.DataFrame = field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    @cached_property
    def nodes(self) -> tuple[NodeScore, ...]:
        """Every model's and source's score, worst first."""
        return tuple(NodeScore(uid, label, rtype, p, folder, owner, score, cov, n, tuple(miss))
                     for uid, label, rtype, p, folder, owner, score, cov, n, miss in self.table.iter_rows())

    def by(self, scope: str) -> Sequence[NodeScore | GroupScore]:
        """``model``, ``source``, ``folder`` or ``owner``: that list, worst first."""
        if scope in ("model", "source"):
            return tuple(n for n in self.nodes if n.resource_type == scope)
        return {"folder": self.folders, "owner": self.owners}[scope]

    def node_rows(self, resource_type: str) -> pl.DataFrame:
        """The scores of one resource type, worst first, as the JSON report writes them: the
        columns of :data:`NODE_KEYS`, ``coverage`` rounded to three decimals as Python's
        ``round`` does (polars rounds ties differently; only one column crosses to Python)."""
        rows = self.table.filter(pl.col("resource_type") == resource_type)
        coverage = [round(c, 3) for c in rows["coverage"].to_list()]
        return rows.with_columns(pl.Series("coverage", coverage, dtype=pl.Float64))

    def to_dict(self) -> dict:
        return {
            "project": self.project,
            "models": self.node_rows("model").to_dicts(),
            "sources": self.node_rows("source").to_dicts(),
            "folders": [g.to_dict() for g in self.folders],
            "owners": [g.to_dict() for g in self.owners],
        }


_EMPTY = pl.DataFrame(schema={"unique_id": pl.String, "name": pl.String, "resource_type": pl.String, "path": pl.String,
                              "folder": pl.String, "owner": pl.String, "score": pl.Float64, "coverage": pl.Float64,
                              "findings": pl.Int64, "missing": pl.List(pl.String)})


def _penalties(ctx: Context, findings: Iterable[Finding], weights: ScoreWeights) -> pl.DataFrame:
    """``unique_id``, ``_penalty``, ``_count`` of every node findings count against (one
    vectorised pass: a finding on a test counts against the node it tests)."""
    findings = findings if isinstance(findings, (list, tuple)) else list(findings)
    frame = pl.DataFrame({"node": [f.node for f in findings], "severity": [f.severity for f in findings]},
                         schema={"node": pl.String, "severity": pl.String})
    tests = ctx.frames["tests"].select(pl.col("unique_id").alias("node"), "attached_node")
    points = {k: float(v) for k, v in weights.penalty.items()}
    return (
        frame.drop_nulls("node")
        .join(tests, on="node", how="left")
        .select(pl.coalesce("attached_node", "node").alias("unique_id"),
                pl.col("severity").replace_strict(points, default=0.0, return_dtype=pl.Float64).alias("_p"))
        .group_by("unique_id")
        .agg(pl.col("_p").sum().alias("_penalty"), pl.len().cast(pl.Int64).alias("_count"))
    )


def _has_text(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col).str.strip_chars().str.len_chars() > 0)


def score_nodes(ctx: Context, findings: Iterable[Finding], weights: ScoreWeights | None = None, *,
                project_only: bool = False) -> Scores:
    """Score every model and source of the context against these findings (one vectorised pass).

    ``project_only``: compute the project's score alone (``nodes``, ``folders`` and ``owners``
    left empty), as the report's summary needs; the same number, without building a record
    per node.
    """
    weights = weights or ScoreWeights()
    nodes = (ctx.frames["nodes"]  # the columns first: a filter of the whole frame copies every column
             .select("unique_id", "name", "resource_type", "path", "description", "owner", "group_name", "access",
                     "contract_enforced", "freshness", "source_name")
             .filter(pl.col("resource_type").is_in(["model", "source"])))
    found = _penalties(ctx, findings, weights)
    tested = ctx.frames["tests"]["attached_node"].drop_nulls().unique()
    cols = ctx.frames["node_columns"]
    shares = cols.group_by("unique_id").agg(_has_text("description").cast(pl.Float64).mean().alias("_share"))
    exposure_parents: set[str] = set()
    for exposure in ctx.of_type("exposure"):
        exposure_parents.update(ctx.graph.parents.get(exposure, ()))

    w = {k: float(weights.checks.get(k, 0.0)) for k in ("tests", "description", "columns", "owner", "contract", "freshness")}
    # each check once, as a column; the formula below reads the columns (evaluating the string
    # tests inside every expression that uses them cost several times as much)
    joined = (
        nodes.join(shares, on="unique_id", how="left")
        .join(found, on="unique_id", how="left")
        .with_columns(
            (pl.col("resource_type") == "model").alias("_model"),
            pl.col("unique_id").is_in(tested.implode()).alias("_tests"),
            _has_text("description").alias("_description"),
            (_has_text("owner") | _has_text("group_name")).alias("_owner"),
            pl.col("contract_enforced").fill_null(False).alias("_contract"),
            (pl.col("freshness").is_not_null() & ~pl.col("freshness").is_in(["null", "{}"])).alias("_freshness"),
            ((pl.col("access") == "public").fill_null(False)
             | pl.col("unique_id").is_in(pl.Series(list(exposure_parents), dtype=pl.String).implode())).alias("_interface"),
        )
    )
    model = pl.col("_model")
    has = {name: pl.col(f"_{name}") for name in ("tests", "description", "owner", "contract", "freshness")}
    share = pl.col("_share").fill_null(0.0)
    interface = pl.col("_interface")
    got = (w["tests"] * has["tests"].cast(pl.Float64) + w["description"] * has["description"].cast(pl.Float64)
           + pl.when(model).then(w["columns"] * share + w["owner"] * has["owner"].cast(pl.Float64)
                                 + pl.when(interface).then(w["contract"] * has["contract"].cast(pl.Float64)).otherwise(0.0))
           .otherwise(w["freshness"] * has["freshness"].cast(pl.Float64)))
    total = (w["tests"] + w["description"]
             + pl.when(model).then(w["columns"] + w["owner"] + pl.when(interface).then(w["contract"]).otherwise(0.0))
             .otherwise(w["freshness"]))
    coverage = pl.when(total > 0).then(got / total).otherwise(1.0)
    health = 1.0 / (1.0 + pl.col("_penalty").fill_null(0.0) / weights.half_penalty)
    mix = weights.coverage + weights.findings
    missing = {  # (applies, fails): listed in the order of the checks
        "tests": (pl.lit(True), ~has["tests"]),
        "description": (pl.lit(True), ~has["description"]),
        "columns": (model, share < 1.0),
        "owner": (model, ~has["owner"]),
        "contract": (model & interface, ~has["contract"]),
        "freshness": (~model, ~has["freshness"]),
    }
    score = (10.0 * (weights.coverage * coverage + weights.findings * health) / mix).round(1)
    if project_only:  # the mean of the node scores, without labels, folders, owners or order
        values = joined.select(score.alias("score"))["score"].to_list()  # summed as below: the same rounding
        return Scores(round(sum(values) / len(values), 1) if values else None)
    checks = [name for name in missing if w[name] > 0]
    # the failed checks as bits of one integer, then one join with every combination's list: a list
    # built per row (concat_list of whens) cost more than the rest of the scoring together
    bits = pl.sum_horizontal([pl.when(missing[name][0] & missing[name][1]).then(pl.lit(1 << i, pl.Int64)).otherwise(0)
                              for i, name in enumerate(checks)] or [pl.lit(0, pl.Int64)])
    lists = pl.DataFrame({"_mask": range(1 << len(checks)),
                          "missing": [[c for i, c in enumerate(checks) if m >> i & 1] for m in range(1 << len(checks))]},
                         schema={"_mask": pl.Int64, "missing": pl.List(pl.String)})
    path = pl.col("path").fill_null("")
    frame = (
        joined.select(
            "unique_id",
            pl.when((pl.col("resource_type") == "source") & pl.col("source_name").is_not_null())
            .then(pl.col("source_name") + "." + pl.col("name")).otherwise(pl.col("name")).alias("name"),
            "resource_type",
            path.alias("path"),
            pl.when(path.str.contains("/")).then(path.str.replace(r"/[^/]*$", "")).otherwise(pl.lit("")).alias("folder"),
            pl.when(_has_text("owner")).then(pl.col("owner")).when(_has_text("group_name")).then(pl.col("group_name"))
            .otherwise(pl.lit(NO_OWNER)).alias("owner"),
            score.alias("score"),
            coverage.alias("coverage"),
            pl.col("_count").fill_null(0).alias("findings"),
            bits.alias("_mask"),
        )
        .sort("score", "name", "unique_id")
        .join(lists, on="_mask", how="left", maintain_order="left")
        .drop("_mask")
    )
    values = frame["score"].to_list()  # summed in this order, as the nodes come: the same rounding as ever
    project = round(sum(values) / len(values), 1) if values else None
    return Scores(project, _grouped(frame, "folder"), _grouped(frame, "owner"), frame)


def _grouped(frame: pl.DataFrame, key: str) -> tuple[GroupScore, ...]:
    """Mean scores by ``key`` (of a frame sorted worst first), worst first; sums in tenths, exact."""
    groups = (
        frame.group_by(key, maintain_order=True)
        .agg((pl.col("score") * 10).round().cast(pl.Int64).sum().alias("tenths"), pl.len().alias("n"),
             pl.col("name").first().alias("worst"))  # nodes come worst first
    )
    out = [GroupScore(k, round(tenths / n / 10, 1), n, worst) for k, tenths, n, worst in groups.iter_rows()]
    return tuple(sorted(out, key=lambda g: (g.score, g.key)))
