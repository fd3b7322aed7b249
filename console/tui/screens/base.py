"""The base of every screen: one way in for data (:meth:`ConsoleScreen.show`), and the node under the cursor.

A screen is built once and kept for the app's life (the app installs every screen of
``console.tui.app.SCREENS``). Data reaches it only through :meth:`show`, on the first load and
on every refresh (twice per load for an ``EARLY`` screen: frames first, then findings); a
screen keeps its own cursor, filters and selection across refreshes (fill tables again, then
put the cursor back on the same row key).

A subclass implements:

* ``compose_body()``: its widgets (the status bar above and the key bar below come from here);
* ``render_data(data)``: fill the widgets from an :class:`~console.tui.state.AppData`
  (called only once the screen is mounted; never read the store or files here);
* ``selected_node()``: the unique_id under the cursor, for the app's ``t`` (triage), ``y``
  (copy the id) and ``o`` (open the file in ``$EDITOR``);
* optionally ``focus_node(unique_id)``: put the cursor on a node (after a ShowNode).

Switching to a screen does not style it again. Textual restyles every widget of a screen each
time it is shown (``ScreenResume.refresh_styles``), in case the app's CSS changed while it was
hidden; that pass and the redraw of every cached line it forces were about half of a screen
switch's CPU at 10k nodes. A screen's classes and pseudo-classes are styled when they change,
hidden or not, so the only thing a resume can catch is a change of the app's CSS (a theme, the
ANSI colours): :meth:`ConsoleScreen.on_screen_resume` lets Textual restyle only when that
changed since the screen was last styled (:meth:`ConsoleScreen.css_state`).

A screen the app built ahead (``ConsoleApp.build_ahead``) is also laid out and drawn ahead,
while hidden (:meth:`ConsoleScreen.prepare_hidden`): laid out at the app's size and rendered
into its widgets' line caches, and again in idle time whenever its widgets changed (a new
load, a worker's result), so its first visit draws from those caches: a first visit laid out
and rendered the whole screen before its first frame (70 to 110 ms of CPU at 10k nodes).
Textual has no public API for either: this uses ``Screen._refresh_layout`` and the screen's
compositor, which is what Textual runs for the current screen; ``tests/tui/test_build_ahead.py``
fails loudly if a Textual release changes them.

A screen that was shown and is left lets its rendered lines go (:meth:`ConsoleScreen.on_screen_suspend`:
its widgets' line caches, a table's rows, a text view's lines) and keeps its layout: while it is
hidden it is laid out again when it must be, never rendered again. Textual keeps every line on
screen as a ``Strip`` with seven caches of its own, and the lines each screen drew (about 500
Strips a screen at 160x48) were 3 MiB of an open app's memory at 10k nodes; the next visit
renders one screenful again (a screen switch 11 -> 25 ms median at 10k nodes, measured with
``benchmarks/bench_tui.py``, against the 100 ms target).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from console.tui.state import AppData
from console.tui.widgets.key_bar import KeyBar
from console.tui.widgets.status_bar import StatusBar


class ConsoleScreen(Screen):
    """A screen of the console (see the module docstring for what a subclass implements)."""

    #: The screen's title in the status bar and the command palette.
    TITLE_TEXT = ""
    #: Show a load before its rules have run too (``data.evaluated`` False: frames, no findings
    #: yet), for a fast first paint; otherwise the screen gets each load once, with findings.
    EARLY = False
    #: Show the app's very first paint too (``data.partial``: only the columns the Overview
    #: draws, see ``console.tui.state.FIRST_PAINT``), before the whole load.
    PARTIAL = False
    #: The screen this one is another view of (``""``: none). A view has no key of its own: the
    #: key of the screen it is a view of shows whichever of them was shown last
    #: (``ConsoleApp.show_view``); Runs' Nodes view is one.
    VIEW_OF = ""
    #: Worker group -> the full-sentence title its failure is shown with (by the app's dialog).
    WORKER_FAILURES: dict[str, str] = {}

    def __init__(self) -> None:
        super().__init__()
        self.data: AppData | None = None
        self._pending: list[Callable[[], object]] = []
        self._styled_for: tuple | None = None  # css_state() when the screen was last styled whole
        self._drawn_ahead = False  # prepare_hidden() ran: keep the hidden screen drawn in idle time
        self._shown = False  # it was shown once: hidden again, it is laid out, not rendered (module docstring)

    def compose(self) -> ComposeResult:
        yield StatusBar(self.TITLE_TEXT)
        yield from self.compose_body()
        yield KeyBar(id="key-bar")

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def show(self, data: AppData) -> None:
        """Take a new load; draw it now if the screen is mounted, else when it mounts."""
        self.data = data
        if self.is_mounted:
            self._draw()

    def on_mount(self) -> None:
        self._styled_for = self.css_state()  # mounting styled every widget
        if self.data is not None:
            self._draw()

    def css_state(self) -> tuple:
        """What the app's CSS depends on: its theme, its ANSI colours, and Textual's count of
        CSS invalidations (``App._css_update_count``, bumped by ``App._invalidate_css`` on every
        theme change; if a Textual release drops it, every resume restyles, as Textual does)."""
        app = self.app
        return (app.theme, app.ansi_color, getattr(app, "_css_update_count", object()))

    def prepare_hidden(self) -> None:
        """Lay out and render a screen that is not shown (not on the app's screen stack), so
        that showing it draws from its widgets' caches (see the module docstring). From then on
        it is laid out and rendered again in idle time when its layout changed (a repaint of a
        few widgets alone is left to the visit: a scrollbar asks for one after every render)."""
        if not self.is_mounted or self in self.app.screen_stack:
            return
        size = self.app.size
        if self._drawn_ahead and not (self._layout_required or self.size != size):
            return
        self._drawn_ahead = True
        self._refresh_layout(size)  # what Textual runs for the current screen; not drawn: not current
        self._layout_required = self._repaint_required = False
        self._compositor.update_widgets(self._dirty_widgets)
        self._dirty_widgets.clear()
        if not self._shown:  # a first visit draws from the caches; a later one renders (module docstring)
            self._compositor.render_update(full=True)  # into the widgets' line caches

    def on_idle(self, event: events.Idle) -> None:
        if self._drawn_ahead:
            self.prepare_hidden()

    def on_screen_suspend(self, event: events.ScreenSuspend) -> None:
        """Left: the rendered lines go, the layout stays (see the module docstring)."""
        self._shown = True
        for widget in self.walk_children(with_self=True):
            widget._styles_cache.clear()  # (Textual's line cache of a widget: rendered again on demand)
            forget = getattr(widget, "forget_lines", None)
            if forget is not None:
                forget()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Before Textual's own resume handler: no restyle when the app's CSS is unchanged
        since this screen was styled (see the module docstring)."""
        state = self.css_state()
        if state == self._styled_for:
            event.refresh_styles = False
        self._styled_for = state

    def _draw(self) -> None:
        assert self.data is not None
        status = self.query(StatusBar)
        if not status:  # a load that lands while the app tears its screens down: nothing to draw
            return
        status.first().update_data(self.data)
        self.render_data(self.data)
        pending, self._pending = self._pending, []
        for fn in pending:
            fn()

    def when_ready(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` now if the screen is mounted and has data, else right after its first draw."""
        if self.is_mounted and self.data is not None:
            fn()
        else:
            self._pending.append(fn)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of a group in :attr:`WORKER_FAILURES` failed: the app shows it, with that title."""
        title = self.WORKER_FAILURES.get(event.worker.group)
        if event.state == WorkerState.ERROR and title is not None:
            self.app.show_failure(title, event.worker.error)

    def go_to_node(self, unique_id: str) -> None:
        """Focus a node now, or once the screen is mounted and has data."""
        self.when_ready(lambda: self.focus_node(unique_id))

    def render_data(self, data: AppData) -> None:
        """Fill the widgets from ``data`` (a subclass must implement it)."""
        raise NotImplementedError

    def focus_node(self, unique_id: str) -> None:
        """Put the cursor on ``unique_id`` if the screen lists it (default: nothing)."""

    def selected_node(self) -> str | None:
        """The unique_id under the cursor, or None."""
        return None
