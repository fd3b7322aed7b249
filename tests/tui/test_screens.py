"""Every screen and binding of the Overview, Checks, Freshness and Runs screens, with the Pilot."""

from __future__ import annotations

from rich.text import Text

from console.tui.screens.checks import ChecksScreen
from console.tui.screens.freshness import FreshnessScreen
from console.tui.screens.runs import RunNodesScreen, RunsScreen
from tests.tui.conftest import make_app, settle

INVENTORY = "source.alcohol_marketplace.inventory_feed.inventory"
COVERAGE_TEST = "test.alcohol_marketplace.assert_inventory_feed_covers_every_store"


def plain(widget) -> str:
    """A Static's text."""
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


def cells(table, key) -> list[str]:
    return [c.plain if isinstance(c, Text) else str(c) for c in table.get_row(key)]


async def test_overview_shows_the_latest_run_and_what_needs_attention(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        run = plain(screen.query_one("#ov-run"))
        assert "dbt build · 2026-11-07 07:00" in run and "WARN" in run and "the usual" in run and "1 stale source" in run
        assert "staging 5" in plain(screen.query_one("#ov-layers"))
        assert len(screen.query_one("#ov-duration").data) == 7  # one point per stored run
        assert screen.query_one("#ov-failures").data == [0.0, 1.0, 1.0, 3.0, 0.0, 1.0, 0.0]
        table = screen.query_one("#ov-attention")
        names = [cells(table, k)[2] for k in table.keys]
        assert "assert_inventory_feed_covers_every_store" in names and "inventory_feed.inventory" in names
        assert screen.query_one("#ov-run").has_class("-warn")
        # enter on a row opens its finding in Checks
        table.focus()
        key = next(k for k in table.keys if cells(table, k)[2] == "assert_inventory_feed_covers_every_store")
        table.select_key(key)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChecksScreen)
        assert app.screen.selected_node() == COVERAGE_TEST


async def test_checks_filters_detail_and_sql(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        screen = app.screen
        table = screen.query_one("#ck-table")
        total = table.row_count
        assert total == len(app.data.findings)
        by_key = {f.fingerprint: f for f in app.data.findings}
        await pilot.press("s")  # severity: error
        assert {cells(table, k)[0] for k in table.keys} == {"error"}
        await pilot.press("s", "s", "s")  # warn, info, back to all
        assert table.row_count == total
        await pilot.press("c")  # the first category present: checks
        assert {by_key[k].category for k in table.keys} == {"checks"}
        await pilot.press("c", "c", "c", "c", "c")
        await pilot.press("slash")
        assert screen.query_one("#ck-filter").has_focus
        await pilot.press("c", "c", "c")  # typed into the filter, not cycling
        await pilot.press("escape")
        await pilot.press("escape")  # clears the filter
        assert screen.query_one("#ck-filter").value == ""
        await pilot.press("slash", *"inventory_feed_covers", "enter")
        assert table.has_focus and table.row_count == 1
        assert screen.selected_node() == COVERAGE_TEST
        await pilot.pause(0.5)  # the SQL is fetched once the cursor rests
        await settle(pilot, app)
        detail = plain(screen.query_one("#ck-text"))
        assert "warned in the latest `dbt build`" in detail and "What to do:" in detail and "About the rule" in detail
        assert "failures per run" in str(screen.query_one("#ck-sql").content.renderables[0])
        # the rule filter and vim keys
        screen.filter_rule("RUN002")
        await pilot.pause()
        assert [by_key[k].rule for k in table.keys] == ["RUN002"]
        screen.query_one("#ck-filter").value = ""
        await pilot.pause()
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g", "j", "j", "k")
        assert table.cursor_row == 1


async def test_checks_keeps_cursor_and_filter_across_a_refresh(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("3", "slash", *"sev:warn", "enter", "j", "j")
        screen = app.screen
        before = screen.selected_finding()
        await pilot.press("ctrl+r")  # collect now: a new load reaches every screen
        await settle(pilot, app)
        assert app.data.generation == 2
        assert screen.query_one("#ck-filter").value == "sev:warn"
        assert screen.selected_finding().fingerprint == before.fingerprint


async def test_freshness_lists_sources_then_models(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, FreshnessScreen)
        table = screen.query_one("#fr-table")
        first = cells(table, INVENTORY)
        assert first[:5] == ["inventory_feed.inventory", "source", "3d 2h", "w 1d · e 2d", "error"]
        assert screen.selected_node() == INVENTORY  # stalest first
        assert "age at each check" in plain(screen.query_one("#fr-detail"))
        await pilot.press("f")
        assert {cells(table, k)[1] for k in table.keys} == {"source"}
        await pilot.press("f")
        assert "source" not in {cells(table, k)[1] for k in table.keys}
        await pilot.press("f", "slash", *"stg_", "enter")
        assert {cells(table, k)[0][:4] for k in table.keys} == {"stg_"}
        await pilot.press("escape")
        assert table.row_count > 10


async def test_runs_lists_invocations_results_and_nodes(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        runs = screen.query_one("#rn-runs")
        results = screen.query_one("#rn-results")
        assert runs.row_count == 7 and runs.has_focus
        await pilot.press("j", "j", "j")  # the build of 2026-11-04: failures first
        first = cells(results, results.keys[0])
        assert cells(runs, runs.selected_key)[0] == "2026-11-04 07:00"
        assert first[0] == "fail" and "3 failed" in results.border_title
        await pilot.press("enter")
        assert results.has_focus
        await pilot.press("tab")
        assert runs.has_focus
        await pilot.press("n")
        view = app.screen
        assert isinstance(view, RunNodesScreen) and view.view == "nodes" and view.VIEW_OF == "runs"
        nodes = view.query_one("#rn-nodes")
        assert nodes.has_focus
        flagged = [cells(nodes, k) for k in list(nodes.keys)[:2]]
        assert {f[0] for f in flagged} == {"assert_every_market_sold_on_latest_day", "fct_market_demand_forecast"}
        assert {f[5].strip() for f in flagged} == {"flaky", "slowing"}
        await pilot.press("slash", *"forecast", "enter")
        assert nodes.row_count == 1
        await pilot.press("n")  # back to the runs, with the filter
        assert app.screen is screen and screen.view == "runs"
        assert screen.filter_box().value == "forecast"
        assert all("forecast" in cells(results, k)[1] for k in results.keys) and results.row_count >= 1
        await pilot.press("n", "3", "5")  # the Runs' key shows the view shown last
        assert app.screen is view
        await pilot.press("n", "escape", "escape")
        assert screen.filter_box().value == ""


async def test_a_node_shown_on_runs_opens_the_nodes_view_on_it(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        app.open_node("model.alcohol_marketplace.fct_market_demand_forecast", "runs")
        await pilot.pause()
        view = app.screen
        assert isinstance(view, RunNodesScreen)
        assert view.selected_node() == "model.alcohol_marketplace.fct_market_demand_forecast"
