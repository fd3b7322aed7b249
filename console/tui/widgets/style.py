"""How statuses and severities look: rich styles by name, shared by every screen.

Colours come from the theme through rich's standard names; with ``NO_COLOR`` set, Textual
renders everything in monochrome and the words (``error``, ``warn``) still say it.
"""

from __future__ import annotations

from rich.text import Text

#: status or severity -> rich style.
STYLES = {
    "error": "bold red", "fail": "bold red", "runtime error": "bold red", "late": "bold red",
    "never built": "red", "failed": "bold red",
    "warn": "yellow", "skipped": "yellow", "no check": "dim",
    "success": "green", "pass": "green", "ok": "green",
    "info": "cyan", "no-op": "dim", "not run": "dim", "no SLA": "dim",
}
#: status -> one character, for compact histories (``✓✗✓``).
MARKS = {
    "success": "✓", "pass": "✓", "error": "✗", "fail": "✗", "runtime error": "✗", "warn": "!",
    "skipped": "-", "no-op": "·",
}


def status_text(status: str | None) -> Text:
    """A status word in its style.

    Example:
        >>> status_text("fail").style
        'bold red'
    """
    status = status or ""
    return Text(status, style=STYLES.get(status, ""))


def history_text(statuses, width: int = 12) -> Text:
    """The last ``width`` statuses as marks, oldest first, each in its style.

    Example:
        >>> history_text(["pass", "fail", "pass"]).plain
        '✓✗✓'
    """
    out = Text()
    for s in list(statuses)[-width:]:
        out.append(MARKS.get(s, "?"), style=STYLES.get(s, ""))
    return out


def bar(values, width: int = 12, top: float | None = None) -> Text:
    """A tiny sparkline of numbers with block characters (for table cells), scaled to ``top``
    (default: the largest value).

    Example:
        >>> bar([0, 1, 2, 4]).plain, bar([1, 1], top=8).plain
        ('▁▂▄█', '▁▁')
    """
    vals = [v for v in list(values)[-width:] if v is not None]
    if not vals:
        return Text("")
    top = max(max(vals), top or 0.0) or 1.0
    blocks = "▁▂▃▄▅▆▇█"
    return Text("".join(blocks[min(7, int(v / top * 7))] for v in vals))
