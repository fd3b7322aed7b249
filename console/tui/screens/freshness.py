"""Freshness: every source and built model with its age, its SLA, its status and a trend.

Sources come first, stalest first: age since the latest loaded row at the last ``dbt source
freshness``, against their ``warn_after`` / ``error_after``; the trend is the age at each stored
check. Models follow: age since their last successful build, against ``meta.sla`` when they
declare one; the trend is their status in each stored run. ``f`` cycles sources / models / all,
``/`` filters by name, enter opens the node in Lineage.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, Static

from console.tui import digest
from console.tui.messages import ShowNode
from console.tui.screens.base import ConsoleScreen
from console.tui.state import AppData
from console.tui.widgets.filtered_table import FilteredTableKeys
from console.tui.widgets.virtual_table import VirtualTable
from console.tui.widgets.style import bar, history_text, status_text

KINDS = ("all", "source", "model")


def row_cells(row: digest.FreshnessRow) -> tuple:
    """The table cells of one row: name, kind, age, SLA, status, trend."""
    trend = bar(row.trend, width=12, top=row.limit_hours) if row.kind == "source" else history_text(row.trend, width=12)
    return (row.name, row.kind, row.age_text, row.sla or "—", status_text(row.status), trend)


class FreshnessScreen(FilteredTableKeys, ConsoleScreen):
    """Sources and models by age against their SLA (see the module docstring)."""

    TITLE_TEXT = "Freshness"
    FILTER = "#fr-filter"
    TABLE = "#fr-table"
    EARLY = True
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("f", "cycle_kind", "Sources/models"),
        Binding("enter", "lineage", "Lineage", show=False),
        Binding("escape", "escape", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind = "all"
        self._rows: list[digest.FreshnessRow] = []  # as listed
        self._detail_for: tuple | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter by name", id="fr-filter", classes="filter-line")
        yield Static(id="fr-count", classes="count-line")
        yield VirtualTable(("node", 24), ("kind", 6), ("age", 6), ("SLA", 11), ("status", 7), ("trend", 12), id="fr-table")
        yield Static(id="fr-detail", classes="detail-line")

    def on_mount(self) -> None:
        self.query_one("#fr-table").focus()

    def render_data(self, data: AppData) -> None:
        self.refilter()

    def refilter(self) -> None:
        """Apply the kind and the filter line's words (over the precomputed names)."""
        data = self.data
        if data is None:
            return
        every = digest.freshness_rows(data)
        among = None
        if self.kind != "all":
            source = self.kind == "source"
            among = [i for i, r in enumerate(every) if (r.kind == "source") == source]
        index = digest.freshness_index(data)
        kept = index.matching(self.filter_words(), among, among_key=self.kind)
        rows = self._rows = every if len(kept) == len(every) else [every[i] for i in kept]  # (all of them: the list itself)
        self.query_one("#fr-table", VirtualTable).show_rows(index.keys_of(kept), lambda j: row_cells(rows[j]))
        sources = [r for r in rows if r.kind == "source"]
        stale = sum(r.status in ("warn", "error", "runtime error") for r in sources)
        late = sum(r.status in ("late", "never built") for r in rows if r.kind != "source")
        text = Text(f"{len(sources)} sources ({stale} stale) · {len(rows) - len(sources)} models ({late} late) · showing {self.kind}")
        if not data.ctx.freshness_runs.height:
            text = Text(" · ").join([text, Text("no freshness checks collected yet", style="italic")])
        self.set_line("#fr-count", text)
        self._detail()

    def _detail(self) -> None:
        table = self.query_one("#fr-table", VirtualTable)
        row = self._rows[table.cursor_row] if table.selected_key is not None else None
        if (id(self.data), row) == self._detail_for:  # the same row: nothing to redraw
            return
        self._detail_for = (id(self.data), row)
        out = Text()
        if row is not None:
            out.append(row.name, style="bold")
            out.append(f" ({row.kind}) · {row.status} · age {row.age_text}")
            if row.sla:
                out.append(f" · SLA {row.sla}")
            if row.kind == "source" and row.trend:
                out.append("\nage at each check (hours, oldest first): " + ", ".join(f"{v:g}" for v in row.trend[-12:]))
            elif row.trend:
                out.append("\nstatus in each run (oldest first): " + ", ".join(row.trend[-10:]))
        self.query_one("#fr-detail", Static).update(out)

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self._detail()

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        self.action_lineage()

    def selected_node(self) -> str | None:
        return self.query_one("#fr-table", VirtualTable).selected_key

    def action_cycle_kind(self) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + 1) % len(KINDS)]
        self.refilter()

    def action_lineage(self) -> None:
        node = self.selected_node()
        if node:
            self.post_message(ShowNode(node, screen="lineage"))

    def focus_node(self, unique_id: str) -> None:
        table = self.query_one("#fr-table", VirtualTable)
        if not table.select_key(unique_id):
            self.kind = "all"
            self.query_one("#fr-filter", Input).value = ""
            self.refilter()
            table.select_key(unique_id)
        table.focus()
