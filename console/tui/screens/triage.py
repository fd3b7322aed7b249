"""Triage: the root cause, the blast radius, what changed, recent runs and the commands to rerun.

The same content as ``console triage``, from the same code (:mod:`console.triage`; the body is
:mod:`console.triage.text`'s renderables, SQL diffs syntax-highlighted). Without a node the
screen triages the latest run (the app opens here when that run failed); ``t`` on any node of
any screen triages that node.

Above the body, a list of the nodes the triage names (root causes, failures, the blast
radius): enter triages the highlighted one, ``l`` shows it in the Lineage, ``escape`` goes back
to the node triaged before (and at last to the latest run), ``r`` returns to the latest run.

The triage itself runs in a worker: it reads the extra tables (last mile, query log, warehouse
relations) once per load, in a short shared-lock visit, and walks the graph off the UI thread.
Code is not kept: when a node has changed since its last green run, the worker reads the code
history, computes the diff, and lets the code go. The worker also builds what the screen shows
(the body's renderables, the list's labels, the title), so a result lands on the UI thread as
a few widget updates.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from console.textsafe import clean
from console.tui.messages import ShowNode
from console.tui.screens.base import ConsoleScreen
from console.tui.state import AppData
from console.tui.widgets.text_view import TextView

#: How many blast-radius models the node list names (the body counts them all).
LIST_MODELS = 40


def _item(level: str, role: str, name: str, kind: str) -> Text:
    from console.triage.text import LEVEL_STYLE

    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{level.upper():5} ", style=LEVEL_STYLE.get(level, "dim"))
    out.append(f"{role:10} ", style="dim")
    out.append(clean(name, keep_lines=False), style="bold" if role in ("root cause", "node") else "")
    out.append(f"  {kind}", style="dim")
    return out


def node_items(result) -> list[tuple[str, Text]]:
    """(unique_id, label) of the nodes a node's triage names, in reading order."""
    items = [(result.node.unique_id, _item(result.level, "node", result.node.name, result.node.resource_type))]
    items += [(c.node.unique_id, _item(c.level, "root cause", c.node.name, c.node.resource_type)) for c in result.root_causes]
    items += [(c.node.unique_id, _item(c.level, "symptom", c.node.name, c.node.resource_type)) for c in result.symptoms]
    items += [(e.node.unique_id, _item("", "exposure", e.node.name, f"{e.type} · {e.critical}")) for e in result.blast_radius.exposures]
    items += [(m.node.unique_id, _item("", "downstream", m.node.name, f"{m.node.layer or m.type} · {m.critical}"))
              for m in result.blast_radius.models[:LIST_MODELS]]
    return items


def run_items(result) -> list[tuple[str, Text]]:
    """(unique_id, label) of the root causes and failures of a run's triage."""
    items = []
    for g in result.groups:
        items.append((g.root.node.unique_id, _item(g.level, "root cause", g.root.node.name, g.root.node.resource_type)))
        for f in g.failures:
            if f.node.unique_id != g.root.node.unique_id:
                items.append((f.node.unique_id, _item(f.status.level, "  failing", f.node.name, f.node.resource_type)))
    return items


#: What the screen shows of one triage: the title, the body, the listed nodes' ids and their options.
Shown = tuple[Text, Group, list[tuple[str, Text]], list[Option]]


def shown_triage(subject: str | None, result) -> Shown:
    """What the screen shows of a triage (``subject`` None: the latest run's), built off the UI thread."""
    from console.triage.text import node_renderables, run_renderables

    if subject is None:
        body = run_renderables(result, limit=100)
        items = run_items(result)
        title = Text.assemble(("Latest run", "bold"), "  ·  enter triages a node · l shows it in the lineage", style="")
    else:
        body = node_renderables(result, limit=100)
        items = node_items(result)
        title = Text.assemble(("Node ", "bold"), (clean(result.node.name, keep_lines=False), "bold"),
                              "  ·  escape: back · r: latest run")
    return title, Group(*body), items, [Option(label, id=f"{i}:{uid}") for i, (uid, label) in enumerate(items)]


class TriageScreen(ConsoleScreen):
    """The triage of a node or of the latest run (see the module docstring)."""

    TITLE_TEXT = "Triage"
    AUTO_FOCUS = "#tr-nodes"
    BINDINGS = [
        Binding("enter", "triage_selected", "Triage it", show=False),
        Binding("escape", "back", "Back"),
        Binding("r", "latest_run", "Latest run"),
        Binding("l", "lineage", "Lineage"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("space,ctrl+d,pagedown", "page_down", "Scroll", key_display="space"),
        Binding("b,ctrl+u,pageup", "page_up", "Scroll up", show=False),
        Binding("g", "top", "Top", show=False),
        Binding("G", "bottom", "Bottom", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.subject: str | None = None  # the node triaged; None: the latest run
        self.history: list[str | None] = []
        self.result = None
        self._triage = None
        self._generation = -1
        self._items: list[str] = []
        self._listed: object = ()  # the subject the node list shows (() before the first)

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="tr-title")
        yield OptionList(id="tr-nodes")
        yield TextView(id="tr-body")

    def on_mount(self) -> None:
        self.query_one("#tr-nodes", OptionList).focus()
        super().on_mount()

    # -- data -------------------------------------------------------------------------------
    def render_data(self, data: AppData) -> None:
        if not data.has_store:
            self.query_one("#tr-title", Static).update(Text("Nothing to triage yet: the store is empty.", style="italic"))
            return
        self.compute(data, self.subject)

    @work(thread=True, exclusive=True, exit_on_error=False, group="triage")
    def compute(self, data: AppData, subject: str | None) -> None:
        """Triage ``subject`` (None: the latest run) off the UI thread, then show it."""
        from console.triage import Triage

        worker = get_current_worker()
        if self._triage is None or self._generation != data.generation:
            self._triage = Triage(data.ctx, data.findings, data.extras())
            self._triage.signals = data.signals()  # the load's one copy of each, shared with the Lineage (as Triage builds them)
            self._triage.readers = data.readers()
            self._generation = data.generation
        triage = self._triage
        if subject is not None and subject not in triage.signals.refs:
            subject = None
        result = triage.node(subject) if subject is not None else triage.run()
        shown = shown_triage(subject, result)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, subject, result, shown)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "triage":
            self.app.show_failure("Could not triage this node.", event.worker.error)

    def _show(self, subject: str | None, result, shown: Shown) -> None:
        self.subject, self.result = subject, result
        title, body, items, options_list = shown
        self.query_one("#tr-title", Static).update(title)
        self.query_one("#tr-body", TextView).update(body)
        options = self.query_one("#tr-nodes", OptionList)
        keep = self.selected_node() if subject == self._listed else None  # a refresh keeps the cursor; a new triage starts at the top
        self._listed = subject
        options.clear_options()
        options.add_options(options_list)
        self._items = [uid for uid, _ in items]
        if self._items:
            options.highlighted = self._items.index(keep) if keep in self._items else 0

    # -- the node list ------------------------------------------------------------------------
    def selected_node(self) -> str | None:
        options = self.query_one("#tr-nodes", OptionList)
        i = options.highlighted
        return self._items[i] if i is not None and 0 <= i < len(self._items) else None

    def focus_node(self, unique_id: str) -> None:
        """Triage ``unique_id`` (the app's ``t`` from any screen)."""
        self._open(unique_id)

    def _open(self, subject: str | None, remember: bool = True) -> None:
        if remember and subject != self.subject:
            self.history.append(self.subject)
        self.subject = subject
        if self.data is not None and self.data.has_store:
            self.compute(self.data, subject)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_triage_selected()

    def action_triage_selected(self) -> None:
        node = self.selected_node()
        if node is not None and node != self.subject:
            self._open(node)

    def action_back(self) -> None:
        if self.history:
            self._open(self.history.pop(), remember=False)
        elif self.subject is not None:
            self._open(None, remember=False)

    def action_latest_run(self) -> None:
        if self.subject is not None:
            self._open(None)

    def action_lineage(self) -> None:
        node = self.selected_node()
        if node is not None:
            self.post_message(ShowNode(node, "lineage"))

    def action_cursor_down(self) -> None:
        self.query_one("#tr-nodes", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#tr-nodes", OptionList).action_cursor_up()

    # -- the body -----------------------------------------------------------------------------
    def action_page_down(self) -> None:
        self.query_one("#tr-body", TextView).scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.query_one("#tr-body", TextView).scroll_page_up(animate=False)

    def action_top(self) -> None:
        self.query_one("#tr-body", TextView).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#tr-body", TextView).scroll_end(animate=False)
