"""The key line at the bottom of every screen: the screen's and the app's keys, drawn once.

Textual's own Footer rebuilds its widgets every time the bindings change (each screen switch,
each focus change): measured at a large share of a screen switch's cost at 10k nodes. The keys
of a screen do not change, so this bar renders them once, as one line of Text; ``?`` shows every
binding, including the focused widget's. A key can be clicked.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static


def key_label(binding: Binding) -> str:
    """How a key is shown: its display, or the first key of the binding, ctrl as ^.

    Example:
        >>> key_label(Binding("ctrl+p", "x", "Palette")), key_label(Binding("slash", "x", "Filter", key_display="/"))
        ('^p', '/')
    """
    if binding.key_display:
        return binding.key_display
    key = binding.key.split(",")[0]
    return "^" + key[5:] if key.startswith("ctrl+") else key


class KeyBar(Static):
    """One line: ``key Description`` for every shown binding of the screen, then the app's."""

    def on_mount(self) -> None:
        self.update(self.keys_text())

    def keys_text(self) -> Text:
        screen, app = self.screen, self.app
        out = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for namespace, bindings in ((screen, screen.BINDINGS), (app, app.BINDINGS), (app, (Binding("ctrl+p", "command_palette", "Palette"),))):
            for b in bindings:
                binding = b if isinstance(b, Binding) else Binding(*b)
                if not binding.show or binding.key in seen:
                    continue
                seen.add(binding.key)
                prefix = "screen." if namespace is screen else "app."
                click = Style(meta={"@click": prefix + binding.action})
                out.append(f" {key_label(binding)}", style=Style(bold=True) + click)
                out.append(f" {binding.description} ", style=click)
        return out
