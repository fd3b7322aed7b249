"""The text report: for a person at a terminal or reading CI logs.

A one-screen summary opens it (:mod:`console.report.text_summary`), when the report has one.
Findings follow by severity, highest priority first within each; each takes one line, plus
an indented hint::

    error (1)
    error  CHK001 failing-test  models/marts/fct_orders.sql:1  `not_null_fct_orders_id` failed on 3 rows
      hint: Fix the data or the test.

A rule firing on many nodes shows its headline and its top findings only, with the selector
that lists them all (:mod:`console.ranking.groups`). A summary line ends the report. Colour (ANSI) only when the caller asks for it (stdout is a
terminal and ``NO_COLOR`` is unset). Control characters in names and messages are shown
escaped (``\\x1b``), so a hostile model name cannot drive the terminal.
"""

from __future__ import annotations

from console.report import hotspots_section
from console.report.model import NODE_KINDS, ReportData
from console.textsafe import one_line

_SEV_STYLE = {"error": "1;31", "warn": "1;33", "info": "1;36"}
_PLURAL = {"error": "errors", "warn": "warnings", "info": "info"}


def clean(text: str | None) -> str:
    r"""Untrusted text with control characters escaped (one printable line).

    Example:
        >>> clean("a\x1b[31mb\nc")
        'a\\x1b[31mb\\nc'
    """
    return one_line(text)


def plural(n: int, word: str) -> str:
    """``1 error``, ``2 errors``, ``1 warning``, ``3 info``.

    Example:
        >>> plural(1, "warn"), plural(2, "error"), plural(2, "info")
        ('1 warning', '2 errors', '2 info')
    """
    if word in _PLURAL:
        return f"{n} {_PLURAL[word] if n != 1 else _PLURAL[word].removesuffix('s')}"
    return f"{n} {word}" + ("" if n == 1 else "s")


def location(path: str | None, line: int | None, node: str | None) -> str:
    """``path:line``, ``path``, the node id, or ``-``."""
    if path:
        return f"{path}:{line}" if line else path
    return node or "-"


def summary_line(data: ReportData) -> str:
    """The closing line: finding counts by severity, then node counts."""
    counts = data.severity_counts()
    total = sum(counts.values())
    nodes = ", ".join(plural(int(data.node_counts.get(k, 0)), k) for k in NODE_KINDS)
    head = "No findings" if total == 0 else f"{plural(total, 'finding')}: " + ", ".join(plural(counts[s], s) for s in counts)
    return f"{head} · {nodes}" + (f" · {plural(len(data.rules), 'rule')}" if data.rules else "")


def render(data: ReportData, *, color: bool = False) -> str:
    """The text report; ``color`` adds ANSI styles."""

    def style(code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    expired = data.expired_by_fingerprint()
    out: list[str] = []
    if data.overview is not None:
        from console.report.text_summary import summary_lines

        out += [*summary_lines(data, style=style), ""]
    out += hotspots_section.text_lines(data, style)
    sizes: dict[str, int] = {}
    for f in data.findings:
        sizes[f.severity] = sizes.get(f.severity, 0) + 1
    group_of = {g.rule: g for g in data.groups}
    by_fp = {f.fingerprint: f for f in data.findings} if data.groups else {}
    heading: str | None = None

    def line(f) -> None:
        sev = style(_SEV_STYLE.get(f.severity, "1"), f.severity.ljust(5))
        rule = style("1", clean(f.rule))
        where = style("2", clean(location(f.path, f.line, f.node)))
        out.append(f"{sev}  {rule} {clean(f.name)}  {where}  {clean(f.message)}")
        if f.hint:
            out.append(style("2", f"  hint: {clean(f.hint)}"))
        exc = expired.get(f.fingerprint)
        if exc is not None:
            out.append(style("35", f"  exception expired on {exc.expires.isoformat()}: {clean(exc.reason)}"))

    for f in data.findings:
        if f.severity != heading:
            heading = f.severity
            if out and out[-1] != "":
                out.append("")
            out.append(style("1", f"{f.severity} ({sizes[f.severity]})"))
        group = group_of.get(f.rule)
        if group is None:
            line(f)
        elif f.fingerprint == group.top[0]:
            out.append(style("1", f"  {clean(group.headline)} · all: --select {group.select}"))
            for fp in group.top:
                line(by_fp[fp])
    if out and out[-1] != "":
        out.append("")
    counts = data.severity_counts()
    worst = next((s for s in counts if counts[s]), None)
    out.append(style(_SEV_STYLE[worst] if worst else "1;32", summary_line(data)))
    return "\n".join(out) + "\n"
