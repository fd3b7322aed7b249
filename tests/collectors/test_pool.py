"""The collectors' one process pool (:mod:`collectors.pool`): order, progress, a broken pool."""

from __future__ import annotations

import os
import signal
import threading
from functools import partial

from collectors.pool import chunk_size, context, run_chunks


def _square(items: list[int]) -> list[tuple[int, int]]:
    return [(i, i * i) for i in items]


def _square_pid(items: list[int]) -> list[tuple[int, int]]:
    return [(i, os.getpid()) for i in items]


def _offset(base: int, items: list[int]) -> list[int]:
    return [base + i for i in items]


def _die_once(marker: str, items: list[int]) -> list[int]:
    """The first worker to get a chunk kills itself (as the out-of-memory killer would)."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return [i * 2 for i in items]
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
    return []


def test_in_process_below_pool_min_keeps_order_and_tells_progress():
    calls: list[tuple[int, int]] = []
    out = run_chunks(_square_pid, list(range(130)), pool_min=1000, progress=lambda d, t: calls.append((d, t)))
    assert [i for i, _ in out] == list(range(130))
    assert {pid for _, pid in out} == {os.getpid()}
    assert calls == [(64, 130), (128, 130), (130, 130)]


def test_pool_gives_the_answers_of_one_process_in_order():
    items = list(range(1000))
    calls: list[tuple[int, int]] = []
    pooled = run_chunks(_square, items, workers=2, pool_min=10, progress=lambda d, t: calls.append((d, t)))
    assert pooled == _square(items)
    assert calls[-1] == (1000, 1000) and [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) > 2
    pids = {pid for _, pid in run_chunks(_square_pid, items, workers=2, pool_min=10)}
    assert os.getpid() not in pids and len(pids) >= 1


def test_a_partial_of_a_module_function_runs_in_workers():
    assert run_chunks(partial(_offset, 100), list(range(300)), workers=2, pool_min=10) == [100 + i for i in range(300)]


def test_a_killed_worker_leaves_the_rest_to_this_process(tmp_path):
    items = list(range(400))
    out = run_chunks(partial(_die_once, str(tmp_path / "died")), items, workers=2, pool_min=10)
    assert (tmp_path / "died").exists()
    assert out == [i * 2 for i in items]


def test_from_a_thread_the_pool_does_not_fork():
    got: dict = {}

    def run():
        got["method"] = context().get_start_method()
        got["out"] = run_chunks(_square, list(range(200)), workers=2, pool_min=10)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert got["method"] != "fork" and got["out"] == _square(list(range(200)))


def test_chunk_size_bounds():
    assert chunk_size(10, 2) == 8
    assert chunk_size(10**6, 2) == 256
    assert chunk_size(4070, 2, per_worker=6, max_size=128) == 128
    assert chunk_size(1000, 2, per_worker=4, min_size=64) == 125
