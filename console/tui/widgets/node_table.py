"""A DataTable that keeps its cursor across refreshes, with vim keys; cells are rich Text (never markup)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

Cell = str | Text
#: Longer cells are cut (the table shows a line per row; detail panes show whole texts). Long
#: texts in cells cost a lot to render, and a message can name hundreds of nodes.
MAX_CELL = 160
#: Rows drawn at once by ``fill``; the rest follow in chunks of CHUNK_ROWS, CHUNK_DELAY_S apart.
FIRST_ROWS = 120
CHUNK_ROWS = 1000
CHUNK_DELAY_S = 0.01
#: At most this many rows in a table: a longer list is cut (screens say how many match, and
#: their filters narrow it). Every row drawn costs memory and repaint time.
MAX_ROWS = 2000


def _cell(value: Cell) -> Text:
    """A cell as Text, at most :data:`MAX_CELL` characters, on one line.

    Example:
        >>> _cell("a" * 500).cell_len, _cell("[b]x[/b]").plain
        (160, '[b]x[/b]')
    """
    text = value if isinstance(value, Text) else Text(str(value))
    if len(text) > MAX_CELL or "\n" in text.plain:
        text = text.copy()
        text.plain = text.plain.replace("\n", " ") if "\n" in text.plain else text.plain
        text.truncate(MAX_CELL, overflow="ellipsis")
    return text


class NodeTable(DataTable):
    """Rows keyed by a stable id (a unique_id, a fingerprint, an invocation id).

    :meth:`fill` replaces every row and puts the cursor back on the row of the same key (or
    the same position when that row is gone), so a live refresh never moves the person.
    Wide cells are cut at the table's edge (no horizontal scrolling: detail panes show the
    whole text). A column given as ``("name", 30)`` has a fixed width (longer cells are cut).
    Plain ``str`` cells are wrapped in :class:`~rich.text.Text`, so untrusted names and
    messages never go through markup.
    """

    DEFAULT_CSS = """
    NodeTable {
        overflow-x: hidden;
    }
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "First", show=False),
        Binding("G", "last", "Last", show=False),
    ]

    def __init__(self, *columns: str | tuple[str, int], id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._columns = columns
        self._fill_token = 0

    def on_mount(self) -> None:
        for column in self._columns:
            label, width = column if isinstance(column, tuple) else (column, None)
            self.add_column(label, width=width, key=label)

    def _update_dimensions(self, new_rows) -> None:
        """Textual's column measuring, with the terminal's size asked once per batch of rows.

        DataTable measures every new cell through ``console.options``, and rich asks the
        operating system for the terminal's size on each call: one system call per cell was
        the largest cost of filling 6,000 rows (profiled at 10k nodes). The size cannot change
        within one batch, so it is pinned on the console for the batch and restored after.
        """
        console = self.app.console
        saved = console._width, console._height
        if saved[0] is None or saved[1] is None:
            size = console.size
            console._width, console._height = size.width + console.legacy_windows, size.height
        try:
            super()._update_dimensions(new_rows)
        finally:
            console._width, console._height = saved

    def fill(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        """Replace the rows; keep the cursor on the same key when it is still there.

        At most :data:`MAX_ROWS` rows. The first :data:`FIRST_ROWS` are drawn at once, the
        rest in chunks between frames (a key press is answered with the first screenful; a newer ``fill`` abandons an
        older one). ``rows`` may be a generator: cells are built only when their row is added.
        """
        key = self.selected_key
        position = self.cursor_row
        self._fill_token += 1
        token = self._fill_token
        self.clear()
        it = itertools.islice(rows, MAX_ROWS)
        done = self._add(it, FIRST_ROWS)
        self._place_cursor(key, position, final=done)
        if not done:
            self.set_timer(CHUNK_DELAY_S, lambda: self._more(token, it, key, position))

    def _add(self, it, n: int) -> bool:
        """Add up to ``n`` rows from ``it``; True when ``it`` is exhausted."""
        add_row = self.add_row
        for _ in range(n):
            try:
                row_key, cells = next(it)
            except StopIteration:
                return True
            add_row(*map(_cell, cells), key=row_key)
        return False

    def _more(self, token: int, it, key: str | None, position: int) -> None:
        if token != self._fill_token:  # a newer fill replaced these rows
            return
        placed = key is not None and key == self.selected_key
        done = self._add(it, CHUNK_ROWS)
        if not placed:
            self._place_cursor(key, position, final=done)
        if not done:
            self.set_timer(CHUNK_DELAY_S, lambda: self._more(token, it, key, position))

    def _place_cursor(self, key: str | None, position: int, *, final: bool) -> None:
        if not self.row_count:
            return
        if key is not None and key in self.rows:
            self.move_cursor(row=self.get_row_index(key), animate=False, scroll=True)
        elif final or position < self.row_count:
            self.move_cursor(row=min(position, self.row_count - 1), animate=False, scroll=True)

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None."""
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row ``key``; False when there is no such row."""
        if key not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(key), animate=False, scroll=True)
        return True

    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)
