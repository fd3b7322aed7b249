"""A table that draws only the rows on screen: 10,000 rows cost what 40 do.

Textual's ``DataTable`` stores a Python object per row and measures every cell when rows are
added: re-filling it with 10,000 rows took 300 to 1,000 ms per key press at 10k nodes
(measured with the Pilot). :class:`VirtualTable` holds only the list of row keys and a function
that builds one row's cells; a cell is built when its row scrolls into view (then cached until
the rows change), so replacing the rows is O(1) and a key press redraws one screenful.

It looks like a ``DataTable`` (the same component classes and colours: a bold header, zebra
stripes, a row cursor), keeps the cursor on the same row key across :meth:`show_rows`, takes
j/k/g/G and the mouse, and posts :class:`VirtualTable.RowHighlighted` when the cursor moves to
another row and :class:`VirtualTable.RowSelected` on enter or a click on the cursor row.

Columns are ``"label"`` (flexible: the flexible columns share the width the fixed ones leave)
or ``("label", width)`` (fixed: longer cells are cut). Cells are ``str`` or rich ``Text``:
plain strings are never read as markup, so untrusted names and messages render as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | Text
#: Builds the cells of the row at an index of the current rows.
CellsOf = Callable[[int], Sequence[Cell]]
#: Rendered rows kept at most (a few screens' worth; the rest is rebuilt when scrolled back).
CACHE_ROWS = 400
PADDING = 1


def cell_text(value: Cell, width: int) -> Text:
    """A cell as one line of Text exactly ``width`` cells wide (cut or padded).

    Example:
        >>> cell_text("[b]x[/b]", 10).plain, cell_text("a\\nb", 3).plain, len(cell_text("a" * 50, 8))
        ('[b]x[/b]  ', 'a b', 8)
    """
    text = value.copy() if isinstance(value, Text) else Text(str(value))
    if "\n" in text.plain or "\t" in text.plain:
        text.plain = text.plain.replace("\n", " ").replace("\t", " ")
    text.no_wrap = True
    text.truncate(width, overflow="crop", pad=True)
    return text


def post_style_of(style: Style, post: Style) -> Style:
    """``style`` with ``post`` on top (the cursor's colour over a cell's own), or ``style``."""
    return style + post if post else style


class VirtualTable(ScrollView, can_focus=True):
    """Rows keyed by a stable id, drawn on demand (see the module docstring)."""

    COMPONENT_CLASSES = {"datatable--header", "datatable--cursor", "datatable--even-row", "datatable--odd-row"}

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .datatable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .datatable--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .datatable--even-row {
            background: $surface-darken-1 40%;
        }
        & > .datatable--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .datatable--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .datatable--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .datatable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
    ]

    class RowHighlighted(Message):
        """The cursor moved to another row (``key`` None when the table is empty)."""

        def __init__(self, table: VirtualTable, key: str | None, index: int) -> None:
            super().__init__()
            self.table, self.key, self.index = table, key, index

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowSelected(RowHighlighted):
        """Enter (or a click) on the row under the cursor."""

    def __init__(self, *columns: str | tuple[str, int], id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = [(c, None) if isinstance(c, str) else c for c in columns]
        self._keys: Sequence[str] = ()
        self._cells_of: CellsOf = lambda i: ()
        self._cursor = 0
        self._cache: dict[tuple, Strip] = {}
        self._widths: tuple[int, ...] = ()
        self._widths_for = -1
        self._styles: dict[object, Style] | None = None  # for the current focus; None: to be read again
        self._styles_built: dict[bool, dict[object, Style]] = {}  # focus -> the styles the cached rows have

    # -- rows ---------------------------------------------------------------------------------
    def show_rows(self, keys: Sequence[str], cells_of: CellsOf) -> None:
        """Replace the rows: ``keys`` in order, ``cells_of(i)`` the cells of row ``i``.

        The cursor stays on the row of the same key when it is still there, else at the same
        position (clamped). Nothing is built here: rows are drawn when they are on screen.
        """
        key = self.selected_key
        self._keys, self._cells_of = keys, cells_of
        self._cache.clear()
        where = self.index_of(key) if key is not None else None
        self._cursor = where if where is not None else max(0, min(self._cursor, len(keys) - 1))
        self._set_virtual_size(Size(self._min_width(), len(keys) + 1))
        self._scroll_cursor_into_view()
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """Set the scrollable size without a layout pass of the whole screen when the table's
        own size cannot change (its height comes from CSS; the scrollbars are updated here, and
        a scrollbar that appears or goes away asks for the layout itself)."""
        if size == self.virtual_size:
            return
        if not self.is_mounted or not self.container_size:
            self.virtual_size = size
            return
        self.set_reactive(VirtualTable.virtual_size, size)
        self._scroll_update(size)

    @property
    def keys(self) -> Sequence[str]:
        """The row keys, in order."""
        return self._keys

    @property
    def row_count(self) -> int:
        return len(self._keys)

    def forget_lines(self) -> None:
        """Let the rendered rows go (a screen that is left: ``ConsoleScreen.on_screen_suspend``)."""
        self._cache.clear()

    def index_of(self, key: str) -> int | None:
        """The index of the row ``key``, or None (a scan: about 0.1 ms per 10,000 rows, less
        than building a dict for each new list of rows)."""
        try:
            return self._keys.index(key)
        except ValueError:
            return None

    def get_row(self, key: str) -> list[Text]:
        """The cells of the row ``key`` as Text (tests and screens read them).

        Raises:
            KeyError: no such row.
        """
        i = self.index_of(key)
        if i is None:
            raise KeyError(key)
        return [c if isinstance(c, Text) else Text(str(c)) for c in self._cells_of(i)]

    # -- cursor -------------------------------------------------------------------------------
    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None."""
        return self._keys[self._cursor] if 0 <= self._cursor < len(self._keys) else None

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped), scroll it into view, post RowHighlighted if it moved."""
        if not self._keys:
            return
        row = max(0, min(row, len(self._keys) - 1))
        old, self._cursor = self._cursor, row
        self._scroll_cursor_into_view()
        if old != row:
            self.refresh_lines(old + 1)  # row r is virtual line r + 1 (the header is line 0)
            self.refresh_lines(row + 1)
            self.post_message(self.RowHighlighted(self, self._keys[row], row))

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row ``key``; False when there is no such row."""
        i = self.index_of(key)
        if i is None:
            return False
        self.move_cursor(i)
        return True

    def _scroll_cursor_into_view(self) -> None:
        rows = self.size.height - 1  # under the header
        if rows <= 0:  # not laid out yet (or hidden): on_resize comes back here
            return
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + rows:
            self.scroll_to(y=self._cursor - rows + 1, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._keys) - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + max(1, self.size.height - 1))

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - max(1, self.size.height - 1))

    def action_select_cursor(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.RowSelected(self, key, self._cursor))

    def _on_click(self, event: events.Click) -> None:
        y = event.get_content_offset(self)
        if y is None or y.y < 1:
            return
        row = y.y - 1 + int(self.scroll_y)
        if row >= len(self._keys):
            return
        event.stop()
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row)

    # -- drawing ------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_styles()
        self.refresh()

    def _on_focus(self, event: events.Focus) -> None:
        self._forget_styles()

    def _on_blur(self, event: events.Blur) -> None:
        self._forget_styles()

    def _forget_styles(self) -> None:
        """Read the styles again before the next line is drawn (they are compared there: a
        restyle that changed nothing, as Textual does on every screen switch, keeps the rows)."""
        self._styles = None

    def _row_styles(self) -> dict[object, Style]:
        """The header's, the even and odd rows' and the cursor's styles, read once per style
        change; the rendered rows are dropped only when these differ from the ones they were
        built with (for the same focus: the cache keys hold it)."""
        if self._styles is None:
            get = self.get_component_styles
            styles = {
                -1: get("datatable--header").rich_style, 0: get("datatable--even-row").rich_style,
                1: get("datatable--odd-row").rich_style, "cursor": self.get_component_rich_style("datatable--cursor"),
                "base": self.rich_style,
            }
            built = self._styles_built.get(self.has_focus)
            if built is not None and built != styles:
                self._cache.clear()
                self._styles_built.clear()
            self._styles_built[self.has_focus] = self._styles = styles
        return self._styles

    def _min_width(self) -> int:
        return sum((w if w is not None else len(label)) + 2 * PADDING for label, w in self.columns)

    def _column_widths(self, width: int) -> tuple[int, ...]:
        """Each column's content width: fixed ones as declared, flexible ones share the rest.

        Example:
            >>> VirtualTable(("a", 3), "msg", ("b", 2))._column_widths(30), VirtualTable(("a", 3), "m")._column_widths(30)
            ((3, 19, 2), (3, 24))
        """
        if self._widths_for != width:
            fixed = sum(w + 2 * PADDING for _, w in self.columns if w is not None)
            flexible = [i for i, (_, w) in enumerate(self.columns) if w is None]
            # a flexible last column runs to the edge (its right padding is cut), as a DataTable's
            # widest column is cut by the edge
            edge = PADDING if self.columns and self.columns[-1][1] is None else 0
            spare = max(0, width - fixed - 2 * PADDING * len(flexible) + edge)
            share = spare // len(flexible) if flexible else 0
            widths = [w if w is not None else max(len(label), share) for label, w in self.columns]
            if flexible:
                widths[flexible[-1]] = max(len(self.columns[flexible[-1]][0]), spare - share * (len(flexible) - 1))
            self._widths, self._widths_for = tuple(widths), width
        return self._widths

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        styles = self._row_styles()  # first: a style change drops the cached rows
        if y == 0:
            return self._row_strip(-1, width)
        row = y - 1 + int(self.scroll_y)
        if row >= len(self._keys):  # under the last row
            blank = self._cache.get(("blank", width, self.has_focus))
            if blank is None:  # (the widget's rich_style is computed from its ancestors: not per line)
                blank = self._cache[("blank", width, self.has_focus)] = Strip.blank(width, styles["base"])
            return blank
        return self._row_strip(row, width)

    def _row_strip(self, row: int, width: int) -> Strip:
        cursor = row == self._cursor and row >= 0
        key = (self._keys[row] if row >= 0 else None, row % 2 if row >= 0 else -1, cursor, width, self.has_focus)
        strip = self._cache.get(key)
        if strip is not None:
            return strip
        styles = self._row_styles()
        if row < 0:
            style = styles[-1]
            cells: Sequence[Cell] = [label for label, _ in self.columns]
        else:
            style = styles[row % 2]
            cells = self._cells_of(row)
        post = Style()
        if cursor:
            style += styles["cursor"]
            post = Style.from_color(color=styles["cursor"].color)
        console = self.app.console
        segments: list[Segment] = []
        pad = " " * PADDING
        length = 0  # every cell is exactly its column's width (plus padding): no measuring below
        for value, w in zip(cells, self._column_widths(width)):
            length += w + 2 * PADDING
            if type(value) is str and value.isascii() and value.isprintable():  # the common case, without rich's Text
                segments.append(Segment(f"{pad}{value[:w].ljust(w)}{pad}", post_style_of(style, post)))
                continue
            text = cell_text(value, w)
            under = style + console.get_style(text.style) if text.style else style  # render() leaves the Text's own style out
            segments.append(Segment(pad, style))
            segments.extend(Segment.apply_style(text.render(console), style=under, post_style=post or None))
            segments.append(Segment(pad, style))
        strip = Strip(segments, length).adjust_cell_length(width, style).simplify()
        if len(self._cache) >= CACHE_ROWS:
            self._cache.clear()
        self._cache[key] = strip
        return strip

    def _on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._scroll_cursor_into_view()
