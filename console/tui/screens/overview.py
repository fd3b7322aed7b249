"""Overview: health at a glance.

The latest run (when, status, duration against the usual), counts by layer, sparklines of run
duration and failures across the stored history, and what needs attention: failing checks,
stale sources, the run rules' findings and the top layerinitis hotspots. Enter on a row opens
its finding in Checks; ``t`` opens Triage on its node.

The attention list is a :class:`~console.tui.widgets.virtual_table.VirtualTable`, like the
list screens': it holds the findings it lists and builds a row's cells when the row is on
screen (Textual's ``DataTable``, used here before, kept a rendered object per row and rendered
its rows again after every screen switch: 60 to 130 ms of CPU per visit at 10k nodes).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from console.tui import digest
from console.tui.messages import ShowNode
from console.tui.screens.base import ConsoleScreen
from console.tui.state import AppData
from console.tui.widgets.style import STYLES
from console.tui.widgets.virtual_table import VirtualTable
from rules._text import human_duration

#: Finding categories the attention list shows, in order, and how many hotspots at most.
ATTENTION = ("checks", "freshness", "runs")
TOP_HOTSPOTS = 3


def row_cells(data: AppData, f) -> tuple:
    """The table cells of one finding: severity, category, node, message."""
    return (Text(f.severity, style=STYLES.get(f.severity, "")), f.category, data.name(f.node), f.message)


def attention(data: AppData) -> list:
    """Findings that need a person now: checks, freshness and runs findings, then the top hotspots."""
    picked = [f for f in data.findings if f.category in ATTENTION]
    picked.sort(key=lambda f: (ATTENTION.index(f.category), f.severity != "error", f.rule, f.node or ""))
    picked += [f for f in data.findings if f.category == "layerinitis"][:TOP_HOTSPOTS]
    return picked


class OverviewScreen(ConsoleScreen):
    """Health at a glance (see the module docstring)."""

    TITLE_TEXT = "Overview"
    EARLY = True
    PARTIAL = True
    BINDINGS = [Binding("enter", "open_finding", "Open in Checks")]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list = []  # the findings listed, in order

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="ov-top"):
            yield Static(id="ov-run", classes="panel")
            yield Static(id="ov-layers", classes="panel")
        with Horizontal(id="ov-charts"):
            with Vertical(classes="panel", id="ov-duration-box"):
                yield Sparkline([], id="ov-duration")
            with Vertical(classes="panel", id="ov-failures-box"):
                yield Sparkline([], id="ov-failures")
        yield VirtualTable(("sev", 5), ("what", 9), ("node", 28), "finding", id="ov-attention")

    def on_mount(self) -> None:
        self.query_one("#ov-run").border_title = "Latest run"
        self.query_one("#ov-layers").border_title = "Project"
        self.query_one("#ov-duration-box").border_title = "Run duration"
        self.query_one("#ov-failures-box").border_title = "Failures per run"
        self.query_one("#ov-attention").border_title = "Needs attention"

    def render_data(self, data: AppData) -> None:
        ov = digest.overview(data)
        self._render_run(data, ov)
        self._render_layers(ov)
        self.query_one("#ov-duration", Sparkline).data = ov.elapsed_series or [0.0]
        self.query_one("#ov-failures", Sparkline).data = ov.failure_series or [0.0]
        table = self.query_one("#ov-attention", VirtualTable)
        if not data.evaluated and table.row_count:  # a refresh's frames: keep the list until its findings come
            return
        rows = self._rows = attention(data)
        table.show_rows([f.fingerprint for f in rows], lambda i: row_cells(data, rows[i]))
        table.border_title = f"Needs attention ({len(rows)})" if data.evaluated else "Needs attention (evaluating the rules…)"

    def _render_run(self, data: AppData, ov: digest.Overview) -> None:
        panel = self.query_one("#ov-run", Static)
        run = ov.latest
        panel.set_class(run is not None and run.status == "failed", "-bad")
        panel.set_class(run is not None and run.status == "warn", "-warn")
        panel.set_class(run is not None and run.status == "ok", "-good")
        if run is None:
            panel.update(Text(data.missing[0] if data.missing else "No runs collected yet.", style="italic"))
            return
        text = Text()
        when = run.generated_at.strftime("%Y-%m-%d %H:%M") if run.generated_at else "at an unknown time"
        text.append(f"dbt {run.command}", style="bold")
        text.append(f" · {when}\n")
        text.append(run.status.upper(), style=STYLES.get(run.status, ""))
        fails = run.failed
        text.append(f" · {fails} failed" if fails else " · nothing failed")
        if run.counts.get("warn"):
            text.append(f" · {run.counts['warn']} warned")
        if run.counts.get("skipped"):
            text.append(f" · {run.counts['skipped']} skipped")
        text.append("\n")
        if run.elapsed is not None:
            text.append(f"took {human_duration(run.elapsed)}")
            if ov.usual_elapsed:
                ratio = run.elapsed / ov.usual_elapsed
                text.append(f" · {ratio:.1f}× the usual {human_duration(ov.usual_elapsed)}", style="yellow" if ratio > 1.5 else "")
        stale = len(data.stale_sources)
        if stale:
            text.append(f"\n{stale} stale source{'s' if stale != 1 else ''}", style=STYLES["warn"])
        panel.update(text)

    def _render_layers(self, ov: digest.Overview) -> None:
        text = Text()
        for i, (layer, n) in enumerate(ov.layers.items()):
            text.append(f"{layer} ", style="bold")
            text.append(str(n))
            text.append("\n" if i % 2 else "   ")
        counts = ov.nodes
        text.append(f"\n{counts.get('test', 0)} tests", style="dim")
        self.query_one("#ov-layers", Static).update(text)

    def _finding(self):
        table = self.query_one("#ov-attention", VirtualTable)
        return self._rows[table.cursor_row] if table.selected_key is not None else None

    def selected_node(self) -> str | None:
        f = self._finding()
        return f.node if f is not None else None

    def action_open_finding(self) -> None:
        f = self._finding()
        if f is not None and f.node:
            self.post_message(ShowNode(f.node, screen="checks"))

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        self.action_open_finding()

    def focus_node(self, unique_id: str) -> None:
        table = self.query_one("#ov-attention", VirtualTable)
        for i, f in enumerate(self._rows):
            if f.node == unique_id:
                table.move_cursor(i)
                return
