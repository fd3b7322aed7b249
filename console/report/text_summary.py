"""The text report's opening summary: one screen (at most 24 lines of at most 80 columns).

::

    shop · health 6.4/10 ▃▄▆ +0.4 · 57 findings (+3 since last report)
    category        error   warn   info  vs last
    checks              1      0      0      +1
    hardening           0     12      0       ·
    Top findings by priority
     87 error CHK001 failing-test  `not_null_fct_orders_id` failed on 3 rows
     ...
    Most frequent: FRS002 ×116 [*], STR018 ×40 [*] · [*] fixable by config

Lines are cut at 80 columns with ``…``; at most :data:`MAX_CATEGORY_ROWS` category rows (the
rest are summed into ``other``), so the whole summary never passes 24 lines.
"""

from __future__ import annotations

from collections.abc import Callable

from console.report.model import ReportData
from console.report.overview import SEVERITIES, Overview
from console.report.text import clean, plural

WIDTH = 80
MAX_LINES = 24
MAX_CATEGORY_ROWS = 8


def cut(text: str, width: int = WIDTH) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut.

    Example:
        >>> cut("abcdef", 4)
        'abc…'
    """
    return text if len(text) <= width else text[: width - 1] + "…"


def signed(n: int | None) -> str:
    """``+3``, ``-2``, ``·`` for no change, ``""`` for unknown.

    Example:
        >>> signed(3), signed(-2), signed(0), signed(None)
        ('+3', '-2', '·', '')
    """
    if n is None:
        return ""
    return "·" if n == 0 else f"{n:+d}"


def category_rows(ov: Overview, limit: int = MAX_CATEGORY_ROWS) -> list[tuple[str, list[int], int | None]]:
    """(category, [error, warn, info], change) rows; beyond ``limit`` the rest become ``other``."""
    cats = ov.categories()
    rows = []
    for cat in cats:
        counts = ov.counts.get(cat, {})
        rows.append((cat, [counts.get(s, 0) for s in SEVERITIES], ov.change(cat)))
    if len(rows) > limit:
        rows.sort(key=lambda r: -sum(r[1]))
        head, rest = rows[: limit - 1], rows[limit - 1:]
        changes = [r[2] for r in rest]
        merged = [sum(r[1][i] for r in rest) for i in range(len(SEVERITIES))]
        rows = [*head, ("other", merged, None if None in changes else sum(changes))]
    return rows


def busiest_line(ov: Overview, width: int = WIDTH) -> str:
    """``Most frequent: STR014 ×9 [*], LYR001 ×7 · [*] fixable by config``: as many rules as fit."""
    parts = [f"{clean(c.rule)} ×{c.count}" + (" [*]" if c.fixable_by_config else "") for c in ov.busiest]
    while True:
        shown = ov.busiest[: len(parts)]
        legend = " · [*] fixable by config" if any(c.fixable_by_config for c in shown) else ""
        line = "Most frequent: " + ", ".join(parts) + legend
        if len(line) <= width or len(parts) == 1:
            return line
        parts.pop()


def summary_lines(data: ReportData, *, style: Callable[[str, str], str] = lambda code, text: text) -> list[str]:
    """The summary, as lines of at most :data:`WIDTH` visible columns."""
    ov = data.overview
    assert ov is not None
    name = clean(data.project.get("name") or "project")
    head = [name]
    if ov.score is not None:
        head.append(f"health {ov.score:.1f}/10" + (f" {ov.trend}" if ov.trend else ""))
    change = ov.change()
    since = f" ({signed(change)} since {ov.reference_label})" if change is not None else ""
    if ov.new is not None:
        since = f", {ov.new} new"
    head.append(f"{plural(ov.total, 'finding')}{since}")
    lines = [style("1", cut(" · ".join(head)))]
    rows = category_rows(ov)
    if rows:
        change_head = f"{'vs ' + ov.reference_label.split()[0][:4]:>8}" if ov.reference is not None else ""
        lines.append(style("2", f"{'category':<14}{'error':>7}{'warn':>7}{'info':>7}{change_head}"))
        for cat, counts, delta in rows:
            line = f"{clean(cat)[:14]:<14}" + "".join(f"{n:>7}" for n in counts)
            lines.append(cut(line + (f"{signed(delta):>8}" if ov.reference is not None else "")))
    if ov.top:
        lines.append(style("1", "Top findings by priority"))
        for f in ov.top:
            text = f"{ov.priority.get(f.fingerprint, 0):>3} {f.severity:<5} {clean(f.rule)} {clean(f.name)}  {clean(f.message)}"
            lines.append(cut(text))
    if ov.busiest:
        lines.append(cut(busiest_line(ov)))
    return lines[:MAX_LINES]
