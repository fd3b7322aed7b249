"""The line at the top of every screen: the project, the screen, what the app is doing, what is missing."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from console.tui.state import AppData


class StatusBar(Static):
    """``project · Screen · as of 2026-11-07 08:00 · 46 findings · live``, then missing words.

    The app's activity (``collecting…``, ``live``) is the app's ``activity`` reactive, bound in
    by the app on every change.
    """

    activity: reactive[str] = reactive("", layout=True)

    def __init__(self, title: str) -> None:
        super().__init__(id="status-bar")
        self.title_text = title
        self.data: AppData | None = None

    def on_mount(self) -> None:
        self.watch(self.app, "activity", self._set_activity, init=True)

    def _set_activity(self, value: str) -> None:
        self.activity = value

    def update_data(self, data: AppData) -> None:
        self.data = data
        self.refresh(layout=True)

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        data = self.data
        line.append(data.project_name if data else "console", style="bold")
        line.append(f" · {self.title_text}", style="bold")
        if data is not None:
            line.append(f" · as of {data.now:%Y-%m-%d %H:%M}")
            if data.has_store and not data.evaluated:
                line.append(" · evaluating the rules…", style="italic")
            elif data.has_store:
                n = len(data.findings)
                line.append(f" · {n} finding{'s' if n != 1 else ''}")
        if self.activity:
            line.append(f" · {self.activity}", style="italic")
        if data is not None and data.missing:
            out = Text()
            out.append_text(line)
            for sentence in data.missing:
                out.append("\n")
                out.append(sentence, style="italic")
            return out
        return line
