"""Plotly figures of the HTML report, from :class:`console.report.series.ChartData`.

Plotly renders trace names, tick labels and hover text as a small HTML dialect, so every
project-supplied string goes through :func:`html.escape` before it reaches a figure. Figures
are serialised with :func:`plotly.io.to_json`, which escapes ``<``, ``>`` and ``/`` for
embedding in a ``<script>``.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from console.report.series import LAYER_ORDER, ChartData
from rules.base import CATEGORIES, Finding

SEVERITY_COLORS = {"error": "#d62728", "warn": "#f0a202", "info": "#1f77b4"}
STATUS_COLORS = {
    "success": "#2ca02c", "pass": "#2ca02c", "warn": "#f0a202", "error": "#d62728",
    "fail": "#d62728", "runtime error": "#8c1c13", "skipped": "#9e9e9e", "no-op": "#7f7f7f", "not run": "#c7d0d9",
}
_STATUS_ORDER = ("success", "pass", "warn", "fail", "error", "runtime error", "skipped", "no-op", "not run")
_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=20, b=40), height=380,
               legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), font=dict(family="system-ui, sans-serif", size=12))
#: The DAG shows node names beside the markers up to this many nodes (hover text always).
DAG_LABELS_UP_TO = 80


def _count_axis(top: float) -> dict:
    """A y axis of whole counts."""
    return dict(rangemode="tozero", tick0=0, dtick=max(1, math.ceil((top or 1) / 6)))


@dataclass(frozen=True)
class Chart:
    """One chart of the report: its element id, title, and figure JSON (None: nothing to draw)."""

    id: str
    title: str
    figure_json: str | None
    empty: str = ""


def esc(value: object) -> str:
    """A string for plotly's text: HTML-escaped (plotly reads tags in labels and hover text).

    Example:
        >>> esc("<img src=x onerror=alert(1)>")
        '&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


def _json(fig: go.Figure) -> str:
    return pio.to_json(fig, validate=False, pretty=False)


def durations_figure(frame: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for (uid,), group in frame.group_by("unique_id", maintain_order=True):
        name = esc(group["name"][0])
        fig.add_trace(go.Scatter(
            x=[t.isoformat() for t in group["generated_at"].to_list()], y=group["execution_time"].to_list(),
            mode="lines+markers", name=name, hovertext=[esc(uid)] * group.height,
            hovertemplate="%{hovertext}<br>%{x}<br>%{y:.2f} s<extra></extra>",
        ))
    fig.update_layout(**_LAYOUT, yaxis_title="seconds", xaxis_title="run")
    return fig


def test_runs_figure(frame: pl.DataFrame) -> go.Figure:
    x = [t.isoformat() for t in frame["generated_at"].to_list()]
    hover = [esc(f"{cmd} {inv}") for cmd, inv in zip(frame["command"].to_list(), frame["invocation_id"].to_list())]
    fig = go.Figure()
    for status, color in (("fail", "#d62728"), ("error", "#8c1c13"), ("warn", "#f0a202"), ("pass", "#2ca02c"), ("skipped", "#9e9e9e")):
        fig.add_trace(go.Bar(x=x, y=frame[status].to_list(), name=status, marker_color=color, hovertext=hover,
                             hovertemplate="%{hovertext}<br>%{y} " + status + "<extra></extra>"))
    top = max((sum(r) for r in frame.select("fail", "error", "warn", "pass", "skipped").iter_rows()), default=1)
    fig.update_layout(**_LAYOUT, barmode="stack", yaxis=dict(title="tests", **_count_axis(top)), xaxis_title="run")
    return fig


def freshness_figure(frame: pl.DataFrame) -> go.Figure:
    names = [esc(n) for n in frame["name"].to_list()]
    statuses = [s or "not run" for s in frame["status"].to_list()]
    fig = go.Figure(go.Bar(
        x=frame["age_hours"].to_list(), y=names, orientation="h", name="age",
        marker_color=[STATUS_COLORS.get(s, "#9e9e9e") for s in statuses], opacity=0.6,
        hovertext=[esc(s) for s in statuses], hovertemplate="%{y}: %{x:.1f} h (%{hovertext})<extra></extra>",
    ))
    for col, label, color in (("warn_hours", "warn after", "#8a5a00"), ("error_hours", "error after", "#d62728")):
        fig.add_trace(go.Scatter(
            x=frame[col].to_list(), y=names, mode="markers", name=label,
            marker=dict(symbol="line-ns-open", size=22, line=dict(width=3, color=color), color=color),
            hovertemplate="%{y}: " + label + " %{x:.1f} h<extra></extra>",
        ))
    fig.update_layout(**{**_LAYOUT, "height": max(240, 90 + 26 * len(names))}, xaxis=dict(title="hours since last load", rangemode="tozero"),
                      yaxis=dict(autorange="reversed"), bargap=0.35)
    return fig


def findings_figure(findings: Sequence[Finding]) -> go.Figure:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in findings:
        counts[f.severity][f.category] += 1
    cats = [c for c in CATEGORIES if any(counts[s].get(c) for s in counts)]
    cats += sorted({c for s in counts for c in counts[s]} - set(cats))
    fig = go.Figure()
    for sev, color in SEVERITY_COLORS.items():
        fig.add_trace(go.Bar(x=[esc(c) for c in cats], y=[counts[sev].get(c, 0) for c in cats], name=sev, marker_color=color))
    top = max((sum(counts[s].get(c, 0) for s in counts) for c in cats), default=1)
    fig.update_layout(**_LAYOUT, barmode="stack", yaxis=dict(title="findings", **_count_axis(top)))
    return fig


def dag_layout(nodes: pl.DataFrame, edges: pl.DataFrame) -> dict[str, tuple[float, float]]:
    """x = the layer's column, y = rank in the column ordered by the parents' mean rank.

    Example:
        >>> n = pl.DataFrame({"unique_id": ["s", "a", "b"], "name": ["s", "a", "b"], "layer": ["source", "staging", "staging"]})
        >>> e = pl.DataFrame({"parent_id": ["s"], "child_id": ["b"]})
        >>> dag_layout(n, e)["s"][0], dag_layout(n, e)["b"][0]
        (0.0, 1.0)
    """
    parents: dict[str, list[str]] = defaultdict(list)
    for p, c in edges.select("parent_id", "child_id").iter_rows():
        parents[c].append(p)
    columns: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for uid, name, layer in nodes.select("unique_id", "name", "layer").iter_rows():
        columns[layer].append((uid, name or uid))
    used = [layer for layer in LAYER_ORDER if columns.get(layer)]
    pos: dict[str, tuple[float, float]] = {}
    for x, layer in enumerate(used):
        members = columns[layer]

        def key(item: tuple[str, str]) -> tuple[float, str]:
            ys = [pos[p][1] for p in parents.get(item[0], ()) if p in pos]
            return (sum(ys) / len(ys) if ys else float("inf"), item[1])

        members.sort(key=key)
        n = len(members)
        for rank, (uid, _) in enumerate(members):
            pos[uid] = (float(x), (rank - (n - 1) / 2) / max(n, 1) * 10)
    return pos


def dag_figure(nodes: pl.DataFrame, edges: pl.DataFrame) -> go.Figure:
    pos = dag_layout(nodes, edges)
    ex: list[float | None] = []
    ey: list[float | None] = []
    for p, c in edges.select("parent_id", "child_id").iter_rows():
        if p in pos and c in pos:
            ex += [pos[p][0], pos[c][0], None]
            ey += [pos[p][1], pos[c][1], None]
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", line=dict(width=0.6, color="#b0b8c1"), hoverinfo="skip", showlegend=False))
    labels = nodes.height <= DAG_LABELS_UP_TO
    groups: dict[str, list[tuple]] = defaultdict(list)
    for row in nodes.select("unique_id", "name", "resource_type", "layer", "status").iter_rows():
        groups[row[4] or "not run"].append(row)
    for status in sorted(groups, key=lambda s: (_STATUS_ORDER.index(s) if s in _STATUS_ORDER else 99, s)):
        rows = groups[status]
        fig.add_trace(go.Scatter(
            x=[pos[r[0]][0] for r in rows], y=[pos[r[0]][1] for r in rows], mode="markers+text" if labels else "markers",
            text=[esc(r[1]) for r in rows] if labels else None, textposition="top center", textfont=dict(size=10),
            name=esc(status), marker=dict(size=9, color=STATUS_COLORS.get(status, "#7f7f7f"), line=dict(width=0.5, color="#333")),
            hovertext=[esc(f"{r[0]} ({r[3]}, {status})") for r in rows], hovertemplate="%{hovertext}<extra></extra>",
        ))
    used = [layer for layer in LAYER_ORDER if layer in set(nodes["layer"].to_list())]
    tallest = int(nodes["layer"].value_counts()["count"].max() or 1)
    fig.update_layout(**{**_LAYOUT, "height": min(1400, max(420, (40 if labels else 14) * tallest))},
                      xaxis=dict(tickmode="array", tickvals=list(range(len(used))), ticktext=used, showgrid=False, zeroline=False,
                                 range=[-0.5, len(used) - 0.5]),
                      yaxis=dict(visible=False), hovermode="closest")
    return fig


def charts(data: ChartData, findings: Sequence[Finding]) -> list[Chart]:
    """Every chart of the report, in page order."""
    out = [
        Chart("chart-findings", "Findings by category", _json(findings_figure(findings)) if findings else None,
              "No findings."),
        Chart("chart-tests", "Test results per run",
              _json(test_runs_figure(data.test_runs)) if data.test_runs.height else None,
              "No test runs in the store yet."),
        Chart("chart-durations", "Run durations of the slowest models",
              _json(durations_figure(data.durations)) if data.durations.height else None,
              "No model runs in the store yet (collect run_results.json)."),
        Chart("chart-freshness", "Source freshness (latest check)",
              _json(freshness_figure(data.freshness)) if data.freshness.height else None,
              "No freshness checks in the store yet (collect sources.json)."),
        Chart("chart-dag", "DAG by layer, coloured by latest status",
              _json(dag_figure(data.dag_nodes, data.dag_edges)) if data.dag_nodes.height else None,
              "No nodes."),
    ]
    return out
