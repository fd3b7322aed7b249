"""The Markdown report's opening summary: with the title, at most 24 lines of at most 80 columns.

::

    ## console: 1 error, 56 warnings, 0 info in shop

    **Health 6.8/10** ▃▄▆ +0.4 · 57 findings (+3 since the last report)

    | Category | Error | Warn | Info | Change |
    | --- | ---: | ---: | ---: | ---: |
    | checks | 1 | 0 | 0 | +1 |

    **Top 10 by priority** · most: `HRD002` ×11, `STR014` ×8
    1. **91** error `FRS001` source-freshness: source `inventory_feed.inventory` was…

The project line (node counts, dbt version, time) moves below the findings. At most
:data:`MAX_CATEGORY_ROWS` category rows (the rest are summed into ``other``).
"""

from __future__ import annotations

from console.report.markdown import escape
from console.report.model import ReportData
from console.report.text import plural
from console.report.text_summary import category_rows, signed

WIDTH = 80
MAX_CATEGORY_ROWS = 6


def _cut(raw: str, room: int) -> str:
    """Escape ``raw``, cutting it first so that the escaped text fits ``room`` characters."""
    text = escape(raw)
    if len(text) <= room:
        return text
    raw = raw[: room - 1]
    while raw and len(escape(raw)) > room - 1:
        raw = raw[:-1]
    return escape(raw) + "…"


def summary_lines(data: ReportData, meta: list[str]) -> list[str]:
    """The lines that replace the project line under the title (see the module docstring)."""
    ov = data.overview
    assert ov is not None
    head = []
    if ov.score is not None:
        head.append(f"**Health {ov.score:.1f}/10**" + (f" {ov.trend}" if ov.trend else ""))
    change = ov.change()
    since = f" ({signed(change)} since the {ov.reference_label})" if change is not None else ""
    if ov.new is not None:
        since = f", {ov.new} new since the baseline"
    head.append(f"{plural(ov.total, 'finding')}{since}")
    out = [" · ".join(head)]
    rows = category_rows(ov, MAX_CATEGORY_ROWS)
    if rows:
        with_change = ov.reference is not None
        out += ["", "| Category | Error | Warn | Info |" + (" Change |" if with_change else ""),
                "| --- | ---: | ---: | ---: |" + (" ---: |" if with_change else "")]
        for cat, counts, delta in rows:
            out.append(f"| {escape(cat)} | " + " | ".join(str(n) for n in counts) + " |"
                       + (f" {signed(delta)} |" if with_change else ""))
    if ov.top:
        heading = f"**Top {len(ov.top)} by priority**"
        for i, c in enumerate(ov.busiest):
            part = (" · most: " if i == 0 else ", ") + f"`{escape(c.rule)}` ×{c.count}"
            if len(heading) + len(part) > WIDTH:
                break
            heading += part
        out += ["", heading]  # an ordered list starting at 1 may follow a paragraph directly
        for i, f in enumerate(ov.top, 1):
            start = f"{i}. **{ov.priority.get(f.fingerprint, 0)}** {f.severity} `{escape(f.rule)}` {escape(f.name)}: "
            out.append(start + _cut(f.message, WIDTH - len(start)))
    return out


def footer(meta: list[str], generated: str) -> str:
    """The project line, as the report's last line when the summary took its place."""
    return "_" + " · ".join(meta) + f" · generated {generated}_"
