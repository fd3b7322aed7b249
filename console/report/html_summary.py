"""The HTML report's opening summary: the same one-screen summary as text and Markdown.

The project's health score and its trend, the findings counted by category and severity with
the change since the baseline or the last report, the ten findings of highest priority, and
the rules that fire most (:class:`console.report.overview.Overview`, built once for every
face). Every project-supplied string goes through :func:`console.report.html.e`; the category
rows are those of the text summary (:func:`console.report.text_summary.category_rows`).

Example:
    >>> import datetime as dt
    >>> from console.report.model import ReportData
    >>> from console.report.overview import build_overview
    >>> f = Finding("CHK001", "failing-test", "checks", "error", "test.p.<b>", None, None, "`<b>` failed", "", "x")
    >>> ov = build_overview([f], [f], {"x": 80}, score=6.4)
    >>> html = section(ReportData({"name": "shop"}, dt.datetime(2026, 1, 1), {}, (f,), overview=ov))
    >>> "6.4/10" in html, "&lt;b&gt;" in html, "<b>" in html
    (True, True, False)
"""

from __future__ import annotations

from console.report.html import e
from console.report.model import ReportData
from console.report.overview import SEVERITIES
from console.report.text import plural
from console.report.text_summary import category_rows, signed
from rules.base import Finding  # noqa: F401  (the doctest's findings)

CSS = """
#summary .health { font-size: 16px; margin: 6px 0 12px; }
#summary .score { font-size: 26px; font-weight: 700; margin-right: 6px; }
#summary .score.good { color: var(--ok); } #summary .score.fair { color: var(--warn); } #summary .score.poor { color: var(--error); }
#summary .grid { display: grid; grid-template-columns: minmax(280px, 1fr) minmax(420px, 2fr); gap: 18px; align-items: start; }
#summary table { margin-top: 0; } #summary td.n, #summary th.n { text-align: right; font-variant-numeric: tabular-nums; }
#summary td.p { font-weight: 700; text-align: right; }
"""


def _score_class(score: float) -> str:
    return "good" if score >= 7.5 else ("fair" if score >= 5 else "poor")


def _head(data: ReportData) -> str:
    ov = data.overview
    parts = []
    if ov.score is not None:
        score = f'<span class="score {_score_class(ov.score)}">{ov.score:.1f}/10</span> health'
        parts.append(score + (f" {e(ov.trend)}" if ov.trend else ""))
    change = ov.change()
    since = f" ({signed(change)} since the {e(ov.reference_label)})" if change is not None else ""
    if ov.new is not None:
        since = f", {ov.new} new since the baseline"
    parts.append(f"{plural(ov.total, 'finding')}{since}")
    return f'<p class="health">{" · ".join(parts)}</p>'


def _counts(data: ReportData) -> str:
    ov = data.overview
    rows = category_rows(ov)
    if not rows:
        return '<p class="empty">No findings.</p>'
    with_change = ov.reference is not None
    head = "".join(f'<th class="n">{s.capitalize()}</th>' for s in SEVERITIES)
    head += f'<th class="n">vs {e(ov.reference_label)}</th>' if with_change else ""
    body = []
    for cat, counts, delta in rows:
        cells = "".join(f'<td class="n">{n}</td>' for n in counts)
        cells += f'<td class="n">{e(signed(delta))}</td>' if with_change else ""
        body.append(f"<tr><td>{e(cat)}</td>{cells}</tr>")
    return (f'<table class="counts"><thead><tr><th>Category</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _top(data: ReportData) -> str:
    ov = data.overview
    if not ov.top:
        return ""
    rows = "".join(
        f'<tr class="{e(f.severity)}"><td class="p">{ov.priority.get(f.fingerprint, 0)}</td>'
        f'<td class="sev">{e(f.severity)}</td><td class="rule">{e(f.rule)}<br>{e(f.name)}</td><td>{e(f.message)}</td></tr>'
        for f in ov.top
    )
    return ('<table class="top"><thead><tr><th>Priority</th><th>Severity</th><th>Rule</th>'
            f'<th>Top {len(ov.top)} by priority</th></tr></thead><tbody>{rows}</tbody></table>')


def _busiest(data: ReportData) -> str:
    ov = data.overview
    if not ov.busiest:
        return ""
    parts = [f"{e(c.rule)} {e(c.name)} ×{c.count}" + (" [*]" if c.fixable_by_config else "") for c in ov.busiest]
    legend = " · [*] fixable by config" if any(c.fixable_by_config for c in ov.busiest) else ""
    return f'<p class="meta busiest">Most frequent: {", ".join(parts)}{legend}</p>'


def section(data: ReportData) -> str:
    """The summary section ("" when the report has no overview)."""
    if data.overview is None:
        return ""
    return (f'<section id="summary"><h2>Summary</h2>{_head(data)}'
            f'<div class="grid">{_counts(data)}{_top(data)}</div>{_busiest(data)}</section>')
