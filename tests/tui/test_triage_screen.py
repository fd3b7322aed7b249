"""The Triage screen with the Pilot: every binding, the run view, a node's view, and snapshots."""

from __future__ import annotations

import shutil

import pytest
from rich.console import Console

from console.tui.messages import ShowNode
from console.tui.screens.lineage import LineageScreen
from console.tui.screens.triage import TriageScreen
from tests.tui.conftest import make_app, settle

INVENTORY = "source.alcohol_marketplace.inventory_feed.inventory"
EXPORT = "model.alcohol_marketplace.exp_retailer_app_skus"
SIZES = [(80, 24), (160, 48)]


def body_text(screen: TriageScreen) -> str:
    """The triage body as plain text (what the person reads)."""
    console = Console(width=120, record=True, color_system=None)
    console.print(screen.query_one("#tr-body").content)
    return console.export_text()


async def _open(app, pilot, node: str | None):
    if node is None:
        app.action_switch("triage")
        await settle(pilot, app)
        if app.screen.subject is not None:
            await pilot.press("r")
    else:
        app.post_message(ShowNode(node, "triage"))
    await settle(pilot, app)
    return app.screen


async def test_the_latest_run_puts_the_stale_inventory_feed_first(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        screen = await _open(app, pilot, None)
        assert isinstance(screen, TriageScreen) and screen.subject is None
        assert screen.selected_node() == INVENTORY  # the first root cause
        text = body_text(screen)
        assert "Root cause 1 of 2" in text and "stale: loaded" in text
        for app_name in ("retailer_app", "crm_missing_items_campaign", "salesforce_store_pitch_sync"):
            assert app_name in text


async def test_enter_triages_the_highlighted_node_and_escape_comes_back(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        screen = await _open(app, pilot, EXPORT)
        assert screen.subject == EXPORT and screen.result.level == "error"
        text = body_text(screen)
        assert "inventory_feed.inventory" in text and "Changed since last green run" in text and "$ dbt build" in text
        await pilot.press("j")  # from the node to its first root cause
        assert screen.selected_node() == INVENTORY
        await pilot.press("k")
        assert screen.selected_node() == EXPORT
        await pilot.press("j", "enter")
        await settle(pilot, app)
        assert screen.subject == INVENTORY
        await pilot.press("escape")
        await settle(pilot, app)
        assert screen.subject == EXPORT
        await pilot.press("r")
        await settle(pilot, app)
        assert screen.subject is None
        await pilot.press("escape")  # back to the node triaged before the run
        await settle(pilot, app)
        assert screen.subject == EXPORT


async def test_scroll_keys_move_the_body(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        screen = await _open(app, pilot, INVENTORY)
        body = screen.query_one("#tr-body")
        assert body.max_scroll_y > 0
        await pilot.press("space")
        await pilot.pause()
        first = body.scroll_y
        assert first > 0
        await pilot.press("b")
        await pilot.pause()
        assert body.scroll_y < first
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert body.scroll_y == 0


async def test_l_shows_the_highlighted_node_in_the_lineage_and_t_comes_back(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await _open(app, pilot, EXPORT)
        await pilot.press("j", "l")
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert isinstance(app.screen, LineageScreen)
        assert app.screen.focus_id == INVENTORY
        await pilot.press("t")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen) and app.screen.subject == INVENTORY


async def test_the_app_opens_on_triage_when_the_latest_run_failed(project_copy, tui_config):
    """A project whose archive stops on November 4 (failing tests, 24 nodes skipped)."""
    from collectors.pipeline import collect
    from console.cli.options import resolve_locations

    for folder in (project_copy / "archive").iterdir():
        if folder.name > "2026-11-05":
            shutil.rmtree(folder)
    (project_copy / "target" / "run_results.json").unlink()
    (project_copy / "target" / "sources.json").unlink()
    loc = resolve_locations(project_copy, config_file=tui_config)
    collect(loc)
    app = make_app(loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.subject is None
        roots = [g.root.node.name for g in screen.result.groups]
        assert {"stg_skus", "stg_order_items"} <= set(roots)
        assert screen.result.run.at.day == 4


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("name", "node"), [("run", None), ("export", EXPORT)])
def test_triage_snapshot(snap_compare, sample_loc, name, node, size):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        await _open(app, pilot, node)
        await settle(pilot, app)

    assert snap_compare(make_app(sample_loc), terminal_size=size, run_before=run_before)
