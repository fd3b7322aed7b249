"""A load in a process of its own (console/tui/load_process.py): the same load as in the
app's thread, input errors as input errors, a cancelled or dead process never left behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import polars as pl
import pytest

from console.cli.options import resolve_locations
from console.errors import InputError
from console.tui.load_process import SENT_COLUMNS, LoadFailed, load, sent_frames
from console.tui.hotspots_view import ranked_view
from console.tui.state import load_app_data
from tests.tui.conftest import NOW, SAMPLE, make_app, settle


def _children() -> list[int]:
    """Pids of this process's children running the load."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and b"console.tui.load_process" in cmdline:
            out.append(int(entry.name))
    return out


def test_a_load_in_its_own_process_is_the_load_of_the_thread(sample_loc):
    here = load_app_data(sample_loc, now=NOW, generation=3)
    ranked_view(here)  # (as the load's process does: the frames only the ranking reads are emptied then)
    there = load(sample_loc, now=NOW, generation=3, cancelled=lambda: False)
    assert there is not None and there.evaluated and there.generation == 3
    assert [f.fingerprint for f in there.findings] == [f.fingerprint for f in here.findings]
    assert set(there.rules) == set(here.rules)
    sent = sent_frames(here.ctx.frames)  # what the app reads: fewer columns and tables, the same rows
    assert {k: (f.height, f.columns) for k, f in there.ctx.frames.items()} == {k: (f.height, f.columns) for k, f in sent.items()}
    assert there.ctx.frames["edges"].height == 0 and here.ctx.frames["edges"].height > 0
    assert set(there.ctx.frames["nodes"].columns) == set(SENT_COLUMNS["nodes"]) < set(here.ctx.frames["nodes"].columns)
    exposures = there.ctx.frames["nodes"].filter(pl.col("resource_type") == "exposure")
    assert exposures.height and exposures["config"].null_count() < exposures.height  # what the production set reads
    assert there.ctx.frames["nodes"].filter(pl.col("resource_type") == "model")["config"].null_count() == len(there.ctx.of_type("model"))
    assert "result_history" not in there.ctx.__dict__ and "latest_results" not in there.__dict__  # derived: not sent
    node = here.ctx.result_history["unique_id"][-1]
    assert there.ctx.history_of(node).equals(here.ctx.result_history.filter(pl.col("unique_id") == node).select(
        there.ctx.history_of(node).columns))  # asked per node, without the whole history
    assert there.names == here.names and there.missing == here.missing
    memo = there.__dict__["_memo"]  # the screens' views come computed: a screen finds them done
    assert {"lineage.index", "layerinitis.ranking", "triage.signals", "triage.readers"} <= set(memo)
    assert "triage.extras" not in memo  # (a lazy reader of the store: read again in the app)
    uid = next(iter(there.ctx.graph.parents))
    assert next(k for k in there.names if k == uid) is uid  # one string per node id, as the load made it
    assert there.readers() is memo["triage.readers"]


def test_a_store_that_is_not_a_store_is_an_input_error_of_the_load(tmp_path):
    bad = tmp_path / "store.duckdb"
    bad.write_bytes(b"not a database at all\n" * 100)
    loc = resolve_locations(SAMPLE, store=bad)
    with pytest.raises(InputError) as caught:
        load(loc, now=NOW, generation=1, cancelled=lambda: False)
    assert caught.value.stage == "load" and "store.duckdb" in str(caught.value)
    assert bad.read_bytes() == b"not a database at all\n" * 100  # nothing lost


def test_a_collect_that_rejects_its_input_is_an_input_error_of_the_collect(project_copy, tmp_path):
    from collectors.pipeline import collect

    (project_copy / "target" / "manifest.json").write_text('{"metadata": ')
    loc = resolve_locations(project_copy, store=tmp_path / "store.duckdb")
    with pytest.raises(InputError) as caught:
        load(loc, now=NOW, generation=1, cancelled=lambda: False, collect_first=lambda: collect(loc).to_text())
    assert caught.value.stage == "collect" and "manifest.json" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not _children()  # the process started beside the collect is gone
    assert not (tmp_path / "store.duckdb").exists()  # nothing written


def test_the_collects_summary_reaches_the_load(sample_loc):
    data = load(sample_loc, now=NOW, generation=1, cancelled=lambda: False, collect_first=lambda: "collected 3 things")
    assert data is not None and data.collect_note == "collected 3 things"


def test_a_cancelled_load_kills_its_process(sample_loc):
    started = time.monotonic()
    seen: list[int] = []

    def cancelled() -> bool:
        seen.extend(p for p in _children() if p not in seen)
        return time.monotonic() - started > 0.3

    assert load(sample_loc, now=NOW, generation=1, cancelled=cancelled) is None
    assert seen  # the process was there
    assert not _children()  # and is gone (killed and reaped)


def test_a_load_whose_process_dies_fails_with_a_sentence(sample_loc):
    def kill_it() -> bool:
        for pid in _children():
            os.kill(pid, signal.SIGKILL)
        return False

    with pytest.raises(LoadFailed, match="ended without an answer"):
        load(sample_loc, now=NOW, generation=1, cancelled=kill_it)
    assert not _children()


async def test_the_app_shows_a_load_made_in_its_own_process(sample_loc):
    app = make_app(sample_loc)
    assert app.LOAD_IN_PROCESS
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert app.data.evaluated and app.data.findings
        assert app.get_screen("lineage").index is app.data.__dict__["_memo"]["lineage.index"]
    assert not _children()


def test_a_process_that_dies_before_its_arguments_fails_with_a_sentence(sample_loc):
    def collect_then_kill() -> str:
        time.sleep(0.2)
        for pid in _children():
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        return ""

    with pytest.raises(LoadFailed, match="ended without an answer"):
        load(sample_loc, now=NOW, generation=1, cancelled=lambda: False, collect_first=collect_then_kill)
    assert not _children()
