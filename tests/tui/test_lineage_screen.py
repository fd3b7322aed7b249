"""The Lineage screen with the Pilot: search, the project view, walking the graph, and snapshots."""

from __future__ import annotations

import pytest

from console.tui.lineage_layout import build_index, neighbourhood
from console.tui.screens.lineage import LineageScreen, search
from console.tui.screens.triage import TriageScreen
from tests.tui.conftest import make_app, settle

SIZES = [(80, 24), (160, 48)]
STG_INVENTORY = "model.alcohol_marketplace.stg_inventory"
AVAILABILITY = "model.alcohol_marketplace.int_store_sku_availability"
INVENTORY = "source.alcohol_marketplace.inventory_feed.inventory"


async def _lineage(app, pilot) -> LineageScreen:
    await settle(pilot, app)
    await pilot.press("2")
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, LineageScreen)
    return screen


async def _search(pilot, app, text: str) -> None:
    await pilot.press("slash", *text)
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot, app)


def test_a_neighbourhood_is_laid_out_in_columns_by_layer(sample_loc):
    from console.triage import load_extras
    from rules.context import Context

    ctx = Context.from_store(sample_loc.store, settings=sample_loc.config.settings())
    index = build_index(ctx, (), load_extras(sample_loc.store, code=False))
    layout = neighbourhood(index, STG_INVENTORY, depth=2)
    titles = [t for t, _ in layout.columns]
    assert titles == ["sources", "staging", "intermediate", "marts", "exports", "last mile", "query log"]
    cells = dict(layout.columns)
    assert [(c.name, c.direction, c.level) for c in cells["sources"]] == [("inventory_feed.inventory", "up", "error")]
    assert [c.name for c in cells["intermediate"]] == ["int_store_sku_availability"]
    deep = neighbourhood(index, STG_INVENTORY, depth=9)
    assert [t for t, _ in deep.columns][-3:] == ["exposures", "last mile", "query log"]
    assert {c.name for c in dict(deep.columns)["exposures"]} == {"retailer_app", "crm_missing_items_campaign", "salesforce_store_pitch_sync"}
    readers = [c.name for c in dict(deep.columns)["query log"]]
    assert any(r.startswith("RETAILER_APP_SVC") for r in readers)
    assert search(index, "inventry")[0] in (STG_INVENTORY, INVENTORY)


async def test_the_whole_project_view_counts_layers_and_centres_on_a_fan_out(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _lineage(app, pilot)
        assert screen.focus_id is None
        project = screen.query_one("#ln-project")
        head = project.get_option_at_index(0).prompt.plain
        assert "staging 5" in head and "exposures 4" in head
        widest = screen.selected_node()
        assert widest == "model.alcohol_marketplace.stg_stores"  # 4 children, the widest
        await pilot.press("down")
        assert screen.selected_node() != widest
        await pilot.press("up", "enter")
        await settle(pilot, app)
        assert screen.focus_id == widest
        await pilot.press("w")
        await settle(pilot, app)
        assert screen.focus_id is None
        await pilot.press("escape")  # back to the node shown before the project view
        await settle(pilot, app)


async def test_search_arrows_hjkl_enter_escape_and_depth_walk_the_graph(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _lineage(app, pilot)
        await _search(pilot, app, "stg_inventory")
        assert screen.focus_id == STG_INVENTORY and screen.selected_node() == STG_INVENTORY
        view = screen.query_one("#ln-view")
        assert "stg_inventory" in screen.query_one("#ln-detail").content.plain
        await pilot.press("h")  # left: the sources column
        assert screen.selected_node() == INVENTORY
        await pilot.press("l", "right")  # back, then the intermediate column
        assert screen.selected_node() == AVAILABILITY
        await pilot.press("left", "j", "k")
        assert screen.selected_node() == STG_INVENTORY
        await pilot.press("right", "enter")  # recentre on int_store_sku_availability
        await settle(pilot, app)
        assert screen.focus_id == AVAILABILITY and view.current().key == AVAILABILITY
        columns = len(view.layout_data.columns)
        await pilot.press("minus", "minus")
        await settle(pilot, app)
        assert screen.depth == 1 and len(view.layout_data.columns) < columns
        await pilot.press("plus")
        assert screen.depth == 2
        await pilot.press("G")
        last = screen.selected_node()
        await pilot.press("g")
        assert screen.selected_node() != last or len(view.layout_data.columns[view.cursor[0]][1]) == 1
        await pilot.press("escape")  # back to stg_inventory
        await settle(pilot, app)
        assert screen.focus_id == STG_INVENTORY
        await pilot.press("t")  # triage the node under the cursor
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen) and app.screen.subject == STG_INVENTORY


async def test_search_escape_closes_the_results(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _lineage(app, pilot)
        await pilot.press("slash", *"exp_")
        await pilot.pause()
        results = screen.query_one("#ln-results")
        assert not results.has_class("-hidden") and results.option_count >= 3
        await pilot.press("down")  # into the results
        assert results.has_focus
        await pilot.press("escape")
        assert results.has_class("-hidden") and screen.focus_id is None


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("name", "keys"), [("project", ()), ("node", ("slash", *"int_store_sku_availability", "enter"))])
def test_lineage_snapshot(snap_compare, sample_loc, name, keys, size):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        for key in keys:
            await pilot.press(key)
        await settle(pilot, app)

    assert snap_compare(make_app(sample_loc), terminal_size=size, run_before=run_before)
