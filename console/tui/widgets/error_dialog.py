"""The one place worker failures reach a person: a dialog with a full-sentence title and the error."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ErrorDialog(ModalScreen[None]):
    """A modal error: ``title`` says what could not be done; ``detail`` is the error, as plain text."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]

    def __init__(self, title: str, detail: str) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Static(Text(self.title_text, style="bold"), id="error-title")
            yield Static(Text(self.detail), id="error-detail")
            yield Button("Close", variant="error", id="error-close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()

    def action_dismiss(self, result: None = None) -> None:
        self.dismiss()
