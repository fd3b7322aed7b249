"""Layerinitis: business logic living outside dbt, ranked, with where it belongs.

The same ranking as ``console hotspots`` (:mod:`console.layerinitis`): the last-mile items with
business logic, the business rules implemented in several places, and the dbt nodes the last
mile rests on. ``f`` cycles items / rules / nodes, ``/`` filters by name, tool or expression; the
pane below shows the whole of the row under the cursor (where, logic, why it ranks, where it
belongs; every place of a rule). Enter opens the dbt node in Lineage (a node hotspot itself; an
item's home or the first node it reads); ``t`` opens Triage on it.

The ranking comes computed with the load (the load's process computes it,
:mod:`console.tui.load_process`, with :mod:`console.tui.hotspots_view`); otherwise a worker
computes it off the UI thread, and the table shows "ranking..." until it arrives. The worker keeps only what the screen shows and the node each item row opens: what the
ranking caches on the load's context (the last mile's items with their parsed expressions, the
rule index, node rows as dicts) is dropped once it is done (at 10k nodes about 60 MiB of Python
objects an open app held for nothing, measured with tracemalloc; whoever needs them again
rebuilds them). The ranking is computed once per load (:func:`ranked_view`, memoised on the
load), and the frames only it reads (:data:`RANKING_TABLES`: the last mile's rows and the
logic facts with their expressions as JSON, about 10 MiB of the frames at 10k nodes) are
emptied in place once it is done; the Triage reads its own narrow copy of them
(``console.triage.extras``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, Static

from console.tui.digest import SearchIndex
from console.tui.hotspots_view import VIEWS, ranked_view
from console.tui.messages import ShowNode, WorkFailed
from console.tui.screens.base import ConsoleScreen
from console.tui.state import AppData
from console.tui.widgets.filtered_table import FilteredTableKeys
from console.tui.widgets.virtual_table import VirtualTable

_TITLES = {"items": "last-mile items", "rules": "rules in several places", "nodes": "dbt nodes"}


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def row_cells(view: str, n: int, entry: Any) -> tuple:
    """The table cells of one row: rank, score (places for a rule), what, tools, where it belongs."""
    if view == "rules":
        places = "; ".join(p.label for p in entry.places)
        return (str(n), str(len(entry.places)), f"`{entry.key}`", ", ".join(entry.tools), places)
    return (str(n), f"{entry.score:.1f}", entry.label, ", ".join(entry.tools), entry.belongs)


def detail_text(view: str, entry: Any) -> Text:
    """The whole of a row: every line of the hotspot, or every place of the rule."""
    out = Text()
    if view == "rules":
        out.append(f"`{entry.key}`", style="bold")
        out.append(f" in {len(entry.places)} places ({', '.join(entry.tools)})")
        for place in entry.places:
            out.append("\n  - " + place.described)
        return out
    out.append(entry.label, style="bold")
    out.append(f"  score {entry.score:.1f}")
    where = f"{entry.path}:{entry.line}" if entry.path and entry.line else (entry.path or entry.id)
    out.append(f"\nwhere    {where}")
    for e in entry.expressions[:6]:
        out.append(f"\nlogic    `{e['sql']}` at {e['path']}:{e['line']}")
    for reason in entry.reasons:
        out.append(f"\nwhy      {reason}")
    out.append("\nbelongs  ")
    out.append(entry.belongs, style="green")
    return out


class LayerinitisScreen(FilteredTableKeys, ConsoleScreen):
    """Hotspots and duplicated rules (see the module docstring)."""

    TITLE_TEXT = "Layerinitis"
    FILTER = "#ly-filter"
    TABLE = "#ly-table"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("f", "cycle_view", "Items/rules/nodes"),
        Binding("enter", "lineage", "Lineage", show=False),
        Binding("escape", "escape", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "items"
        self.ranked: dict[str, Any] | None = None
        self._indexes: dict[str, SearchIndex] = {}
        self._ranked_for = -1
        self._rows: list[tuple[int, Any]] = []  # (rank, entry) as listed
        self._reads: dict[str, str] = {}  # item id -> the first node it reads (first_reads)

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter by name, tool or expression", id="ly-filter", classes="filter-line")
        yield Static(id="ly-count", classes="count-line")
        yield VirtualTable(("#", 3), ("score", 6), ("what", 48), ("tools", 10), ("belongs", 70), id="ly-table")
        yield Static(id="ly-detail", classes="detail-line")

    def on_mount(self) -> None:
        self.query_one("#ly-table").focus()

    def render_data(self, data: AppData) -> None:
        if self._ranked_for != data.generation:
            self.set_line("#ly-count", Text("ranking the last mile...", style="italic"))
            self._rank(data)
        else:
            self.refilter()

    @work(thread=True, exclusive=True, exit_on_error=False, group="layerinitis")
    def _rank(self, data: AppData) -> None:
        try:
            result, indexes, reads = ranked_view(data)
        except Exception as e:  # every failure reaches a person, through the app's one place
            self.app.post_message(WorkFailed("Could not rank the layerinitis hotspots.", e))
            return
        self.app.call_from_thread(self._ranked, data.generation, result, indexes, reads)

    def _ranked(self, generation: int, result: dict[str, Any], indexes: dict[str, SearchIndex], reads: dict[str, str]) -> None:
        if self.data is not None and generation != self.data.generation:
            return  # a newer load is being ranked
        self.ranked, self._indexes, self._ranked_for, self._reads = result, indexes, generation, reads
        self.refilter()

    def refilter(self) -> None:
        """Show the view's rows that hold every word of the filter line."""
        if self.data is None or self.ranked is None:
            return
        entries, index = self.ranked[self.view], self._indexes[self.view]
        kept = index.matching(self.filter_words())
        rows = self._rows = [(i + 1, entries[i]) for i in kept]
        view = self.view
        self.query_one("#ly-table", VirtualTable).show_rows(index.keys_of(kept), lambda j: row_cells(view, *rows[j]))
        counts = " · ".join(f"{len(self.ranked[v])} {_TITLES[v]}" for v in VIEWS)
        text = Text(f"{counts} · showing {_TITLES[self.view]}")
        if not self.ranked["items"] and not self.ranked["rules"]:
            text = Text(" · ").join([text, Text("no last-mile business logic collected (see [lastmile] paths)", style="italic")])
        self.set_line("#ly-count", text)
        self._detail()

    def _entry(self) -> Any:
        table = self.query_one("#ly-table", VirtualTable)
        return self._rows[table.cursor_row][1] if table.selected_key is not None else None

    def _detail(self) -> None:
        entry = self._entry()
        self.query_one("#ly-detail", Static).update(detail_text(self.view, entry) if entry is not None else Text())

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self._detail()

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        self.action_lineage()

    def selected_node(self) -> str | None:
        """The dbt node of the row: a node hotspot itself, an item's home or first node read,
        a rule's first dbt model."""
        entry = self._entry()
        if entry is None:
            return None
        if self.view == "rules":
            return next((p.subject_id for p in entry.places if p.subject_type == "model"), None)
        if entry.kind == "node":
            return entry.id
        return entry.home_node or self._reads.get(entry.id)

    def action_cycle_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.refilter()

    def action_lineage(self) -> None:
        node = self.selected_node()
        if node:
            self.post_message(ShowNode(node, screen="lineage"))
        else:
            self.notify("No dbt node for this row.", severity="warning")

    def focus_node(self, unique_id: str) -> None:
        """Put the cursor on a node hotspot, or on the first item that rests on the node."""
        def find() -> None:
            table = self.query_one("#ly-table", VirtualTable)
            for view in ("nodes", "items"):
                self.view = view
                self.refilter()
                if table.select_key(unique_id):
                    return
                for j, (_, entry) in enumerate(self._rows):
                    if view == "items" and entry.home_node == unique_id:
                        table.move_cursor(j)
                        return
            self.view = "items"
            self.refilter()

        self.query_one("#ly-filter", Input).value = ""
        if self.ranked is not None:
            find()
        self.query_one("#ly-table").focus()
