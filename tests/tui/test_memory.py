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
