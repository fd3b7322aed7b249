"""The filter line and table every list screen shares: ``/`` to filter, escape, enter.

A list screen (Checks, Freshness, Layerinitis, Runs) is a filter line (an ``Input`` of class
``filter-line``), a count line and a :class:`~console.tui.widgets.virtual_table.VirtualTable`.
:class:`FilteredTableKeys` gives it the keys they share: ``/`` focuses the filter, enter in
the filter goes back to the table, escape leaves the filter (a second escape clears it), and
every change of the filter calls the screen's ``refilter()``.

Filtering is meant to be cheap enough to run on every key press, so there is no debounce (a
debounce would only add its delay to each key): the rows' lower-cased search texts are built
once per load in the loading worker (:class:`console.tui.digest.SearchIndex`), a key press
scans them (narrowing from the previous matches while the person types on), and the table
draws only the rows on screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input, Static


class FilteredTableKeys:
    """Mixin for a screen with one filter line (``FILTER``) over a table (``TABLE``), CSS ids."""

    FILTER = ""
    TABLE = ""

    def filter_box(self) -> Input:
        return self.query_one(self.FILTER, Input)  # type: ignore[attr-defined]

    def filter_words(self) -> list[str]:
        """The filter line's words, lower-cased."""
        return self.filter_box().value.lower().split()

    def focus_table(self) -> None:
        self.query_one(self.TABLE).focus()  # type: ignore[attr-defined]

    def set_line(self, selector: str, text: Text) -> None:
        """Update a one-line Static of fixed size (a count line) without a layout pass, and only
        when its text changed: a screen's layout costs more than the rest of a key press."""
        line = self.query_one(selector, Static)  # type: ignore[attr-defined]
        if line.content != text:
            line.update(text, layout=False)

    def refilter(self) -> None:
        """Apply the filter line to the table (a subclass implements it)."""
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_table()

    def action_focus_filter(self) -> None:
        self.filter_box().focus()

    def action_escape(self) -> None:
        box = self.filter_box()
        if box.has_focus:
            self.focus_table()
        elif box.value:
            box.value = ""
