"""The lineage columns: a :class:`~console.tui.lineage_layout.Layout` drawn as a table, with a cursor.

Only what fits is drawn: each column shows a window of rows around the cursor (or around the
focused node), and on a narrow terminal only the columns around the cursor's (``‹2`` and
``3›`` count the ones folded away), so a neighbourhood of thousands draws as fast as one of ten. Names are
:class:`rich.text.Text` (never markup); a cell's colour is its level (error red, warn yellow,
ok green), ``↑``/``↓`` say upstream or downstream, ``●`` marks the focused node.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from console.textsafe import clean
from console.tui.lineage_layout import Cell, Layout

LEVEL_STYLE = {"error": "bold red", "warn": "yellow", "ok": "green", "unknown": ""}
MARK = {"up": "↑", "focus": "●", "down": "↓"}


#: Narrowest a column may get before columns far from the cursor are folded away.
MIN_COLUMN = 18


def column_window(count: int, cursor: int, width: int) -> tuple[int, int]:
    """The first and last column to draw: all that fit at :data:`MIN_COLUMN` each, around ``cursor``.

    Example:
        >>> column_window(8, 0, 160), column_window(8, 2, 80), column_window(8, 7, 80)
        ((0, 7), (1, 4), (4, 7))
    """
    fit = max(1, width // MIN_COLUMN)
    if count <= fit:
        return 0, count - 1
    first = max(0, min(cursor - (fit - 1) // 2, count - fit))
    return first, first + fit - 1


class LineageView(Widget, can_focus=True):
    """Columns of a neighbourhood; arrows or h/j/k/l move, enter recentres on the cell."""

    BINDINGS = [
        Binding("up,k", "move(0, -1)", "Up", show=False),
        Binding("down,j", "move(0, 1)", "Down", show=False),
        Binding("left,h", "move(-1, 0)", "Left", show=False),
        Binding("right,l", "move(1, 0)", "Right", show=False),
        Binding("g", "edge(-1)", "Top", show=False),
        Binding("G", "edge(1)", "Bottom", show=False),
        Binding("enter", "choose", "Centre", show=False),
    ]

    class Moved(Message):
        """The cursor moved onto ``cell``."""

        def __init__(self, cell: Cell | None) -> None:
            super().__init__()
            self.cell = cell

    class Chosen(Message):
        """Enter on ``cell``: centre the lineage on it."""

        def __init__(self, cell: Cell) -> None:
            super().__init__()
            self.cell = cell

    cursor: reactive[tuple[int, int]] = reactive((0, 0))

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.layout_data: Layout | None = None

    def set_layout(self, layout: Layout, keep: str | None = None) -> None:
        """Show ``layout``; the cursor goes to ``keep`` if it is there, else to the focused node."""
        self.layout_data = layout
        where = (layout.find(keep) if keep else None) or layout.find(layout.focus) or (0, 0)
        self.cursor = where
        self.refresh()
        self.post_message(self.Moved(self.current()))

    def current(self) -> Cell | None:
        layout = self.layout_data
        if layout is None or not layout.columns:
            return None
        c, r = self.cursor
        c = min(c, len(layout.columns) - 1)
        cells = layout.columns[c][1]
        return cells[min(r, len(cells) - 1)] if cells else None

    def action_move(self, dc: int, dr: int) -> None:
        layout = self.layout_data
        if layout is None or not layout.columns:
            return
        c, r = self.cursor
        if dc:
            c = max(0, min(len(layout.columns) - 1, c + dc))
            r = min(r, len(layout.columns[c][1]) - 1)
        else:
            r = max(0, min(len(layout.columns[c][1]) - 1, r + dr))
        if (c, r) != self.cursor:
            self.cursor = (c, r)
            self.post_message(self.Moved(self.current()))

    def action_edge(self, where: int) -> None:
        layout = self.layout_data
        if layout is None or not layout.columns:
            return
        c, _ = self.cursor
        self.cursor = (c, 0 if where < 0 else len(layout.columns[c][1]) - 1)
        self.post_message(self.Moved(self.current()))

    def action_choose(self) -> None:
        cell = self.current()
        if cell is not None:
            self.post_message(self.Chosen(cell))

    def watch_cursor(self, _old, _new) -> None:
        self.refresh()

    def render(self) -> Table | Text:
        layout = self.layout_data
        if layout is None:
            return Text("Pick a node: / searches, w shows the whole project.", style="dim")
        if not layout.columns:
            return Text("Nothing to show.", style="dim")
        rows = max(1, self.size.height - 1)
        table = Table(box=None, expand=True, padding=(0, 1, 0, 0), show_edge=False, header_style="bold")
        windows = []
        first, last = column_window(len(layout.columns), self.cursor[0], self.size.width)
        for c, (title, cells) in enumerate(layout.columns):
            if not first <= c <= last:
                continue
            more = layout.more.get(title, 0)
            head = f"{title} {len(cells) + more}"
            if c == first and first > 0:
                head = f"‹{first} {head}"
            if c == last and last < len(layout.columns) - 1:
                head = f"{head} {len(layout.columns) - 1 - last}›"
            table.add_column(head, ratio=1, no_wrap=True, overflow="ellipsis")
            anchor = self.cursor[1] if c == self.cursor[0] else next((i for i, x in enumerate(cells) if x.direction == "focus"), 0)
            start = max(0, min(anchor - rows // 2, len(cells) - rows))
            windows.append((c, start, cells[start:start + rows]))
        height = max(len(w) for _, _, w in windows)
        for i in range(height):
            row = []
            for c, start, window in windows:
                if i >= len(window):
                    row.append(Text(""))
                    continue
                cell = window[i]
                text = Text(f"{MARK[cell.direction]} ", style="dim")
                text.append(clean(cell.name, keep_lines=False), style=LEVEL_STYLE.get(cell.level, ""))
                if cell.direction == "focus":
                    text.stylize("bold underline")
                if (c, start + i) == self.cursor:
                    text.stylize("reverse")
                row.append(text)
            table.add_row(*row)
        return table
