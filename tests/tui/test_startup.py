"""Start-up: the Overview's first paint from a narrow read, then the whole load; what the app keeps.

On sample_project's collected store: the narrow read (``state.FIRST_PAINT``) must draw the same
Overview as the whole load, reach only the screens that take it, and come before the whole
frames and the findings; once the rules ran, the app keeps the frames the screens read and
empties the rest (same columns, no rows).
"""

from __future__ import annotations

from console.tui import digest
from console.tui.messages import DataLoaded
from console.tui.screens.base import ConsoleScreen
from console.tui.state import FIRST_PAINT, SCREEN_TABLES, evaluate_app_data, read_app_data, read_first_paint
from rules.context import Context
from tests.tui.conftest import NOW, make_app, settle


def test_the_first_read_draws_the_same_overview_as_the_whole_load(sample_loc):
    first = read_first_paint(sample_loc, now=NOW)
    whole = read_app_data(sample_loc, now=NOW)
    assert first.partial and not first.evaluated and not whole.partial
    assert first.has_store and first.latest_run["invocation_id"] == whole.latest_run["invocation_id"]
    assert digest.overview(first) == digest.overview(whole)
    assert digest.overview(first).latest.failed == 0 and digest.overview(first).layers["staging"] > 0
    assert first.stale_sources == whole.stale_sources and first.stale_sources  # the sample has a stale source
    assert first.failed_nodes == whole.failed_nodes and first.missing == whole.missing
    assert first.names == whole.names
    for name, frame in first.ctx.frames.items():
        if name not in FIRST_PAINT:
            assert frame.height == 0, name
        else:
            assert frame.height == whole.ctx.frames[name].height, name
    assert set(first.ctx.frames["nodes"].columns) == set(FIRST_PAINT["nodes"])


def test_a_missing_store_gives_an_empty_first_paint(sample_loc, tmp_path):
    from dataclasses import replace

    loc = replace(sample_loc, store=tmp_path / "none" / "store.duckdb")
    first = read_first_paint(loc, now=NOW)
    assert first.partial and not first.has_store and first.missing[0].startswith("No store yet")


async def test_the_overview_paints_first_then_every_screen_gets_the_whole_load(sample_loc, monkeypatch):
    shown: list[tuple[str, bool, bool]] = []
    show = ConsoleScreen.show

    def recording_show(screen, data):
        shown.append((type(screen).__name__, data.partial, data.evaluated))
        show(screen, data)

    monkeypatch.setattr(ConsoleScreen, "show", recording_show)
    loads: list[DataLoaded] = []
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30), message_hook=lambda m: loads.append(m) if isinstance(m, DataLoaded) else None) as pilot:
        await settle(pilot, app)
        assert [(m.data.partial, m.data.evaluated) for m in loads] == [(True, False), (False, False), (False, True)]
        assert len({m.data.generation for m in loads}) == 1  # one load, drawn in three steps
        assert [s for s in shown if s[1]] == [("OverviewScreen", True, False)]  # the narrow read reaches the Overview only
        assert shown[0] == ("OverviewScreen", True, False)
        assert {name for name, _, evaluated in shown if evaluated} >= {"OverviewScreen", "ChecksScreen", "TriageScreen"}
        run = app.get_screen("overview").query_one("#ov-run").content.plain
        assert "dbt build" in run and "nothing failed" in run
        assert app.data.evaluated and not app.data.partial


def test_after_the_rules_the_app_keeps_only_the_frames_screens_read(sample_loc):
    data = evaluate_app_data(read_app_data(sample_loc, now=NOW), sample_loc)
    store = Context.from_store(sample_loc.store, now=NOW, settings=sample_loc.config.settings()).frames
    emptied = [name for name in store if name not in SCREEN_TABLES and store[name].height]
    assert "node_columns" in emptied and "sql_facts" in emptied
    for name, frame in data.ctx.frames.items():
        assert frame.schema == store[name].schema, name  # same columns either way: a reader never fails on a missing one
        assert frame.height == (store[name].height if name in SCREEN_TABLES else 0), name
    assert data.findings and data.ctx.graph.children  # the graph and the findings were made from the whole frames
