"""The text view on its own, with the Pilot: a long Group shows exactly what rich renders, and
only the parts on screen keep their lines."""

from __future__ import annotations

from contextlib import asynccontextmanager

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult

from console.tui.widgets.text_view import KEEP_SCREENS, TextView

SECTIONS = 300


def body() -> Group:
    parts = []
    for i in range(SECTIONS):
        table = Table("model", "owner", box=None)
        table.add_row(f"fct_{i}", Text("[not markup]"))
        parts.append(Group(Text(f"Section {i} " + "word " * 30, style="bold"), table))
    return Group(*parts)


class ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TextView(id="v")


def expected_lines(width: int) -> list[str]:
    console = Console(width=width, color_system=None)
    return ["".join(s.text for s in line).rstrip() for line in console.render_lines(body(), console.options, pad=True)]


def kept_lines(view: TextView) -> int:
    return sum(len(lines) for lines in view._rendered.values())


@asynccontextmanager
async def body_shown():
    """The body in a 60x20 app, drawn once."""
    app = ViewApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(TextView)
        view.update(body())
        await pilot.pause()
        yield view, pilot


def kept_at_most(view: TextView) -> int:
    """The lines a view keeps at most: on screen and around it, and the first and last screenfuls."""
    return (KEEP_SCREENS + 2) * view.size.height + 10


def shown(view: TextView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


async def test_a_long_group_shows_what_rich_renders_a_screenful_at_a_time():
    async with body_shown() as (view, pilot):
        width = view.scrollable_content_region.width
        want = expected_lines(width)
        assert view.virtual_size.height == len(want) >= 5 * SECTIONS
        assert shown(view) == want[: view.size.height]
        assert kept_lines(view) <= kept_at_most(view)  # not the 300 parts
        view.scroll_to(y=len(want) // 2, animate=False)
        await pilot.pause()
        top = view.scroll_offset.y
        assert shown(view) == want[top: top + view.size.height]
        view.scroll_end(animate=False)
        await pilot.pause()
        assert shown(view)[-1] == want[-1] and "[not markup]" in "\n".join(shown(view))  # text, never markup
        assert kept_lines(view) <= kept_at_most(view)


async def test_a_new_width_measures_again_and_an_update_starts_over():
    async with body_shown() as (view, pilot):
        narrow = view.virtual_size.height
        await pilot.resize_terminal(120, 20)
        await pilot.pause()
        assert view.virtual_size.height < narrow  # wider lines: fewer of them
        assert shown(view) == expected_lines(view.scrollable_content_region.width)[: view.size.height]
        view.update(Text("short"))
        await pilot.pause()
        assert view.virtual_size.height == 1 and shown(view)[0] == "short"


async def test_the_next_screenful_is_rendered_ahead_once_a_screen_is_drawn():
    async with body_shown() as (view, pilot):
        await pilot.pause()
        below = view.scroll_offset.y + 2 * view.size.height - 1
        assert any(view._starts[p] <= below < view._starts[p + 1] for p in view._rendered)  # a page down is ready
        view.forget_lines()
        assert not view._rendered and not view._strips
