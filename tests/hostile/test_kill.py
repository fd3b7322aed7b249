"""Collects killed with SIGKILL at random moments: the store always opens and keeps every run.

dbt keeps only its last run; the store is the team's run history, so losing part of it to a
killed CI job would be the worst failure the console could have. A collect writes in one
transaction (DuckDB's write-ahead log makes it atomic), so a kill leaves the store as it was
before that collect, or with the collect wholly in it.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.store import read_tables
from tests.hostile.conftest import SAMPLE, console, well_behaved

KILLS = 30


def _counts(store: Path) -> tuple[int, int, int]:
    frames = read_tables(store, {"invocations": ["invocation_id"], "node_results": ["unique_id"], "freshness_results": ["unique_id"]})
    return frames["invocations"].height, frames["node_results"].height, frames["freshness_results"].height


@pytest.mark.slow
def test_collects_killed_at_random_moments_lose_nothing(tmp_path):
    rng = random.Random(20261201)
    root = tmp_path / "p"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".console", "archive"))
    archive = tmp_path / "archive"
    shutil.copytree(SAMPLE / "archive", archive)
    days = sorted(archive.iterdir())
    store = root / ".console" / "store.duckdb"
    assert console("collect", str(root), "--archive", str(tmp_path / "none")).returncode == 0
    before = _counts(store)
    # each round offers one more archived day, so a finished collect adds history to keep
    offered = tmp_path / "offered"
    offered.mkdir()
    killed = finished = 0
    for round_ in range(KILLS):
        if round_ < len(days):
            shutil.copytree(days[round_], offered / days[round_].name)
        proc = subprocess.Popen([sys.executable, "-m", "console", "collect", str(root), "--archive", str(offered), "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 1.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        else:
            finished += 1
        proc.wait(timeout=60)
        after = _counts(store)  # the store opens (a reader, read-only) after every kill
        assert all(a >= b for a, b in zip(after, before)), (round_, before, after)
        before = after
    report = console("report", "--no-collect", str(root), "--format", "json")
    well_behaved(report)
    assert report.returncode in (0, 1)
    assert killed >= KILLS // 3, (killed, finished)  # most rounds really were killed mid-way
    final = console("collect", str(root), "--archive", str(offered))
    well_behaved(final)
    assert final.returncode == 0
    assert _counts(store)[0] >= before[0]
