"""Runs: invocations over time, what each built and what failed; nodes' history, flaky and slowing.

Two views, ``n`` switches: *Runs* lists every stored invocation that built or tested nodes
(newest first, with its duration and counts by status) above the results of the selected run
(failures first); *Nodes* lists every node's status and duration history, nodes the flaky-test
and duration-regression rules flagged first. ``/`` filters by name; enter on a node opens it in
Lineage.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static

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


class RunsScreen(FilteredTableKeys, ConsoleScreen):
    """Run history (see the module docstring)."""

    TITLE_TEXT = "Runs"
    FILTER = "#rn-filter"
    EARLY = True
    BINDINGS = [
        Binding("n", "toggle_view", "Runs/nodes"),
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("tab", "focus_next_table", "Next table", show=False),
        Binding("escape", "escape", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, digest.RunInfo] = {}
        self._results_for: tuple[int, str | None, tuple[str, ...]] | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ filter nodes by name", id="rn-filter", classes="filter-line")
        yield Static(id="rn-count", classes="count-line")
        with ContentSwitcher(initial="rn-runs-view", id="rn-switcher"):
            with Vertical(id="rn-runs-view"):
                yield VirtualTable(("when", 16), ("command", 8), ("status", 6), ("took", 6), "results", id="rn-runs")
                yield VirtualTable(("status", 8), ("node", 30), ("took", 6), "message", id="rn-results")
            with Vertical(id="rn-nodes-view"):
                yield VirtualTable(("node", 28), ("kind", 5), ("status", 10), ("duration", 10), ("mean", 6), "flags", id="rn-nodes")

    def on_mount(self) -> None:
        self.query_one("#rn-runs").border_title = "Runs"
        self.query_one("#rn-results").border_title = "Results of the selected run"
        self.query_one("#rn-runs").focus()

    @property
    def view(self) -> str:
        return "nodes" if self.query_one("#rn-switcher", ContentSwitcher).current == "rn-nodes-view" else "runs"

    def render_data(self, data: AppData) -> None:
        runs = digest.run_rows(data)
        self._runs = {r.invocation_id: r for r in runs}
        self.query_one("#rn-runs", VirtualTable).show_rows([r.invocation_id for r in runs], lambda j: run_cells(runs[j]))
        self._fill_results()
        self._fill_nodes()

    @property
    def TABLE(self) -> str:  # noqa: N802 (the filter's table: the view's)
        return "#rn-nodes" if self.view == "nodes" else "#rn-runs"

    def refilter(self) -> None:
        self._fill_results()
        self._fill_nodes()

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
        table.show_rows([index.keys[i] for i in kept], lambda j: result_cells(every[kept[j]]))
        run = self._runs.get(inv)
        if run is not None:
            when = run.generated_at.strftime("%Y-%m-%d %H:%M") if run.generated_at else ""
            table.border_title = f"dbt {run.command} {when}: {len(kept)} results, {run.failed} failed"
        self._count()

    def _fill_nodes(self) -> None:
        data = self.data
        if data is None or not data.evaluated:  # the flags come with the findings
            return
        every = digest.node_runs(data)
        index = digest.node_runs_index(data)
        kept = index.matching(self.filter_words())
        self.query_one("#rn-nodes", VirtualTable).show_rows([index.keys[i] for i in kept], lambda j: node_cells(every[kept[j]]))
        self._count()

    def _count(self) -> None:
        data = self.data
        if data is None:
            return
        runs = len(self._runs)
        if data.evaluated:
            nodes = digest.node_runs(data)
            flags = f"{sum(r.flaky for r in nodes)} flaky · {sum(r.slowing for r in nodes)} slowing"
        else:
            flags = "evaluating the rules…"
        text = Text(f"{runs} runs stored · {flags} · view: {self.view} (n switches)")
        if not runs:
            text = Text(next((m for m in data.missing if "run" in m), "No runs collected yet."), style="italic")
        self.set_line("#rn-count", text)

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

    def _focus_view(self) -> None:
        self.focus_table()

    def selected_node(self) -> str | None:
        if self.view == "nodes":
            return self.query_one("#rn-nodes", VirtualTable).selected_key
        results = self.query_one("#rn-results", VirtualTable)
        return results.selected_key if results.has_focus or self.focused is None or self.focused.id != "rn-runs" else None

    def action_toggle_view(self) -> None:
        switcher = self.query_one("#rn-switcher", ContentSwitcher)
        switcher.current = "rn-runs-view" if self.view == "nodes" else "rn-nodes-view"
        self._focus_view()
        self._count()

    def action_focus_next_table(self) -> None:
        if self.view == "runs":
            runs = self.query_one("#rn-runs")
            (self.query_one("#rn-results") if runs.has_focus else runs).focus()

    def action_escape(self) -> None:
        box = self.query_one("#rn-filter", Input)
        if box.has_focus:
            self._focus_view()
        elif box.value:
            box.value = ""
        elif self.query_one("#rn-results").has_focus:
            self.query_one("#rn-runs").focus()

    def focus_node(self, unique_id: str) -> None:
        switcher = self.query_one("#rn-switcher", ContentSwitcher)
        switcher.current = "rn-nodes-view"
        self.query_one("#rn-filter", Input).value = ""
        self._fill_nodes()
        table = self.query_one("#rn-nodes", VirtualTable)
        table.select_key(unique_id)
        table.focus()


def failed_in(data: AppData, invocation_id: str) -> list[str]:
    """unique_ids that errored or failed in one run."""
    res = data.ctx.results_of(invocation_id)
    return res.filter(pl.col("status").is_in(list(FAILED)))["unique_id"].to_list()
