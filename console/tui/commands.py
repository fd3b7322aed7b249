"""Command palette providers (ctrl+p): screens, nodes, rules and actions.

Nodes are many (tens of thousands): they are ranked with rapidfuzz over the names of the
current load, and only the best :data:`NODE_HITS` are shown. Names are untrusted text: hits
carry them as ``rich.text.Text`` (never markup).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from console.tui.messages import ShowNode, ShowRule

if TYPE_CHECKING:
    from console.tui.app import ConsoleApp

#: How many nodes the palette lists for a query.
NODE_HITS = 20


class ScreensProvider(Provider):
    """Go to any screen."""

    def _screens(self):
        app: ConsoleApp = self.app  # type: ignore[assignment]
        for name, key, cls in app.screen_table:
            if cls.VIEW_OF:  # a view of another screen: reached by that screen's key, then n
                key = next((f"{k}, then n" for n, k, _ in app.screen_table if n == cls.VIEW_OF), "")
            yield name, key, cls.TITLE_TEXT or name.title()

    async def discover(self) -> Hits:
        for name, key, title in self._screens():
            yield DiscoveryHit(f"Screen: {title}", partial(self.app.show_view, name), help=f"key {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, key, title in self._screens():
            text = f"Screen: {title}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self.app.show_view, name), text=text, help=f"key {key}")


class NodesProvider(Provider):
    """Any node by fuzzy name: open it in Triage (or Lineage when Triage is not there)."""

    async def search(self, query: str) -> Hits:
        app: ConsoleApp = self.app  # type: ignore[assignment]
        data = app.data
        if data is None or not query.strip():
            return
        from rapidfuzz import fuzz, process

        names = data.names
        target = "triage" if app.has_screen("triage") else ("lineage" if app.has_screen("lineage") else None)
        found = process.extract(query, names, scorer=fuzz.WRatio, limit=NODE_HITS)
        for name, score, uid in found:
            kind = uid.split(".", 1)[0]
            label = Text(f"{kind}: ")
            label.append(name, style="bold")
            help_text = uid + (f" · open in {target}" if target else "")
            yield Hit(score / 100, label, partial(app.open_node, uid, target), text=f"{kind}: {name}", help=help_text)


class RulesProvider(Provider):
    """Any rule that ran: open Checks filtered to it."""

    async def search(self, query: str) -> Hits:
        app: ConsoleApp = self.app  # type: ignore[assignment]
        if app.data is None:
            return
        matcher = self.matcher(query)
        for rule in app.data.rules.values():
            text = f"Rule: {rule.id} {rule.name}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(app.post_message, ShowRule(rule.id)), text=text, help=rule.summary.splitlines()[0] if rule.summary else None)


class ActionsProvider(Provider):
    """The app's actions: collect now, light/dark theme, key help, quit."""

    ACTIONS = (
        ("Collect the project now", "collect_now", "read new artifacts and files, then refresh every screen"),
        ("Toggle light and dark theme", "toggle_dark", "switch between the light and the dark theme"),
        ("Show the keys of this screen", "show_help_panel", "every binding of the screen"),
        ("Quit", "quit", "leave the console"),
    )

    def _run(self, action: str) -> None:
        self.app.run_action(action)

    async def discover(self) -> Hits:
        for title, action, help_text in self.ACTIONS:
            yield DiscoveryHit(title, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self.ACTIONS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action), text=title, help=help_text)


__all__ = ["ActionsProvider", "NodesProvider", "RulesProvider", "ScreensProvider", "ShowNode"]
