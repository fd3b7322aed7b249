"""What an open app keeps: one copy of what two screens read, and not the rules' Context.

The memory figure itself is measured by ``benchmarks/bench_tui.py`` at 10k nodes; these tests
pin the decisions behind it on sample_project's collected store.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref

from console.tui.messages import DataLoaded
from console.tui.state import AppData
from tests.tui.conftest import make_app, settle


def test_a_view_asked_for_by_two_workers_at_once_is_computed_once():
    data = AppData(ctx=None)
    calls = []

    def compute():
        calls.append(threading.get_ident())
        time.sleep(0.05)  # long enough for the other thread to ask meanwhile
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(data.memo("view", compute))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(got) == 3 and got[0] is got[1] is got[2]


async def test_the_lineage_and_the_triage_share_the_loads_signals_and_readers(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.built
        lineage, triage = app.get_screen("lineage"), app.get_screen("triage")
        signals = app.data.signals()
        assert lineage.index.refs is signals.refs
        assert triage._triage.signals is signals
        assert triage._triage.readers is app.data.readers()
        assert triage._triage.extras is app.data.extras()
        assert triage.result is not None and triage._items  # and the triage still answers from them


async def test_the_rules_context_is_let_go_once_the_screens_have_their_data(sample_loc):
    rules_ctx = []

    def hook(message) -> None:
        if isinstance(message, DataLoaded) and not message.data.partial and not message.data.evaluated:
            rules_ctx.append(weakref.ref(message.data.ctx))  # the Context the rules run over

    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await settle(pilot, app)
        assert app.built and rules_ctx
        gc.collect()
        assert rules_ctx[0]() is None  # with what rules keep beside it (the structure rules' Scope)
        assert app.data.ctx.frames["nodes"].height > 0 and app.data.ctx.graph.parents


async def test_one_string_per_node_id_across_the_loads_indexes(sample_loc):
    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        data = app.data
        ids = {uid: uid for uid in data.names}
        signals, graph = data.signals(), data.ctx.graph
        assert signals.refs and graph.parents and signals.latest
        for uid, ref in signals.refs.items():
            assert ids.get(uid, uid) is uid and ref.unique_id is uid
            assert ref.name == data.names.get(uid, ref.name)  # the triage's names are the load's
        for uid in signals.latest:
            assert ids.get(uid, uid) is uid
        for uid, parents in graph.parents.items():
            assert ids.get(uid, uid) is uid
            assert all(ids.get(p, p) is p for p in parents)


async def test_the_last_miles_frames_are_let_go_once_the_layerinitis_ranking_is_done(sample_loc):
    from console.layerinitis.items import without_comments
    from console.tui.hotspots_view import RANKING_TABLES, ranked_view

    app = make_app(sample_loc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        screen = app.get_screen("layerinitis")
        assert screen.ranked is not None and screen.ranked["items"]  # sample_project's last mile is ranked
        for name in RANKING_TABLES:
            assert app.data.ctx.frames[name].height == 0
            assert app.data.ctx.frames[name].columns  # empty, with its columns
        assert ranked_view(app.data)[0] is screen.ranked  # once per load: asked again, the same ranking
        assert without_comments.cache_info().currsize == 0  # the module-level memos emptied (state.drop_module_caches)


def test_the_triages_production_set_is_every_node_a_production_exposure_rests_on(sample_store, tui_config):
    from console.cli.options import resolve_locations
    from console.triage.blast import _production_set
    from rules._production import production_trees
    from rules.context import Context
    from tests.tui.conftest import SAMPLE

    loc = resolve_locations(SAMPLE, store=sample_store, config_file=tui_config)
    ctx = Context.from_store(loc.store, settings=loc.config.settings())
    expected = set()
    for exposure, via in production_trees(ctx):  # the rules' tree per exposure
        expected.update(via)
        expected.add(exposure.unique_id)
    fresh = Context.from_store(loc.store, settings=loc.config.settings())
    assert expected and _production_set(fresh) == expected
    assert "_rules_exposure_trees" not in fresh.__dict__  # no tree per exposure kept for it
