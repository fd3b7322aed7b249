"""The Markdown report: a pull-request comment.

A title with the counts, a line about the project (or the one-screen summary,
:mod:`console.report.markdown_summary`, when the report has one), a table per severity
highest priority first (info folded into a ``<details>`` block; a rule firing on many nodes
shows a headline row and its top findings), and notes on expired exceptions. Every untrusted string (node names,
paths, messages, hints) goes through :func:`escape`: table pipes, backticks, emphasis and link
brackets are backslash-escaped, ``&``/``<``/``>`` become entities, so no name can inject HTML,
links or break the table.
"""

from __future__ import annotations

from console.report import hotspots_section
from console.report.model import NODE_KINDS, SEVERITIES, ReportData
from console.report.text import location, plural
from console.textsafe import one_line

#: GitHub refuses comments over 65,536 characters: rows stop short of that, errors first.
MAX_CHARS = 60_000

_TITLES = {"error": "Errors", "warn": "Warnings", "info": "Info"}
_ICONS = {"error": "🔴", "warn": "🟡", "info": "🔵"}
_ESCAPES = str.maketrans({**{c: "\\" + c for c in "\\`*_[]|~"}, "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str | None) -> str:
    r"""Untrusted text, safe inside a Markdown table cell (one line).

    Example:
        >>> escape("a|b `c` <img src=x>")
        'a\\|b \\`c\\` &lt;img src=x&gt;'
        >>> escape("x\x1b]8;;http://evil\x07y")
        'x\\\\x1b\\]8;;http://evil\\\\x07y'
    """
    if not text:
        return ""
    return one_line(" ".join(str(text).split())).translate(_ESCAPES)  # ESC, BEL, NUL shown, never sent


def _rows(findings, expired) -> list[str]:
    lines = []
    for f in findings:
        if not hasattr(f, "fingerprint"):  # a group's headline row
            prod = f"{f.production} feeding production; " if f.production else ""
            lines.append(f"| **`{escape(f.rule)}` {escape(f.name)}** | {f.count} {escape(f.noun)} | "
                         f"{prod}top {len(f.top)} below; all: `--select {escape(f.select)}` |")
            continue
        message = escape(f.message)
        if f.hint:
            message += f"<br>_Hint: {escape(f.hint)}_"
        exc = expired.get(f.fingerprint)
        if exc is not None:
            message += f"<br>_Exception expired on {exc.expires.isoformat()}: {escape(exc.reason)}_"
        lines.append(f"| `{escape(f.rule)}` {escape(f.name)} | {escape(location(f.path, f.line, f.node))} | {message} |")
    return lines


_HEADER = ["| Rule | Location | Message |", "| --- | --- | --- |"]


def _folded(findings, groups):
    """Findings of one severity with each group folded: a row naming the group, then its top findings."""
    by_fp = {f.fingerprint: f for f in findings}
    for f in findings:
        group = groups.get(f.rule)
        if group is None:
            yield f
        elif f.fingerprint == group.top[0]:
            yield group
            yield from (by_fp[fp] for fp in group.top if fp in by_fp)


def render(data: ReportData) -> str:
    """The Markdown report, ending with a newline."""
    counts = data.severity_counts()
    total = sum(counts.values())
    name = escape(data.project.get("name") or "project")
    if total:
        title = f"## {data.tool_name}: " + ", ".join(plural(counts[s], s) for s in SEVERITIES) + f" in {name}"
    else:
        title = f"## {data.tool_name}: no findings in {name} ✅"
    meta = [plural(int(data.node_counts.get(k, 0)), k) for k in NODE_KINDS]
    if data.project.get("dbt_version"):
        meta.append(f"dbt {escape(data.project['dbt_version'])}")
    if data.project.get("adapter"):
        meta.append(escape(data.project["adapter"]))
    out = [title, "", " · ".join(meta) + f" · generated {data.generated_at_iso}"]
    if data.overview is not None:
        from console.report.markdown_summary import summary_lines

        out[2:3] = summary_lines(data, meta)
    out += hotspots_section.markdown_lines(data)
    expired = data.expired_by_fingerprint()
    budget = MAX_CHARS - sum(len(line) + 1 for line in out) - 400  # room for the closing notes
    left_out = 0
    groups = {g.rule: g for g in data.groups}
    for sev in SEVERITIES:
        group = [f for f in data.findings if f.severity == sev]
        if not group:
            continue
        rows = []
        candidates = _rows(_folded(group, groups), expired)
        for row in candidates:
            if budget - len(row) - 1 < 0:
                break
            rows.append(row)
            budget -= len(row) + 1
        left_out += len(candidates) - len(rows)
        if not rows:
            continue
        heading = f"{_ICONS[sev]} {_TITLES[sev]} ({len(group)})"
        out.append("")
        if sev == "info":
            out += ["<details>", f"<summary>{heading}</summary>", "", *_HEADER, *rows, "", "</details>"]
        else:
            out += [f"### {heading}", "", *_HEADER, *rows]
    if left_out:
        out += ["", f"_…and {plural(left_out, 'more finding')} not shown: a pull-request comment holds at most "
                "65,536 characters. The job's JSON, SARIF or HTML report has them all._"]
    notes = []
    if data.hidden_by_baseline:
        notes.append(f"{plural(data.hidden_by_baseline, 'finding')} hidden by the baseline")
    if data.suppressed:
        notes.append(f"{plural(len(data.suppressed), 'finding')} hidden by exceptions")
    if data.expired:
        notes.append(f"{plural(len(data.expired), 'exception')} expired")
    if notes:
        out += ["", "> " + " · ".join(notes)]
    if data.overview is not None:
        from console.report.markdown_summary import footer

        out += ["", footer(meta, data.generated_at_iso)]
    return "\n".join(out) + "\n"
