"""The app with the Pilot: screens, bindings, the data contract, failures."""

from __future__ import annotations

import pytest

from console.tui.screens.checks import ChecksScreen
from console.tui.screens.freshness import FreshnessScreen
from console.tui.screens.overview import OverviewScreen
from console.tui.screens.runs import RunsScreen
from tests.tui.conftest import NOW, make_app, settle


async def test_opens_on_the_overview_with_the_reports_findings(sample_loc):
    from console.cli.report_cmd import _evaluate

    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, OverviewScreen)
        report = _evaluate(sample_loc, NOW, "json", (), (), None)
        assert [f.fingerprint for f in app.data.findings] == [f.fingerprint for f in report.findings]
        assert app.data.now == NOW and app.data.missing == ()


@pytest.mark.parametrize(("key", "screen"), [("3", ChecksScreen), ("4", FreshnessScreen), ("5", RunsScreen), ("1", OverviewScreen)])
async def test_number_keys_switch_screens(sample_loc, key, screen):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("5" if key != "5" else "3", key)
        assert isinstance(app.screen, screen)
        assert app.screen.data is app.data


async def test_app_bindings_help_copy_open_theme(sample_loc, tmp_path, monkeypatch):
    seen = tmp_path / "opened.txt"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\necho "$1" > {seen}\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        assert app.screen.query("HelpPanel")
        await pilot.press("question_mark")
        assert not app.screen.query("HelpPanel")
        await pilot.press("4")  # Freshness: the stale source is under the cursor
        await pilot.press("y")
        assert app.clipboard == "source.alcohol_marketplace.inventory_feed.inventory"
        await pilot.press("o")
        for _ in range(50):
            if seen.exists() and seen.read_text():
                break
            await pilot.pause(0.1)
        assert seen.read_text().strip() == str(sample_loc.project / "models/staging/_sources.yml")
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"


async def test_triage_key_and_show_node_without_the_screen(sample_loc):
    from console.tui.messages import ShowNode

    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("4", "t")
        if app.has_screen("triage"):
            assert app.screen is app.get_screen("triage")
        else:  # the Triage screen is not part of this build: a word, no crash
            assert any("not part of this build" in n.message for n in app._notifications)
        app.post_message(ShowNode("source.alcohol_marketplace.inventory_feed.inventory", screen="freshness"))
        await pilot.pause()
        assert app.screen.selected_node() == "source.alcohol_marketplace.inventory_feed.inventory"


async def test_command_palette_goes_to_screens_nodes_and_rules(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p", *"Screen: Runs")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.get_screen("runs")
        await pilot.press("ctrl+p", *"Screen: Runs: Nodes")  # a view of a screen is listed as one
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.get_screen("runs-nodes")
        await pilot.press("ctrl+p", *"Rule: RUN002")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.get_screen("checks")
        assert app.screen.query_one("#ck-filter").value == "rule:RUN002"
        await pilot.press("ctrl+p", *"fct_market_demand")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        target = "triage" if app.has_screen("triage") else "lineage"
        if app.has_screen(target):  # a node opens in Triage (Lineage before Triage existed)
            assert app.screen is app.get_screen(target)


async def test_a_missing_store_opens_with_a_word_on_what_is_missing(sample_loc, tmp_path):
    from dataclasses import replace

    loc = replace(sample_loc, store=tmp_path / "none" / "store.duckdb")
    app = make_app(loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert not app.data.has_store and app.data.findings == ()
        bar = app.screen.query_one("#status-bar")
        assert "No store yet" in bar.render().plain
        for key in ("3", "4", "5"):
            await pilot.press(key)
        assert "No store yet" in app.screen.query_one("#rn-count").content.plain or "No run" in app.screen.query_one("#rn-count").content.plain


async def test_a_project_without_artifacts_opens_on_its_files(project_copy):
    import shutil

    from console.cli.options import resolve_locations

    shutil.rmtree(project_copy / "target")
    shutil.rmtree(project_copy / "archive")
    loc = resolve_locations(project_copy)
    app = make_app(loc, collect=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.data.has_store
        assert any("No dbt artifacts" in m for m in app.data.missing)
        assert any("No run history" in m for m in app.data.missing)
        assert "No dbt artifacts" in app.screen.query_one("#status-bar").render().plain
        assert app.data.ctx.frames["nodes"].height > 20  # the DAG from the project's files


async def test_a_bad_store_shows_one_error_dialog(sample_loc, tmp_path):
    from dataclasses import replace

    import duckdb

    from console.tui.widgets.error_dialog import ErrorDialog

    bad = tmp_path / "other.duckdb"
    con = duckdb.connect(str(bad))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    app = make_app(replace(sample_loc, store=bad))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert dialog.title_text == "Could not load the project's store."
        assert "not a console store" in dialog.detail
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorDialog)


async def test_untrusted_names_and_messages_render_as_text(tmp_path):
    from console.cli.options import resolve_locations
    from tests.report.conftest import EVIL_NAME, shop_tables
    from tests.rules.helpers import make_context

    make_context(tmp_path, **shop_tables())
    (tmp_path / "console.toml").write_text('[rules]\nselect = ["checks", "structure"]\n')
    loc = resolve_locations(tmp_path, store=tmp_path / "store.duckdb")
    app = make_app(loc)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("3", "slash", *"img", "enter")
        table = app.screen.query_one("#ck-table")
        assert table.row_count >= 1
        row = table.get_row(table.selected_key)
        assert row[2].plain == EVIL_NAME  # the name, not markup eaten by the renderer
        assert EVIL_NAME in app.screen.query_one("#ck-text").content.plain


async def test_no_color_is_honoured(sample_loc, monkeypatch):
    from textual.filter import Monochrome, NoColor

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(sample_loc)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert any(isinstance(f, (Monochrome, NoColor)) for f in app.get_line_filters())


async def test_a_screen_workers_failure_reaches_the_error_dialog(sample_loc, tmp_path):
    import shutil
    from dataclasses import replace

    from console.tui.widgets.error_dialog import ErrorDialog

    store = tmp_path / "store.duckdb"
    shutil.copy(sample_loc.store, store)
    app = make_app(replace(sample_loc, store=store))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        store.unlink()  # the store goes away while the app is open
        await pilot.press("3", "j")
        checks = app.screen  # built ahead: its nearby findings' SQL was read already, so ask again
        checks.load_code(checks.selected_node())
        await pilot.pause(0.5)
        await settle(pilot, app)
        assert isinstance(app.screen, ErrorDialog)
        assert app.screen.title_text == "Could not read the node's SQL from the store."
        assert "run `console collect` first" in app.screen.detail
