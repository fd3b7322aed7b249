"""What every report format renders: :class:`ReportData`, built once from a Context and the findings.

Renderers never touch the store: they read a :class:`ReportData`. Building one applies the
node selection (``--select``/``--exclude``) and the baseline, counts nodes and findings, and,
for the HTML report only, gathers the series its charts draw (:mod:`console.report.series`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from console import TOOL_NAME, __version__
from console.config import RuleException
from rules.base import CATEGORIES, Finding

if TYPE_CHECKING:
    from console.ranking import Group, PriorityWeights
    from console.report.hotspots_section import HotspotsSection
    from console.report.overview import Overview
    from console.report.rule_select import FindingSelection
    from console.report.series import ChartData
    from console.scores import Scores, ScoreWeights
    from console.scores.history import Trend
    from console.selectors import Selection
    from rules.context import Context

#: Severities, highest first.
SEVERITIES = ("error", "warn", "info")
#: The node kinds the report's summary counts.
NODE_KINDS = ("model", "test", "source", "exposure")
#: JSON report schema version (see docs/report-formats.md).
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RuleInfo:
    """A rule as reports describe it (SARIF's rule table, JUnit's test suites).

    Attributes:
        id, name, category, severity: the rule's identity and default severity.
        hint: what to do about a finding.
        summary: one line saying what the rule checks.
        doc: the rule's full documentation (plain text), or "".
    """

    id: str
    name: str
    category: str
    severity: str
    hint: str = ""
    summary: str = ""
    doc: str = ""


@dataclass(frozen=True)
class ReportData:
    """One report's content, whatever its format.

    Attributes:
        project: ``name``, ``root``, ``dbt_version``, ``adapter`` (values may be None).
        generated_at: when the report was made (UTC, naive): the time rules judged against.
        node_counts: resource type -> count, for :data:`NODE_KINDS`.
        findings: the findings to report (after selection and baseline), highest severity first.
        rules: every rule that ran, plus any rule a finding names, sorted by id (filled in
            from the findings when missing).
        suppressed: findings hidden by a live exception (after selection), with the exception.
        expired: reported findings whose exception has expired, with that exception.
        hidden_by_baseline: how many findings the baseline hid.
        repo_prefix: the project folder relative to its git repository's root ("" or
            ``"sub/dir/"``), for formats that need repository paths (SARIF, GitHub).
        charts: the series of the HTML report's charts (None for other formats).
        priority: fingerprint -> priority (0 to 100) of every reported finding
            (:mod:`console.ranking`); findings are sorted by severity, then priority.
        groups: rules firing on many nodes, folded (:mod:`console.ranking.groups`); empty when
            a selection narrowed the report (it then lists every finding it selected).
        scores: the health scores (None when the format does not show them).
        overview: the one-screen summary text and Markdown open with (None: no summary).
        hotspots: the layerinitis hotspots text, Markdown, JSON and HTML show after the summary
            (:mod:`console.report.hotspots_section`; None when not computed).
        ranked: ``findings`` as columns, in their order, with their priorities (the ranking's
            frame, :meth:`console.ranking.Ranking.frame_of`), for counts over whole columns;
            None when not ranked that way.
    """

    project: Mapping[str, Any]
    generated_at: dt.datetime
    node_counts: Mapping[str, int]
    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...] = ()
    suppressed: tuple[tuple[Finding, RuleException], ...] = ()
    expired: tuple[tuple[Finding, RuleException], ...] = ()
    hidden_by_baseline: int = 0
    repo_prefix: str = ""
    tool_name: str = TOOL_NAME
    tool_version: str = __version__
    charts: ChartData | None = field(default=None, compare=False)
    priority: Mapping[str, int] = field(default_factory=dict, compare=False)
    groups: tuple[Group, ...] = ()
    scores: Scores | None = field(default=None, compare=False)
    overview: Overview | None = field(default=None, compare=False)
    hotspots: HotspotsSection | None = field(default=None, compare=False)
    ranked: pl.DataFrame | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # every finding's rule is in the rule table (SARIF's ruleIndex, JUnit's suites need it)
        object.__setattr__(self, "rules", _with_finding_rules(self.rules, self.findings))

    def severity_counts(self) -> dict[str, int]:
        """Findings per severity, every severity present.

        Example:
            >>> ReportData({}, dt.datetime(2026, 1, 1), {}, ()).severity_counts()
            {'error': 0, 'warn': 0, 'info': 0}
        """
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return counts

    @property
    def generated_at_iso(self) -> str:
        """``generated_at`` as ISO-8601 UTC with a ``Z``, to the second."""
        return self.generated_at.replace(microsecond=0, tzinfo=None).isoformat() + "Z"

    def expired_by_fingerprint(self) -> dict[str, RuleException]:
        return {f.fingerprint: exc for f, exc in self.expired}

    def repo_path(self, path: str) -> str:
        """A project-relative path as a repository-relative one, with forward slashes."""
        clean = path.replace("\\", "/")
        if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
            return clean
        return self.repo_prefix + clean.removeprefix("./")


def sort_key(f: Finding) -> tuple:
    """Highest severity first, then category (in :data:`rules.base.CATEGORIES` order), rule, node."""
    sev = SEVERITIES.index(f.severity) if f.severity in SEVERITIES else len(SEVERITIES)
    cat = CATEGORIES.index(f.category) if f.category in CATEGORIES else len(CATEGORIES)
    return (sev, cat, f.rule, f.node or "", f.path or "", f.line or 0, f.fingerprint)


def node_counts(nodes: pl.DataFrame) -> dict[str, int]:
    """Counts of :data:`NODE_KINDS` in a nodes frame (vectorised).

    Example:
        >>> node_counts(pl.DataFrame({"resource_type": ["model", "model", "seed"]}))
        {'model': 2, 'test': 0, 'source': 0, 'exposure': 0}
    """
    counts = dict.fromkeys(NODE_KINDS, 0)
    if nodes.height and "resource_type" in nodes.columns:
        for kind, n in nodes.group_by("resource_type").len().iter_rows():
            if kind in counts:
                counts[kind] = int(n)
    return counts


def repo_prefix(project_root: Path | None) -> str:
    """The project folder relative to the nearest enclosing git repository ("" if none or the same)."""
    if project_root is None:
        return ""
    root = project_root.resolve()
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            rel = root.relative_to(candidate).as_posix()
            return "" if rel == "." else rel + "/"
    return ""


def rule_infos(rule_ids: Iterable[str]) -> tuple[RuleInfo, ...]:
    """RuleInfo for rule ids, read from the rule registry (its docstrings and hints)."""
    from rules.registry import find_rule, rule_doc

    out = []
    for rule_id in rule_ids:
        rule = find_rule(rule_id)
        doc = rule_doc(rule)
        what = doc.sections.get("What it does", "")
        text = "\n\n".join(f"{head}:\n{body}" if head else body for head, body in doc.sections.items() if body)
        out.append(
            RuleInfo(rule.id, rule.name, rule.category, str(rule.severity), rule.hint, what or doc.summary,
                     (doc.summary + "\n\n" + text).strip())
        )
    return tuple(out)


def _with_finding_rules(rules: Sequence[RuleInfo], findings: Iterable[Finding]) -> tuple[RuleInfo, ...]:
    table = {r.id: r for r in rules}
    for f in findings:
        if f.rule not in table:
            table[f.rule] = RuleInfo(f.rule, f.name, f.category, f.severity, f.hint)
    return tuple(sorted(table.values(), key=lambda r: r.id))


def _selected(selection: Selection | FindingSelection | None, f: Finding) -> bool:
    """A node Selection judges the finding's node; a FindingSelection the finding (its rule too)."""
    if selection is None:
        return True
    if hasattr(selection, "known"):
        return selection.keeps(f.node)
    return selection.keeps(f)


def build_report(
    ctx: Context,
    findings: Sequence[Finding],
    *,
    rules: Sequence[RuleInfo] = (),
    suppressed: Sequence[tuple[Finding, RuleException]] = (),
    expired: Sequence[tuple[Finding, RuleException]] = (),
    selection: Selection | FindingSelection | None = None,
    baseline: frozenset[str] | None = None,
    project_root: Path | None = None,
    charts: bool = False,
    priority_weights: PriorityWeights | None = None,
    scores: bool = False,
    score_weights: ScoreWeights | None = None,
    overview: bool = False,
    trend: Trend | None = None,
    baseline_counts: Mapping[str, Mapping[str, int]] | None = None,
    hotspots: bool = False,
) -> ReportData:
    """Assemble a report from the context and the evaluated findings.

    Args:
        ctx: the project's frames (nodes for counts; history for the charts).
        findings: every finding evaluated (exceptions already applied).
        rules: the rules that ran (see :func:`rule_infos`).
        suppressed, expired: from the evaluation.
        selection: keep only findings on selected nodes (see :meth:`Selection.keeps`).
        baseline: fingerprints of an earlier report: their findings are hidden.
        project_root: the project folder (default: the store's ``project.root``).
        charts: gather the HTML report's chart series.
        priority_weights: the weights of the priority formula (default: docs/priority.md's).
        scores: compute the health scores (of every evaluated finding, whatever the selection).
        score_weights: their weights (default: docs/scores.md's).
        overview: build the one-screen summary (needs ``scores`` for its health score).
        trend: the recorded history of scores and counts (for the summary's changes).
        baseline_counts: {category: {severity: n}} of the baseline, compared with instead of
            the previous collect's.
        hotspots: rank the layerinitis hotspots (the whole project's, whatever the selection).
    """
    from console.ranking import group_findings, prioritise
    from console.report.hotspots_section import build as build_hotspots

    kept = list(findings) if selection is None else [f for f in findings if _selected(selection, f)]
    counted = kept
    hidden = 0
    if baseline:
        before = len(kept)
        kept = [f for f in kept if f.fingerprint not in baseline]
        hidden = before - len(kept)
    ranking = prioritise(ctx, kept, priority_weights)
    kept = ranking.ranked(kept)
    shown = {f.fingerprint for f in kept}
    project = dict(ctx.project)
    root = project_root or (Path(project["root"]) if project.get("root") else None)
    info = {
        "name": project.get("name") or (root.name if root else None),
        "root": str(root) if root else project.get("root"),
        "dbt_version": project.get("dbt_version"),
        "adapter": project.get("adapter"),
    }
    chart_data = None
    if charts:
        from console.report.series import chart_data as build_series

        chart_data = build_series(ctx)
    score_data = None
    if scores or overview:
        from console.scores import score_nodes

        score_data = score_nodes(ctx, findings, score_weights, project_only=not scores)
    summary = None
    if overview:
        from console.report.overview import build_overview

        trend_line, reference, label = "", None, ""
        if trend is not None:
            trend_line = trend.line("project", "", score_data.project)
            if selection is None:  # the history counts the whole project
                reference, label = trend.previous_counts, "last report"
        if baseline_counts is not None:
            reference, label = baseline_counts, "baseline"
        summary = build_overview(counted, kept, ranking.priority, score=score_data.project, trend=trend_line,
                                 reference=reference, reference_label=label, ranked=True, frame=ranking.frame_of(kept))
    return ReportData(
        project=info,
        generated_at=ctx.now,
        node_counts=node_counts(ctx.frames["nodes"]),
        findings=tuple(kept),
        rules=tuple(rules),
        suppressed=tuple(p for p in suppressed if _selected(selection, p[0])),
        expired=tuple(p for p in expired if p[0].fingerprint in shown),
        hidden_by_baseline=hidden,
        repo_prefix=repo_prefix(root),
        charts=chart_data,
        priority=ranking.priority,
        groups=group_findings(kept, ranking) if selection is None else (),
        scores=score_data if scores else None,
        overview=summary,
        hotspots=build_hotspots(ctx) if hotspots else None,
        ranked=ranking.frame_of(kept),
    )
