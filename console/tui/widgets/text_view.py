"""A long rich renderable that scrolls, drawn a screenful at a time.

Textual's ``Static`` renders every line of its content into a ``Strip`` and keeps them all
(``Widget._render_content``), each Strip with seven caches of its own: the Triage of the
latest run at 10k nodes is about 1,600 lines, and its Static held 3 MiB of an open app's
memory for one screen (measured with ``benchmarks/bench_tui.py``'s memory lines).
:class:`TextView` keeps the renderable, and renders it part by part (the renderables of a
``Group``, one level down: the Triage's sections): each part is rendered once per width to
count its lines, then again when it scrolls into view, and only the parts on screen keep
their lines (rich's ``Console.render_lines``, as ``Static`` renders them); Strips are built
for the lines on screen only.

It scrolls as a ``VerticalScroll`` holding a ``Static`` does (``scroll_page_down``,
``scroll_home``, the mouse wheel, the scrollbar); :attr:`content` is what was last given to
:meth:`update`. Untrusted text must reach it as rich ``Text`` (never markup), as for ``Static``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict

from rich.console import Group, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: Lines of rendered parts kept, in screenfuls (the one shown, one below, one above, and a spare;
#: the first and last screenfuls besides).
KEEP_SCREENS = 4


class TextView(ScrollView):
    """A renderable shown a screenful at a time (see the module docstring)."""

    DEFAULT_CSS = """
    TextView {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    def __init__(self, content: RenderableType = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.content: RenderableType = content
        self._parts: list[RenderableType] = []
        self._starts: list[int] = [0]  # the first line of each part, then the line count
        self._width = -1  # the width the parts were measured at (-1: to measure)
        # part -> its lines, least recently drawn first: the parts on screen and about a screenful
        # above and below it (rendered ahead in idle time, see _render_around), at most KEEP_SCREENS,
        # and those of the first and last screenfuls
        self._rendered: OrderedDict[int, list[list[Segment]]] = OrderedDict()
        self._strips: dict[int, Strip] = {}  # line index -> Strip, the lines on screen only
        self._around = -1  # the top line the parts around were last rendered for
        self._ends: set[int] = set()  # the parts of the first and last screenfuls: kept (g and G jump there)

    def update(self, content: RenderableType) -> None:
        """Show ``content`` (measured now when the widget has a size, else at its first draw)."""
        self.content = content
        parts = list(content.renderables) if isinstance(content, Group) else [content]
        self._parts = [Text(p) if isinstance(p, str) else p for p in parts]
        self._width = -1
        self.refresh()
        self._layout_lines()

    def _render_part(self, part: int) -> list[list[Segment]]:
        console = self.app.console
        options = console.options.update(width=self._width, height=None, highlight=False)
        return console.render_lines(self._parts[part], options, style=self.rich_style, pad=True, new_lines=False)

    def _lines_of(self, part: int) -> list[list[Segment]]:
        """A part's lines: kept ones, else rendered (and the least recently drawn let go)."""
        lines = self._rendered.get(part)
        if lines is not None:
            self._rendered.move_to_end(part)
            return lines
        lines = self._rendered[part] = self._render_part(part)
        budget = KEEP_SCREENS * max(self.size.height, 1)
        kept = sum(len(v) for p, v in self._rendered.items() if p not in self._ends)
        for old in [p for p in self._rendered if p not in self._ends and p != part]:  # least recently drawn first
            if kept <= budget:
                break
            kept -= len(self._rendered.pop(old))
        return lines

    def _layout_lines(self) -> None:
        """Measure the parts at the current width, and size the scroll area."""
        width = self.scrollable_content_region.width
        if width <= 0 or not self.is_mounted:
            return
        if width != self._width:
            self._width = width
            self._rendered.clear()
            self._strips.clear()
            self._around = -1
            starts = [0]
            for part in range(len(self._parts)):
                starts.append(starts[-1] + len(self._render_part(part)))  # (the lines go: counted only)
            self._starts = starts
            height, total = max(self.size.height, 1), starts[-1]
            top_end = bisect_right(starts, max(min(height, total) - 1, 0))
            bottom = bisect_right(starts, max(total - height, 0)) - 1
            self._ends = {*range(top_end), *range(bottom, len(self._parts))}
        size = Size(width, self._starts[-1])
        if size != self.virtual_size:
            self.virtual_size = size

    def forget_lines(self) -> None:
        """Let the rendered lines go (a screen that is left: ``ConsoleScreen.on_screen_suspend``)."""
        self._strips.clear()
        self._rendered.clear()
        self._around = -1

    def on_resize(self) -> None:
        self._layout_lines()

    def _render_around(self) -> None:
        """Render ahead the parts a screenful below and above the one shown, and those of the
        first and last screenfuls, after it is drawn (a page down, ``g`` or ``G`` then only
        builds Strips: a part with its tables costs 10 to 25 ms to render at 10k nodes' Triage)."""
        top, height = self.scroll_offset.y, max(self.size.height, 1)
        if top == self._around or not self._parts or self._width < 0:
            return
        self._around = top
        total = self._starts[-1]
        first = bisect_right(self._starts, max(top - height, 0)) - 1
        last = bisect_right(self._starts, max(min(top + 2 * height, total) - 1, 0)) - 1
        shown = range(bisect_right(self._starts, top) - 1, bisect_right(self._starts, max(min(top + height, total) - 1, 0)))
        for part in [*range(shown.stop, last + 1), *range(first, shown.start), *sorted(self._ends)]:  # below first: the likelier next
            if part not in self._rendered:
                self._lines_of(part)
        for part in shown:  # (what is on screen stays the most recently drawn)
            if part in self._rendered:
                self._rendered.move_to_end(part)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._layout_lines()
        index = self.scroll_offset.y + y
        if not 0 <= index < self._starts[-1]:
            return Strip.blank(width, self.rich_style)
        if y == 0 and self.scroll_offset.y != self._around:
            self.call_after_refresh(self._render_around)
        strip = self._strips.get(index)
        if strip is None:
            if len(self._strips) > 2 * max(self.size.height, 1):  # scrolled on: the Strips left behind go
                self._strips.clear()
            part = bisect_right(self._starts, index) - 1
            strip = self._strips[index] = Strip(self._lines_of(part)[index - self._starts[part]], width)
        return strip
