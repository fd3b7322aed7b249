"""The terminal UI's app: screens, data loading, live refresh. Thin on purpose.

Registering a screen
    :data:`SCREENS` is the ordered table of screens: ``(name, key, "module:Class")``. The key
    switches to the screen (and labels it in the palette); a module that does not exist yet is
    skipped, as the command line skips a missing command. To add a screen, write
    ``console/tui/screens/<name>.py`` with a subclass of
    :class:`~console.tui.screens.base.ConsoleScreen` and add one line here. Its styles go to
    ``console/tui/styles/<name>.tcss`` (every ``.tcss`` file there is loaded, in name order).

How data flows
    A threaded worker (:meth:`ConsoleApp.refresh_data`) optionally collects
    (``collectors.pipeline.collect``), then has an :class:`~console.tui.state.AppData` built
    (one short shared-lock visit to the store, the rules, the screens' per-load views) in a
    process of its own (:mod:`console.tui.load_process`, started as the collect starts: the
    app's heap keeps only what it shows) and posts :class:`~console.tui.messages.DataLoaded`;
    the app hands it to every screen with ``screen.show(data)``. The UI thread never touches the
    store or a file. On start the app loads the existing store at once (the worker starts on
    ``Load``, while the screens are built), in three posts: the narrow read the Overview draws
    (``state.read_first_paint``, to ``PARTIAL`` screens), then, once that is on screen (so the
    two do not share the CPU), the whole frames (read in the worker, to ``EARLY`` screens), then
    the findings (from the load's process, to all); only then does it collect, in the background; with ``live`` on, a watchdog thread (:mod:`console.tui.watcher`) posts
    :class:`~console.tui.messages.FilesChanged`, the app waits for :data:`DEBOUNCE_S` of quiet,
    then collects again. A file that does not parse yet (dbt writing it) is retried
    :data:`LIVE_RETRIES` times before the failure is shown.

Building the screens ahead
    Textual composes a screen, styles and mounts its widgets the first time it is shown (about
    0.1 s of CPU even for a simple screen at 10k nodes, more for one that then draws its data):
    a person's first press of each screen's key would pay it. So once the findings are in, the
    app builds every screen it has not shown yet, one at a time, in an async worker
    (:meth:`ConsoleApp.build_ahead`, group ``build``): each is registered and mounted exactly as
    ``switch_screen`` would do it, draws its data (starting its own workers: the Lineage's
    index, the Triage), but never becomes the current screen (its layout waits for its first
    visit), so nothing flickers and the visible screen keeps its focus. A key pressed meanwhile
    waits for at most one screen's build. :attr:`ConsoleApp.built` is set once every screen is
    built.

The heap and the garbage collector
    A load at 10k nodes leaves millions of long-lived Python objects (frames' Python views,
    findings, indexes, rows), and CPython's full collection walks them all: 0.35 to 0.5 s,
    landing inside whatever key was being pressed (it was the worst case of the severity cycle
    and of screen switches). So once a load is drawn and the screens' own workers (the
    Lineage's index, the Triage, the ranking) are done, the app moves the heap to the
    collector's permanent generation (``gc.freeze``, :meth:`ConsoleApp.freeze_heap`, after one
    full collection so that no garbage is frozen): later collections look only at what is new. A later load first unfreezes and collects once, in
    its worker before it is posted (the previous load's cycles are freed then).

Moving between screens
    Post :class:`~console.tui.messages.ShowNode` (``t`` from any node opens Triage on it) or
    :class:`~console.tui.messages.ShowRule`; the app switches and calls ``go_to_node``.

Failures
    Every worker failure reaches :meth:`ConsoleApp.show_failure`: an error dialog whose title is
    a full sentence, or, for a live re-collect, a notification.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import importlib
import os
import shlex
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SuspendNotSupported
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState, get_current_worker

from console.errors import InputError
from console.tui.commands import ActionsProvider, NodesProvider, RulesProvider, ScreensProvider
from console.tui.messages import DataLoaded, FilesChanged, ShowNode, ShowRule, WorkFailed
from console.tui.state import AppData, evaluate_app_data, news, read_app_data, read_first_paint, release_memory
from console.tui.watcher import looks_complete

if TYPE_CHECKING:
    from console.cli.options import Locations
    from console.tui.screens.base import ConsoleScreen

#: The screens, in order: (name, key, "module:Class"). A missing module hides its screen; a
#: screen without a key is another screen's view (``ConsoleScreen.VIEW_OF``).
SCREENS: tuple[tuple[str, str, str], ...] = (
    ("overview", "1", "console.tui.screens.overview:OverviewScreen"),
    ("lineage", "2", "console.tui.screens.lineage:LineageScreen"),
    ("checks", "3", "console.tui.screens.checks:ChecksScreen"),
    ("freshness", "4", "console.tui.screens.freshness:FreshnessScreen"),
    ("runs", "5", "console.tui.screens.runs:RunsScreen"),
    ("runs-nodes", "", "console.tui.screens.runs:RunNodesScreen"),
    ("layerinitis", "6", "console.tui.screens.layerinitis:LayerinitisScreen"),
    ("triage", "t", "console.tui.screens.triage:TriageScreen"),
)
#: Seconds of quiet after a file change before collecting. Short: inotify events arrive
#: within milliseconds, a file still being written is caught by ``looks_complete`` and retried,
#: and dbt's two manifest writes are seconds apart (a second collect would follow anyway).
DEBOUNCE_S = 0.1
#: Live re-collects that fail on input (a half-written file) are retried this often, this far apart.
LIVE_RETRIES = 4
RETRY_S = 0.5
#: The first load reads the whole store once the narrow first paint is on screen, or after this long.
FIRST_PAINT_WAIT_S = 2.0
STYLES = Path(__file__).parent / "styles"
#: The app's worker group -> the title of its failure dialog (a full sentence). Screens name
#: theirs in ``ConsoleScreen.WORKER_FAILURES``.
WORKER_TITLES = {"store": "Could not load the project's store."}


def load_screens(table: tuple[tuple[str, str, str], ...] = SCREENS) -> list[tuple[str, str, type[ConsoleScreen]]]:
    """The screens of ``table`` whose module exists, with their classes."""
    out = []
    for name, key, target in table:
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name == module_name:
                continue
            raise
        out.append((name, key, getattr(module, attr)))
    return out


class ConsoleApp(App[None]):
    """The console's terminal UI on one project.

    Args:
        loc: where the project, its artifacts and its store are.
        now: the time rules judge against (default: the time of each load); tests freeze it.
        collect: collect in the background after opening on the existing store.
        live: watch the project and collect again on changes.
        theme: ``dark`` or ``light``.
    """

    TITLE = "console"
    CSS_PATH = sorted(STYLES.glob("*.tcss"))
    COMMANDS = App.COMMANDS | {ScreensProvider, NodesProvider, RulesProvider, ActionsProvider}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "toggle_help", "Keys", key_display="?"),
        Binding("t", "triage", "Triage"),
        Binding("y", "copy_id", "Copy id", show=False),
        Binding("o", "open_file", "Open file", show=False),
        Binding("ctrl+r", "collect_now", "Collect now", show=False),
        Binding("ctrl+t", "toggle_dark", "Light/dark", show=False),
    ]

    activity: reactive[str] = reactive("")
    #: Build the screens not shown yet once the findings are in (benchmarks turn it off to compare).
    BUILD_AHEAD = True
    #: Read and evaluate each load in a process of its own (``console.tui.load_process``: the
    #: app's heap keeps only what it shows); False runs them in the load worker's thread.
    LOAD_IN_PROCESS = True

    def __init__(
        self, loc: Locations, *, now: dt.datetime | None = None, collect: bool = True, live: bool = True, theme: str = "dark"
    ) -> None:
        super().__init__()
        self.loc = loc
        self.now = now
        self.collect_on_start = collect
        self.live = live
        self.theme = "textual-light" if theme == "light" else "textual-dark"
        self.data: AppData | None = None
        self.screen_table = load_screens()
        self._generation = 0
        self._busy = False
        self._again: tuple[bool, bool] | None = None  # a refresh asked for while one runs: (collect, live)
        self._debounce = None
        self._retry = None
        self._changed: set[str] = set()
        self._live_failures = 0
        self._last_live_error = ""
        self._watcher = None
        self._opened = False
        self._collect_started = False
        self._painted = threading.Event()
        self._building = False
        self._frozen = False
        #: True once every screen is built (see "Building the screens ahead" above).
        self.built = False
        #: A screen that has views -> the view shown last (see ``show_view``).
        self._views: dict[str, str] = {}
        for name, key, _ in self.screen_table:
            if key and key != "t":
                self.bind(key, f"switch('{name}')", description=name.title(), show=False)

    # -- start and stop ---------------------------------------------------------------------
    def on_load(self) -> None:
        # the store is read (off the UI thread) while the screens are built: the first paint
        # waits for the slower of the two, not for both
        self.start_refresh(collect=False)

    def on_mount(self) -> None:
        for name, _, cls in self.screen_table:
            self.install_screen(cls(), name)
        self.push_screen(self.screen_table[0][0])
        if self.live:
            from console.tui.watcher import ProjectWatcher

            self._watcher = ProjectWatcher(self.loc, lambda path: self.post_message(FilesChanged(frozenset({path}))))
            self._watcher.start()
            self.activity = "live"

    def on_unmount(self) -> None:
        if self._frozen:  # the heap is the collector's again once the app is gone
            gc.unfreeze()
        self._painted.set()  # a first-paint worker still waiting goes on (and sees it is cancelled)
        if self._watcher is not None:
            self._watcher.stop()

    def has_screen(self, name: str) -> bool:
        return any(n == name for n, _, _ in self.screen_table)

    # -- loading ------------------------------------------------------------------------------
    def start_refresh(self, *, collect: bool, live: bool = False) -> None:
        """Load (after a collect, if asked) in the worker; queue it if one is running."""
        if self._busy:
            self._queue(collect=collect, live=live)
            return
        self._busy = True
        self.activity = "collecting…" if collect else "loading…"
        changed, self._changed = self._changed, set()
        self.refresh_data(collect, live, frozenset(changed) if live else frozenset())

    @work(thread=True, exclusive=True, exit_on_error=False, group="store")
    def refresh_data(self, collect: bool, live: bool, changed: frozenset[str] = frozenset()) -> None:
        """Collect (optionally), then load the store and evaluate the rules; post the result.

        ``changed`` are the paths a live collect was started for: a JSON file among them that
        is still being written is waited for (retried) instead of collected.
        """
        worker = get_current_worker()
        unfinished = sorted(p for p in changed if p.endswith(".json") and not looks_complete(Path(p)))
        if unfinished:
            error = InputError(unfinished[0], "not completely written yet")
            self.post_message(WorkFailed("Could not collect the project.", error, live=True, paths=changed))
            return
        self._generation += 1
        first_load = self.data is None and not collect and not self._collect_started
        if first_load:  # the very first load: the Overview first
            first = read_first_paint(self.loc, now=self.now, generation=self._generation)
            self._painted = threading.Event()
            self.post_message(DataLoaded(first, painted=self._painted))
            self._painted.wait(FIRST_PAINT_WAIT_S)  # the whole read after the paint, not beside it
            if worker.is_cancelled:
                return
        try:
            data = self._load(collect, early=first_load or not self.LOAD_IN_PROCESS, cancelled=lambda: worker.is_cancelled)
        except InputError as e:
            if getattr(e, "stage", "") != "collect":  # (the store's own problems are the worker's failure)
                raise
            self.post_message(WorkFailed("Could not collect the project.", e, live=live))
            return
        if data is None or worker.is_cancelled:
            return
        if self._frozen:  # the previous load's cycles become collectable, once (see the module docstring)
            self._frozen = False
            gc.unfreeze()
            gc.collect()
        self.post_message(DataLoaded(data, collected=collect))

    def _collect(self) -> str:
        """Collect the project (in the calling worker); the first line of its summary."""
        from collectors.pipeline import collect as run_collect

        return run_collect(self.loc).to_text().splitlines()[0]

    def _load(self, collect: bool, *, early: bool, cancelled: Callable[[], bool]) -> AppData | None:
        """One load with its findings (None: cancelled meanwhile), after a collect if asked: in
        the load's process (:mod:`console.tui.load_process`, the collect running here
        meanwhile), or, when ``early``, with the store's frames read here first and posted
        before the findings (the first load's screens that draw without them)."""
        from console.tui.load_process import load, run_collect_first

        collect_first = self._collect if collect else None
        if not early:
            return load(self.loc, now=self.now, generation=self._generation, cancelled=cancelled, collect_first=collect_first)
        note = run_collect_first(collect_first) if collect_first else ""
        data = read_app_data(self.loc, now=self.now, generation=self._generation, collect_note=note)
        if cancelled() or data.evaluated:
            return data
        self.post_message(DataLoaded(data, collected=collect))
        if self.LOAD_IN_PROCESS:
            return load(self.loc, now=self.now, generation=self._generation, cancelled=cancelled)
        return evaluate_app_data(data, self.loc)

    def on_data_loaded(self, message: DataLoaded) -> None:
        if message.painted is not None:
            self.call_after_refresh(message.painted.set)
        old, self.data = self.data, message.data
        for name, _, _ in self.screen_table:
            screen = self.get_screen(name)
            if screen.PARTIAL if message.data.partial else (message.data.evaluated or screen.EARLY):
                screen.show(message.data)
        for line in news(old, message.data):
            self.notify(line, title="Live", severity="warning", timeout=8)
        if not message.data.evaluated:
            return
        if message.collected:
            self._live_failures = 0
            self._last_live_error = ""
        elif not self._collect_started and self.collect_on_start:  # opened on the store as it was: now collect
            self._collect_started = True
            self._queue(collect=True, live=False)
        if not self._opened and message.data.has_store:
            self._opened = True
            if message.data.latest_run_failed and self.has_screen("triage"):
                self.action_switch("triage")
        if self.BUILD_AHEAD and not self._building:
            self._building = True
            self.build_ahead()
        elif self.built or not self.BUILD_AHEAD:
            self.freeze_heap()

    def on_work_failed(self, message: WorkFailed) -> None:
        self._changed.update(message.paths)  # look at them again on the retry
        if message.live and isinstance(message.error, InputError):
            self._live_failures += 1
            if self._live_failures <= LIVE_RETRIES:  # dbt may still be writing the file: try again soon
                self._stop_retry()
                self._retry = self.set_timer(RETRY_S, self._retry_live)
                return
            text = str(message.error)
            if text != self._last_live_error:
                self._last_live_error = text
                self.notify(text, title="Could not collect the changed files.", severity="error", timeout=15)
            self._changed.clear()  # shown once; the next change starts afresh
            return
        self.show_failure(message.title, message.error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "store" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if event.state == WorkerState.ERROR:
            self.show_failure(WORKER_TITLES["store"], event.worker.error)
        self._busy = False
        self.activity = "live" if self.live else ""
        if self._again is not None:
            collect, live = self._again
            self._again = None
            self.start_refresh(collect=collect, live=live)

    def _queue(self, *, collect: bool, live: bool) -> None:
        prev = self._again or (False, False)
        self._again = (prev[0] or collect, prev[1] or live)

    def show_failure(self, title: str, error: BaseException | None) -> None:
        """The one place failures reach the person: an error dialog with a full-sentence title."""
        from console.tui.widgets.error_dialog import ErrorDialog

        detail = str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"
        self.push_screen(ErrorDialog(title, detail))

    # -- building the screens ahead ------------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="build")
    async def build_ahead(self) -> None:
        """Build every screen not shown yet, one at a time, without showing it (see the module
        docstring): its first visit is then a switch."""
        for name, _, _ in self.screen_table:
            screen = self.get_screen(name)
            await asyncio.sleep(0)  # keys and posts waiting go first
            if not screen.is_running:  # (a key may have shown it meanwhile)
                _, mounted = self._get_screen(name)  # what switch_screen does before showing a screen
                await mounted
                await asyncio.sleep(0)
            screen.prepare_hidden()  # laid out and drawn ahead unless shown, and kept so (ConsoleScreen's docstring)
        self.built = True
        self.freeze_heap()

    @work(exclusive=True, exit_on_error=False, group="heap")
    async def freeze_heap(self) -> None:
        """Once the screens' own workers are done, move the heap out of the collector's full
        collections (see the module docstring)."""
        await asyncio.sleep(0)
        while any(w.group not in ("store", "heap", "build") and not w.is_finished for w in self.workers):
            await asyncio.sleep(0.05)
        gc.collect()  # once, now: what the load and the screens left in cycles is not frozen with the rest
        release_memory()  # and the pages the screens' workers freed (their scratch caches) go back to the system
        gc.freeze()
        self._frozen = True

    # -- live ---------------------------------------------------------------------------------
    def on_files_changed(self, message: FilesChanged) -> None:
        self._changed.update(message.paths)
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, self._changed_quiet)

    def _changed_quiet(self) -> None:
        self._debounce = None
        self._live_failures = 0
        self._stop_retry()  # the new collect reads the newer file anyway
        self.start_refresh(collect=True, live=True)

    def _retry_live(self) -> None:
        self._retry = None
        self.start_refresh(collect=True, live=True)

    def _stop_retry(self) -> None:
        if self._retry is not None:
            self._retry.stop()
            self._retry = None

    def action_collect_now(self) -> None:
        self.start_refresh(collect=True)

    # -- moving around ------------------------------------------------------------------------
    def action_switch(self, name: str) -> None:
        """Show the screen ``name``, in the view of it shown last."""
        self.show_view(self._views.get(name, name))

    def show_view(self, name: str) -> None:
        """Show the screen ``name`` itself (a view: and remember it as its screen's view)."""
        if not self.has_screen(name):
            return
        screen = self.get_screen(name)
        owner = screen.VIEW_OF or name
        self._views[owner] = name
        if self.screen is not screen:
            self.switch_screen(name)

    def open_node(self, unique_id: str, screen: str | None) -> None:
        """Show ``screen`` with its cursor on ``unique_id``."""
        if screen is None or not self.has_screen(screen):
            self.notify(f"The {screen or 'node'} screen is not part of this build yet.", severity="warning")
            return
        self.show_view(screen)
        self.get_screen(screen).go_to_node(unique_id)

    def on_show_node(self, message: ShowNode) -> None:
        self.open_node(message.unique_id, message.screen)

    def on_show_rule(self, message: ShowRule) -> None:
        if self.has_screen("checks"):
            self.action_switch("checks")
            self.get_screen("checks").filter_rule(message.rule)

    def _selected(self) -> str | None:
        screen = self.screen
        return screen.selected_node() if hasattr(screen, "selected_node") else None

    def action_triage(self) -> None:
        node = self._selected()
        if node is None:
            self.action_switch("triage")
        else:
            self.open_node(node, "triage")

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_copy_id(self) -> None:
        node = self._selected()
        if node is None:
            self.notify("No node under the cursor.", severity="warning")
            return
        self.copy_to_clipboard(node)
        self.notify(f"Copied {node}")

    def action_open_file(self) -> None:
        node = self._selected()
        data = self.data
        path = data.node_path(node) if data and node else None
        if not path:
            self.notify("No file for what is under the cursor.", severity="warning")
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify("Set $EDITOR to open files from the console.", severity="warning")
            return
        command = [*shlex.split(editor), str(self.loc.project / path)]
        try:
            with self.suspend():  # a terminal editor takes the terminal, then gives it back
                subprocess.call(command)
        except SuspendNotSupported:  # no terminal to lend (a web or headless driver): start it beside
            subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.notify(f"Opened {path} in {command[0]}")
