"""Building the screens ahead: once the findings are in, every screen is built without being shown.

On sample_project's collected store: after the load every screen is mounted with the load drawn
(the Lineage indexed, the Triage computed), the visible screen and its focus never changed, and
a first visit is a switch to a screen that already holds its rows.
"""

from __future__ import annotations

from console.tui.screens.overview import OverviewScreen
from console.tui.widgets.virtual_table import VirtualTable
from tests.tui.conftest import make_app, settle


async def test_every_screen_is_built_with_its_data_without_being_shown(sample_loc):
    app = make_app(sample_loc)
    screens_shown = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen_change_signal.subscribe(app, lambda screen: screens_shown.append(type(screen).__name__))
        await settle(pilot, app)
        assert app.built
        assert isinstance(app.screen, OverviewScreen) and screens_shown == []  # nothing flickered
        assert app.focused is not None and app.focused.screen is app.screen  # the Overview kept its focus
        for name, _, _ in app.screen_table:
            screen = app.get_screen(name)
            assert screen.is_mounted and screen.data is app.data, name
        checks = app.get_screen("checks")
        rows = checks.query_one("#ck-table", VirtualTable).row_count
        assert rows == len(app.data.findings) > 0
        lineage = app.get_screen("lineage")
        assert lineage.index is not None and lineage._generation == app.data.generation
        triage = app.get_screen("triage")
        assert triage.result is not None and triage._items
        assert "Latest run" in triage.query_one("#tr-title").content.plain
        await pilot.press("3")  # the first visit only switches: the rows are there at once
        assert app.screen is checks and checks.query_one("#ck-table", VirtualTable).row_count == rows
        assert app.focused is checks.query_one("#ck-table")


async def test_without_building_ahead_a_screen_is_built_on_its_first_visit(sample_loc):
    app = make_app(sample_loc)
    app.BUILD_AHEAD = False
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert not app.built and not app.get_screen("checks").is_mounted
        await pilot.press("3")
        await settle(pilot, app)
        assert app.get_screen("checks").query_one("#ck-table", VirtualTable).row_count == len(app.data.findings)


async def test_a_first_visit_draws_a_screen_laid_out_and_styled_ahead(sample_loc):
    """Pins the Textual internals build-ahead rests on (``App._get_screen``,
    ``Screen._refresh_layout``, the screen's compositor, ``ScreenResume.refresh_styles``,
    ``App._css_update_count``): if a Textual release changes them, this fails loudly."""
    from textual import events
    from textual.app import App
    from textual.screen import Screen

    assert callable(App._get_screen) and callable(Screen._refresh_layout)
    assert events.ScreenResume().refresh_styles is True
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert isinstance(app._css_update_count, int)
        checks = app.get_screen("checks")
        assert checks not in app.screen_stack and checks._compositor is not None
        assert checks.size == app.size and checks.query_one("#ck-table").size.height > 0  # laid out while hidden
        calls: list[str] = []
        layout, restyle = checks._refresh_layout, checks.update_node_styles
        checks._refresh_layout = lambda *a, **kw: (calls.append("layout"), layout(*a, **kw))[1]
        checks.update_node_styles = lambda *a, **kw: (calls.append("restyle"), restyle(*a, **kw))[1]
        await pilot.press("3")
        await pilot.pause()
        assert app.screen is checks and calls == []  # shown as laid out and styled ahead
        await pilot.press("1")
        app.theme = "textual-light"  # the app's CSS changed while the Checks were hidden: restyled on the next visit
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert "restyle" in calls
        table = checks.query_one("#ck-table")
        assert table._row_styles()[0] == table.get_component_styles("datatable--even-row").rich_style


async def test_a_screen_left_lets_its_lines_go_and_draws_them_again_on_the_next_visit(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        checks = app.get_screen("checks")
        table = checks.query_one("#ck-table")
        assert table._styles_cache._cache  # drawn ahead: its first visit draws from these
        await pilot.press("3")
        await pilot.pause()
        shown = [table.render_line(y).text for y in range(3)]
        await pilot.press("1")
        await pilot.pause()
        assert not table._styles_cache._cache and not table._cache  # left: its lines are gone
        checks.prepare_hidden()  # (what idle time runs for a hidden screen)
        assert not table._styles_cache._cache  # laid out while hidden, not rendered again
        await pilot.press("3")
        await pilot.pause()
        assert app.screen is checks and table._styles_cache._cache  # rendered again for the visit
        assert [table.render_line(y).text for y in range(3)] == shown
