"""Lineage: any node's upstream and downstream, in columns by layer, walked with the keyboard.

``/`` searches every node by name (rapidfuzz; enter centres on the pick). The columns go
sources, staging, intermediate, marts, exports, then exposures, last-mile items and query-log
readers; each node is coloured by its latest result, its tests and its freshness. Arrows or
h/j/k/l move, enter recentres on the node under the cursor, escape goes back to the node
before, ``+``/``-`` change how many levels deep, ``w`` shows the whole project (counts per
layer and the widest fan-outs; enter centres on one). ``t`` triages the node under the cursor.

Only the neighbourhood is drawn (see :mod:`console.tui.lineage_layout`); the per-load index
(names, levels, last-mile and query-log readers) is built in a worker.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from console.textsafe import clean
from console.tui.lineage_layout import LineageIndex, neighbourhood
from console.tui.screens.base import ConsoleScreen
from console.tui.state import AppData
from console.tui.widgets.lineage_view import LEVEL_STYLE, LineageView

DEPTHS = (1, 2, 3, 4, 6, 9)
SEARCH_LIMIT = 30


def search(index: LineageIndex, text: str, limit: int = SEARCH_LIMIT) -> list[str]:
    """unique_ids whose names match ``text`` best (rapidfuzz WRatio), best first."""
    from rapidfuzz import fuzz, process, utils

    query = utils.default_process(text)
    if not query:
        return []
    ids = index.searchable
    found = process.extract(query, index.search_keys, scorer=fuzz.WRatio, processor=None, limit=limit, score_cutoff=50)
    return [ids[i] for _, _, i in found]


class LineageScreen(ConsoleScreen):
    """The lineage of a node, or the whole project (see the module docstring)."""

    TITLE_TEXT = "Lineage"
    AUTO_FOCUS = "#ln-project"
    BINDINGS = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("w", "project", "Whole project"),
        Binding("plus,equals_sign", "depth(1)", "Deeper", key_display="+"),
        Binding("minus", "depth(-1)", "Shallower", key_display="-"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.index: LineageIndex | None = None
        self.focus_id: str | None = None
        self.history: list[str] = []
        self.depth = 3
        self._generation = -1
        self._project_ids: list[str] = []
        self._result_ids: list[str] = []

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder="/ search a node by name", id="ln-search", classes="filter-line")
        yield OptionList(id="ln-results", classes="-hidden")
        yield OptionList(id="ln-project")
        yield LineageView(id="ln-view", classes="-hidden")
        yield Static(id="ln-detail")

    # -- data -------------------------------------------------------------------------------
    def render_data(self, data: AppData) -> None:
        if self.index is None or self._generation != data.generation:
            self.build(data)
        else:
            self._redraw()

    @work(thread=True, exclusive=True, exit_on_error=False, group="lineage")
    def build(self, data: AppData) -> None:
        """Build the per-load index (a short store visit for the last mile and the query log)."""
        from console.tui.lineage_layout import load_index

        worker = get_current_worker()
        index = load_index(data)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._indexed, data.generation, index)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "lineage":
            self.app.show_failure("Could not build the lineage.", event.worker.error)

    def _indexed(self, generation: int, index: LineageIndex) -> None:
        self.index, self._generation = index, generation
        if self.focus_id is not None and self.focus_id not in index.names:
            self.focus_id = None
        self._fill_project()
        self._redraw()

    def _redraw(self, keep: str | None = None) -> None:
        view = self.query_one("#ln-view", LineageView)
        project = self.query_one("#ln-project", OptionList)
        if self.index is None:
            return
        showing_project = self.focus_id is None
        if view.has_class("-hidden") != showing_project:  # restyling costs: only when it changes
            view.set_class(showing_project, "-hidden")
            project.set_class(not showing_project, "-hidden")
        if showing_project:
            self._detail(self._project_selected())
            return
        current = view.current()
        keep = keep or (current.key if current is not None else None)
        view.set_layout(neighbourhood(self.index, self.focus_id, self.depth), keep=keep)

    def _fill_project(self) -> None:
        index = self.index
        project = self.query_one("#ln-project", OptionList)
        keep = self._project_selected()
        project.clear_options()
        options: list[Option] = []
        ids: list[str] = []
        counts = "  ".join(f"{title} {index.layer_counts[title]}" for _, title in _titles() if index.layer_counts.get(title))
        options.append(Option(Text.assemble(("Nodes by layer  ", "bold"), counts or "none"), id="head-counts", disabled=True))
        ids.append("")
        options.append(Option(Text("Widest fan-outs (children)", style="bold"), id="head-fanouts", disabled=True))
        ids.append("")
        for i, (uid, width) in enumerate(index.fanouts):
            line = Text(f"{width:>5}  ", style="bold")
            line.append(clean(index.names[uid], keep_lines=False), style=LEVEL_STYLE.get(index.levels.get(uid, ""), ""))
            line.append(f"  {index.kinds.get(uid, '')}", style="dim")
            options.append(Option(line, id=f"f{i}"))
            ids.append(uid)
        project.add_options(options)
        self._project_ids = ids
        if keep in ids:
            project.highlighted = ids.index(keep)
        elif len(ids) > 2:
            project.highlighted = 2

    def _project_selected(self) -> str | None:
        project = self.query_one("#ln-project", OptionList)
        i = project.highlighted
        return self._project_ids[i] or None if i is not None and 0 <= i < len(self._project_ids) else None

    # -- the detail line --------------------------------------------------------------------
    def _detail(self, key: str | None) -> None:
        box = self.query_one("#ln-detail", Static)
        index, data = self.index, self.data
        if key is None or index is None or data is None:
            box.update(Text("enter centres · arrows or h/j/k/l walk · / search · w whole project · t triage", style="dim"))
            return
        if key not in index.names:
            box.update(Text(clean(key, keep_lines=False), style="dim"))
            return
        ref = index.refs.get(key)
        row = {"layer": ref.layer, "owner": ref.owner} if ref is not None else {}
        level = index.levels.get(key, "unknown")
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(clean(index.names[key], keep_lines=False), style="bold")
        line.append(f"  {index.kinds.get(key, '')}", style="dim")
        if row.get("layer"):
            line.append(f" · {row['layer']}", style="dim")
        line.append(f"  {level}", style=LEVEL_STYLE.get(level, ""))
        status = data.latest_status.get(key)
        if status:
            line.append(f" (latest: {status})", style="dim")
        graph = index.graph
        line.append(f"  ↑{len(graph.parents.get(key, ()))} ↓{len(graph.children.get(key, ()))}", style="dim")
        if row.get("owner"):
            line.append("  owner ", style="dim")
            line.append(clean(row["owner"], keep_lines=False))
        box.update(line)

    def on_lineage_view_moved(self, message: LineageView.Moved) -> None:
        self._detail(message.cell.key if message.cell else None)

    def on_lineage_view_chosen(self, message: LineageView.Chosen) -> None:
        cell = message.cell
        if not cell.in_graph:
            self.notify("Last-mile items and query-log readers are outside the dbt graph.", severity="information")
            return
        if cell.key != self.focus_id:
            self.centre(cell.key)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "ln-project":
            self._detail(self._project_selected())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "ln-project":
            uid = self._project_selected()
        else:
            i = event.option_index
            uid = self._result_ids[i] if 0 <= i < len(self._result_ids) else None
            self._close_search()
        if uid:
            self.centre(uid)

    # -- moving -----------------------------------------------------------------------------
    def centre(self, uid: str, remember: bool = True) -> None:
        """Centre the lineage on ``uid``."""
        if remember and self.focus_id is not None and uid != self.focus_id:
            self.history.append(self.focus_id)
        self.focus_id = uid
        self._redraw(keep=uid)
        self.query_one("#ln-view", LineageView).focus()

    def focus_node(self, unique_id: str) -> None:
        if self.index is not None and unique_id in self.index.names:
            self.centre(unique_id)
        else:
            self.notify("That node is not in the lineage.", severity="warning")

    def go_to_node(self, unique_id: str) -> None:
        self.when_ready(lambda: self._when_indexed(lambda: self.focus_node(unique_id)))

    def _when_indexed(self, fn) -> None:
        if self.index is not None and self._generation == getattr(self.data, "generation", -1):
            fn()
        else:
            self.set_timer(0.05, lambda: self._when_indexed(fn))

    def selected_node(self) -> str | None:
        if self.focus_id is None:
            return self._project_selected()
        cell = self.query_one("#ln-view", LineageView).current()
        return cell.key if cell is not None and cell.in_graph else None

    def action_back(self) -> None:
        if not self.query_one("#ln-results", OptionList).has_class("-hidden"):
            self._close_search()
        elif self.history:
            self.centre(self.history.pop(), remember=False)
        elif self.focus_id is not None:
            self.action_project()

    def action_project(self) -> None:
        if self.focus_id is not None:
            self.history.append(self.focus_id)
        self.focus_id = None
        self._redraw()
        self.query_one("#ln-project", OptionList).focus()

    def action_depth(self, step: int) -> None:
        i = DEPTHS.index(self.depth) if self.depth in DEPTHS else 2
        self.depth = DEPTHS[max(0, min(len(DEPTHS) - 1, i + step))]
        if self.focus_id is not None:
            self._redraw()
        self.notify(f"{self.depth} level{'s' if self.depth != 1 else ''} up and down", timeout=2)

    # -- search -----------------------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one("#ln-search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "ln-search" or self.index is None:
            return
        results = self.query_one("#ln-results", OptionList)
        self._result_ids = search(self.index, event.value)
        results.clear_options()
        for uid in self._result_ids:
            line = Text(clean(self.index.names[uid], keep_lines=False), style=LEVEL_STYLE.get(self.index.levels.get(uid, ""), ""))
            line.append(f"  {self.index.kinds.get(uid, '')}", style="dim")
            results.add_option(Option(line))
        if results.has_class("-hidden") != (not self._result_ids):
            results.set_class(not self._result_ids, "-hidden")
        if self._result_ids:
            results.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ln-search" and self._result_ids:
            results = self.query_one("#ln-results", OptionList)
            i = results.highlighted or 0
            uid = self._result_ids[i]
            self._close_search()
            self.centre(uid)

    def on_key(self, event) -> None:
        """In the search box, down moves into the results."""
        search_box = self.query_one("#ln-search", Input)
        if search_box.has_focus and event.key == "down" and self._result_ids:
            self.query_one("#ln-results", OptionList).focus()
            event.stop()

    def _close_search(self) -> None:
        box = self.query_one("#ln-search", Input)
        self._result_ids = []
        box.value = ""
        self.query_one("#ln-results", OptionList).add_class("-hidden")
        self._result_ids = []
        target = "#ln-view" if self.focus_id is not None else "#ln-project"
        self.query_one(target).focus()


def _titles():
    from console.tui.lineage_layout import COLUMNS

    return COLUMNS
