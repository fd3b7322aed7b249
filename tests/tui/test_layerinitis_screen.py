"""The Layerinitis screen on sample_project's collected store, with the Pilot."""

from __future__ import annotations

from rich.text import Text

from console.tui.screens.layerinitis import LayerinitisScreen
from tests.tui.conftest import make_app, settle


def plain(widget) -> str:
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


async def open_ranked(pilot, app) -> LayerinitisScreen:
    """Switch to the Layerinitis screen and wait for its ranking worker's result."""
    await pilot.press("6")
    for _ in range(200):
        await settle(pilot, app)
        screen = app.screen
        if isinstance(screen, LayerinitisScreen) and screen.ranked is not None:
            return screen
        await pilot.pause(0.05)
    raise AssertionError("the Layerinitis screen never received its ranking")


def cells(table, key) -> list[str]:
    return [c.plain if isinstance(c, Text) else str(c) for c in table.get_row(key)]


async def test_layerinitis_ranks_items_rules_and_nodes(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        screen = await open_ranked(pilot, app)
        table = screen.query_one("#ly-table")
        first = cells(table, table.keys[0])
        assert first[0] == "1" and first[2] == "Hightouch model `Top items for Salesforce`"
        assert "exp_top_items_salesforce" in first[4]
        detail = plain(screen.query_one("#ly-detail"))
        assert "logic    `volume_ml > 50` at lastmile/hightouch/models/top_items_for_salesforce.yaml:10" in detail
        assert "belongs  `exp_top_items_salesforce`, the export it reads" in detail
        assert screen.selected_node() == "model.alcohol_marketplace.exp_top_items_salesforce"
        # f: the rules in several places, every place in the detail
        await pilot.press("f")
        first_rule = cells(table, table.keys[0])
        assert first_rule[1:3] == ["4", "`volume_ml <= 50`"]
        detail = plain(screen.query_one("#ly-detail"))
        for place in ("dbt model `exp_top_items_crm`", "Hightouch model", "LookML dimension", "Metabase native question"):
            assert place in detail
        # f: the dbt nodes; enter opens the node in Lineage
        await pilot.press("f")
        key = table.keys[0]
        assert key == "model.alcohol_marketplace.top_selling_skus_by_market"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.selected_node() == key


async def test_layerinitis_filter_and_hostile_free_rendering(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        screen = await open_ranked(pilot, app)
        await pilot.press("slash")
        await pilot.press(*"seasonal")
        table = screen.query_one("#ly-table")
        labels = [cells(table, k)[2] for k in table.keys]
        assert labels and all("notebook" in x or "Python" in x for x in labels)
        await pilot.press("escape", "escape")
        assert screen.query_one("#ly-filter").value == ""
