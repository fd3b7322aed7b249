"""The HTML report: one self-contained file that works offline (plotly.js is embedded).

A header with the project and counts, the one-screen summary when the report has one
(:mod:`console.report.html_summary`: health score, counts by category and severity with their
change, the top ten by priority, the busiest rules), the findings table (filter buttons by
severity, a tiny inline script; without JavaScript every row shows), accepted and expired
exceptions, then the charts: findings by category, run durations, test results per run,
source freshness and the DAG. Every project-supplied string is escaped with
:func:`html.escape`; figure JSON is embedded with ``<``, ``>`` and ``/`` escaped, so no name
or message can close a tag or a script.
"""

from __future__ import annotations

import html

from console.report import hotspots_section
from console.report.model import NODE_KINDS, SEVERITIES, ReportData
from console.report.text import location, plural
from console.textsafe import clean

_CSS = """
:root { --error: #d62728; --warn: #b07800; --info: #1f77b4; --ok: #2ca02c; --fg: #1d2329; --muted: #5f6b76;
        --line: #dde3e8; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
header { padding: 20px 32px 16px; background: var(--bg); border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.badges { display: flex; flex-wrap: wrap; gap: 8px; }
.badge { padding: 4px 10px; border-radius: 12px; background: #fff; border: 1px solid var(--line); font-weight: 600; }
.badge.error { color: var(--error); } .badge.warn { color: var(--warn); } .badge.info { color: var(--info); }
.badge.clean { color: var(--ok); }
main { padding: 0 32px 40px; }
.filters button { font: inherit; padding: 3px 10px; margin-right: 6px; border: 1px solid var(--line); background: #fff;
                  border-radius: 6px; cursor: pointer; }
.filters button[aria-pressed="true"] { background: var(--fg); color: #fff; }
table { border-collapse: collapse; width: 100%; margin-top: 10px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.sev { font-weight: 700; white-space: nowrap; }
tr.error td.sev { color: var(--error); } tr.warn td.sev { color: var(--warn); } tr.info td.sev { color: var(--info); }
td.loc, td.rule { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
td.loc { word-break: break-all; min-width: 12em; } td.rule { white-space: nowrap; }
nav { margin-top: 12px; } nav a { margin-right: 14px; color: var(--info); }
.hint { color: var(--muted); margin-top: 2px; }
.expired { color: #8a3ffc; margin-top: 2px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
figure.wide { grid-column: 1 / -1; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.empty { color: var(--muted); }
"""

_FILTER_JS = """
document.querySelectorAll('.filters button').forEach(function (button) {
  button.addEventListener('click', function () {
    var want = button.dataset.filter;
    document.querySelectorAll('.filters button').forEach(function (b) { b.setAttribute('aria-pressed', b === button); });
    document.querySelectorAll('#findings-table tbody tr').forEach(function (row) {
      row.hidden = want !== 'all' && row.dataset.severity !== want;
    });
  });
});
"""


def e(value: object) -> str:
    """HTML-escape untrusted text (quotes too).

    Example:
        >>> e('<img src=x onerror="alert(1)">')
        '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(clean(value), quote=True)  # control characters shown as escapes


def _script_json(text: str) -> str:
    """JSON safe inside a <script> element, whatever strings it holds."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _header(data: ReportData, with_charts: bool) -> str:
    counts = data.severity_counts()
    p = data.project
    meta = [x for x in (p.get("dbt_version") and f"dbt {p['dbt_version']}", p.get("adapter"), p.get("root")) if x]
    meta.append(f"generated {data.generated_at_iso}")
    badges = [f'<span class="badge {s}">{plural(counts[s], s)}</span>' for s in SEVERITIES if counts[s]]
    if not badges:
        badges = ['<span class="badge clean">no findings</span>']
    badges += [f'<span class="badge">{plural(int(data.node_counts.get(k, 0)), k)}</span>' for k in NODE_KINDS]
    nav = '<nav><a href="#findings">Findings</a>' + (' <a href="#charts">Charts</a>' if with_charts else "") + "</nav>"
    return (
        f"<header><h1>{e(p.get('name') or 'dbt project')}</h1>"
        f'<p class="meta">{" · ".join(e(m) for m in meta)}</p>'
        f'<div class="badges">{"".join(badges)}</div>{nav}</header>'
    )


def _findings(data: ReportData) -> str:
    counts = data.severity_counts()
    buttons = ['<button type="button" data-filter="all" aria-pressed="true">All</button>']
    buttons += [
        f'<button type="button" data-filter="{s}" aria-pressed="false">{plural(counts[s], s)}</button>' for s in SEVERITIES
    ]
    expired = data.expired_by_fingerprint()
    rows = []
    for f in data.findings:
        extra = f'<div class="hint">{e(f.hint)}</div>' if f.hint else ""
        exc = expired.get(f.fingerprint)
        if exc is not None:
            extra += f'<div class="expired">exception expired on {e(exc.expires.isoformat())}: {e(exc.reason)}</div>'
        rows.append(
            f'<tr class="{e(f.severity)}" data-severity="{e(f.severity)}"><td class="sev">{e(f.severity)}</td>'
            f'<td class="rule">{e(f.rule)}<br>{e(f.name)}</td><td>{e(f.category)}</td>'
            f'<td class="loc">{e(location(f.path, f.line, f.node))}</td><td>{e(f.message)}{extra}</td></tr>'
        )
    notes = []
    if data.hidden_by_baseline:
        notes.append(f"{plural(data.hidden_by_baseline, 'finding')} hidden by the baseline.")
    body = "".join(rows) or '<tr><td colspan="5" class="empty">No findings.</td></tr>'
    return (
        '<section id="findings"><h2>Findings</h2>'
        f'<div class="filters">{"".join(buttons)}</div>'
        + "".join(f'<p class="meta">{e(n)}</p>' for n in notes)
        + '<table id="findings-table"><thead><tr><th>Severity</th><th>Rule</th><th>Category</th><th>Location</th>'
        f"<th>Message</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


def _exceptions(data: ReportData) -> str:
    if not data.suppressed:
        return ""
    rows = "".join(
        f'<tr><td class="rule">{e(f.rule)}</td><td class="loc">{e(f.node or "-")}</td><td>{e(f.message)}</td>'
        f"<td>{e(x.reason)}</td><td>{e(x.expires.isoformat())}</td></tr>"
        for f, x in data.suppressed
    )
    return (
        f'<section id="exceptions"><details><summary>{plural(len(data.suppressed), "finding")} accepted by exceptions'
        "</summary><table><thead><tr><th>Rule</th><th>Node</th><th>Message</th><th>Reason</th><th>Expires</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></details></section>"
    )


def _charts(data: ReportData) -> tuple[str, str]:
    """(the chart section, the script that draws it)."""
    if data.charts is None:
        return "", ""
    from console.report.charts import charts

    figures = charts(data.charts, data.findings)
    blocks, calls = [], []
    for chart in figures:
        wide = " wide" if chart.id in ("chart-dag", "chart-durations", "chart-freshness") else ""
        if chart.figure_json is None:
            inner = f'<p class="empty">{e(chart.empty)}</p>'
        else:
            inner = f'<div id="{chart.id}" class="chart"></div>'
            calls.append(
                f"(function () {{ var fig = {_script_json(chart.figure_json)};"
                f" Plotly.newPlot('{chart.id}', fig.data, fig.layout, {{responsive: true, displaylogo: false, displayModeBar: false}}); }})();"
            )
        blocks.append(f'<figure class="{wide.strip()}"><figcaption>{e(chart.title)}</figcaption>{inner}</figure>')
    section = '<section id="charts"><h2>Charts</h2><div class="charts">' + "".join(blocks) + "</div></section>"
    return section, "\n".join(calls)


def render(data: ReportData) -> str:
    """The whole HTML document (with plotly.js inline when there are charts)."""
    charts_html, charts_js = _charts(data)
    plotly_js = ""
    if charts_js:
        from plotly.offline import get_plotlyjs

        plotly_js = f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
    from console.report import html_summary  # (it renders with this module's e)

    title = f"{data.tool_name} report: {data.project.get('name') or 'dbt project'}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{_CSS}{html_summary.CSS}</style></head><body>\n"
        f"{_header(data, bool(charts_html))}\n<main>\n{html_summary.section(data)}\n{hotspots_section.html_section(data)}\n{_findings(data)}\n{_exceptions(data)}\n{charts_html}\n</main>\n"
        f"<script>{_FILTER_JS}</script>\n{plotly_js}<script>{charts_js}</script>\n</body></html>\n"
    )
