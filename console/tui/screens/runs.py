"""Runs: invocations over time, what each built and what failed; nodes' history, flaky and slowing.

Two views, ``n`` switches: *Runs* (:class:`RunsScreen`, key ``5``) lists every stored
invocation that built or tested nodes (newest first, with its duration and counts by status)
above the results of the selected run (failures first); *Nodes* (:class:`RunNodesScreen`) lists
every node's status and duration history, nodes the flaky-test and duration-regression rules
flagged first. ``/`` filters by name (the filter goes along when the view switches); enter on a
node opens it in Lineage.

The two views are two screens of the app (the second a *view* of the first,
:attr:`~console.tui.screens.base.ConsoleScreen.VIEW_OF`; ``5`` shows whichever was shown last),
not two panes of one screen: both are built, laid out and drawn ahead, so ``n`` is a screen
switch (15 to 25 ms at 10k nodes). A pane switch (``ContentSwitcher``) made Textual lay out and
draw the whole screen on every press: 80 ms median, 116 ms worst at 10k nodes, over the
100 ms target.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Static

from console.tui import digest
from console.tui.messages import ShowNode
from console.tui.screens.base import ConsoleScreen
from console.tui.state import FAILED, AppData
from console.tui.widgets.filtered_table import FilteredTableKeys
from console.tui.widgets.virtual_table import VirtualTable
from console.tui.widgets.style import STYLES, bar, history_text, status_text

def run_cells(run: digest.RunInfo) -> tuple:
    when = run.generated_at.strftime("%Y-%m-%d %H:%M") if run.generated_at else "?"
    took = digest.short_duration(run.elapsed) if run.elapsed is not None else "?"
    counts = Text()
    for status in ("error", "fail", "warn", "skipped"):
        n = run.counts.get(status)
        if n:
            counts.append(f"{n} {status} ", style=STYLES.get(status, ""))
    ok = sum(n for s, n in run.counts.items() if s in ("success", "pass"))
    counts.append(f"{ok} ok", style="dim")
    return (when, run.command, status_text(run.status), took, counts)


def node_cells(row: digest.NodeRuns) -> tuple:
    flags = Text()
    if row.flaky:
        flags.append("flaky ", style=STYLES["warn"])
    if row.slowing:
        flags.append("slowing", style=STYLES["warn"])
    mean = row.mean_duration
    return (row.name, row.kind, history_text(row.statuses, 10), bar(row.durations, 10), f"{mean:.2f}s" if mean is not None else "", flags)


def result_cells(row: tuple) -> tuple:
    _, name, _, status, took, message = row
    return (status_text(status), name, f"{took:.2f}s" if took is not None else "", " ".join((message or "").split()))


class _RunsView(FilteredTableKeys, ConsoleScreen):
    """What the two views share: the filter line, the count line, ``n``, escape."""

    TITLE_TEXT = "Runs"
    FILTER = "#rn-filter"
    EARLY = True
    #: This view's name in the count line, and the app's name of the other view's screen.
    VIEW = ""
    OTHER = ""
    BINDINGS = [
        Binding("n", "toggle_view", "Runs/nodes"),
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("escape", "escape", "Back", show=False),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter nodes by name", id="rn-filter", classes="filter-line")
        yield Static(id="rn-count", classes="count-line")
        yield from self.compose_view()

    def compose_view(self) -> Iterable[Widget]:
        return ()

    @property
    def view(self) -> str:
        return self.VIEW

    def _count(self) -> None:
        data = self.data
        if data is None:
            return
        runs = len(digest.run_rows(data))
        if data.evaluated:
            nodes = digest.node_runs(data)
            flags = f"{sum(r.flaky for r in nodes)} flaky · {sum(r.slowing for r in nodes)} slowing"
        else:
            flags = "evaluating the rules…"
        text = Text(f"{runs} runs stored · {flags} · view: {self.VIEW} (n switches)")
        if not runs:
            text = Text(next((m for m in data.missing if "run" in m), "No runs collected yet."), style="italic")
        self.set_line("#rn-count", text)

    def action_toggle_view(self) -> None:
        """Show the other view, with this view's filter."""
        other = self.app.get_screen(self.OTHER)
        words = self.filter_box().value
        if other.is_mounted and other.filter_box().value != words:
            other.filter_box().value = words
        self.app.show_view(self.OTHER)


class RunsScreen(_RunsView):
    """The runs and the results of the selected run (see the module docstring)."""

    VIEW = "runs"
    OTHER = "runs-nodes"
    TABLE = "#rn-runs"
    BINDINGS = [
        *_RunsView.BINDINGS,
        Binding("tab", "focus_next_table", "Next table", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, digest.RunInfo] = {}
        self._results_for: tuple[int, str | None, tuple[str, ...]] | None = None

    def compose_view(self) -> Iterable[Widget]:
        with Vertical(id="rn-runs-view"):
            yield VirtualTable(("when", 16), ("command", 8), ("status", 6), ("took", 6), "results", id="rn-runs")
            yield VirtualTable(("status", 8), ("node", 30), ("took", 6), "message", id="rn-results")

    def on_mount(self) -> None:
        self.query_one("#rn-runs").border_title = "Runs"
        self.query_one("#rn-results").border_title = "Results of the selected run"
        self.query_one("#rn-runs").focus()

    def render_data(self, data: AppData) -> None:
        runs = digest.run_rows(data)
        self._runs = {r.invocation_id: r for r in runs}
        self.query_one("#rn-runs", VirtualTable).show_rows([r.invocation_id for r in runs], lambda j: run_cells(runs[j]))
        self._fill_results()

    def refilter(self) -> None:
        self._fill_results()

    def _fill_results(self) -> None:
        data = self.data
        table = self.query_one("#rn-results", VirtualTable)
        inv = self.query_one("#rn-runs", VirtualTable).selected_key
        if data is None or inv is None:
            table.show_rows([], lambda j: ())
            self._count()
            return
        words = tuple(self.filter_words())
        if self._results_for == (data.generation, inv, words):  # the same run and filter
            return
        self._results_for = (data.generation, inv, words)
        every, index = digest.run_results(data, inv)
        kept = index.matching(words)
        table.show_rows(index.keys_of(kept), lambda j: result_cells(every[kept[j]]))
        run = self._runs.get(inv)
        if run is not None:
            when = run.generated_at.strftime("%Y-%m-%d %H:%M") if run.generated_at else ""
            table.border_title = f"dbt {run.command} {when}: {len(kept)} results, {run.failed} failed"
        self._count()

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        if event.table.id == "rn-runs":
            self._fill_results()

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        if event.table.id == "rn-runs":
            self.query_one("#rn-results").focus()
            return
        node = self.selected_node()
        if node:
            self.post_message(ShowNode(node, screen="lineage"))

    def selected_node(self) -> str | None:
        results = self.query_one("#rn-results", VirtualTable)
        return results.selected_key if results.has_focus or self.focused is None or self.focused.id != "rn-runs" else None

    def action_focus_next_table(self) -> None:
        runs = self.query_one("#rn-runs")
        (self.query_one("#rn-results") if runs.has_focus else runs).focus()

    def action_escape(self) -> None:
        box = self.filter_box()
        if box.has_focus:
            self.focus_table()
        elif box.value:
            box.value = ""
        elif self.query_one("#rn-results").has_focus:
            self.query_one("#rn-runs").focus()

    def focus_node(self, unique_id: str) -> None:
        """A node's runs are in the Nodes view: show it there."""
        self.app.open_node(unique_id, self.OTHER)


class RunNodesScreen(_RunsView):
    """Every node's status and duration history (see the module docstring)."""

    TITLE_TEXT = "Runs: Nodes"
    VIEW_OF = "runs"
    VIEW = "nodes"
    OTHER = "runs"
    TABLE = "#rn-nodes"

    def compose_view(self) -> Iterable[Widget]:
        yield VirtualTable(("node", 28), ("kind", 5), ("status", 10), ("duration", 10), ("mean", 6), "flags", id="rn-nodes")

    def on_mount(self) -> None:
        self.query_one("#rn-nodes").focus()

    def render_data(self, data: AppData) -> None:
        self._fill_nodes()

    def refilter(self) -> None:
        self._fill_nodes()

    def _fill_nodes(self) -> None:
        data = self.data
        self._count()
        if data is None or not data.evaluated:  # the flags come with the findings
            return
        every = digest.node_runs(data)
        index = digest.node_runs_index(data)
        kept = index.matching(self.filter_words())
        self.query_one("#rn-nodes", VirtualTable).show_rows(index.keys_of(kept), lambda j: node_cells(every[kept[j]]))

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        node = self.selected_node()
        if node:
            self.post_message(ShowNode(node, screen="lineage"))

    def selected_node(self) -> str | None:
        return self.query_one("#rn-nodes", VirtualTable).selected_key

    def focus_node(self, unique_id: str) -> None:
        self.filter_box().value = ""
        self._fill_nodes()
        table = self.query_one("#rn-nodes", VirtualTable)
        table.select_key(unique_id)
        table.focus()


def failed_in(data: AppData, invocation_id: str) -> list[str]:
    """unique_ids that errored or failed in one run."""
    res = data.ctx.results_of(invocation_id)
    return res.filter(pl.col("status").is_in(list(FAILED)))["unique_id"].to_list()
