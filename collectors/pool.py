"""One process pool for the collectors' CPU-bound batches: parse many inputs on every core.

SQL facts (:mod:`collectors.sql_facts.parallel`), SQL logic (:mod:`collectors.sql_logic.batch`)
and the last mile's files and LookML SQL (:mod:`collectors.lastmile_phase`,
:mod:`collectors.lastmile.lookml_cache`) all do the same thing: cut a list of inputs into
chunks, run a module-level function on each chunk in a worker, and put the answers back in
order. :func:`run_chunks` is that, decided once:

* below ``pool_min`` inputs (or with one core) the pool costs more than it saves: the chunks
  run in this process;
* ``fork`` on Linux when this process runs no other thread (workers start in milliseconds
  with the parsers imported and warmed up by ``warm_up``), else ``forkserver``/``spawn``
  (:func:`context`);
* workers freeze the garbage collector on what they inherit (:func:`worker_init`), and the
  parent pauses it while it unpickles answers (plain dicts and lists);
* a worker that dies (killed, out of memory) breaks the pool: the chunks without an answer
  then run in this process instead of failing the collect;
* chunks are sized so that each worker gets several (``per_worker``), between ``min_size``
  and ``max_size`` inputs: small enough to balance the cores, big enough that pickling and
  scheduling stay a small share.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from console.gc_pause import gc_paused

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]
"""Called with (inputs done, inputs in all) as chunks finish."""

IN_PROCESS_CHUNK = 64
"""Inputs per chunk when the chunks run in this process (how often progress is told)."""


def cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells it).

    Example:
        >>> cores() >= 1
        True
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def context() -> multiprocessing.context.BaseContext:
    """``fork`` where it exists and this process runs no other Python thread, else the default.

    Forking a process with other threads running can leave a lock held forever in the child;
    ``forkserver``/``spawn`` start slower (the worker imports the parsers) but are safe then.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def worker_init() -> None:
    """A worker's start: objects inherited from the parent are never garbage here, so the
    collector is kept off them (and off their memory pages, which stay shared with the parent)."""
    gc.freeze()


def chunk_size(total: int, workers: int, *, per_worker: int = 8, min_size: int = 8, max_size: int = 256) -> int:
    """Inputs per chunk: about ``per_worker`` chunks per worker, within ``[min_size, max_size]``.

    Example:
        >>> chunk_size(2000, 2), chunk_size(100, 2), chunk_size(100_000, 2)
        (125, 8, 256)
    """
    return max(min_size, min(max_size, total // (workers * per_worker) or 1))


def run_chunks(
    work: Callable[[list[T]], list[R]],
    items: Sequence[T],
    *,
    workers: int | None = None,
    pool_min: int = 50,
    per_worker: int = 8,
    min_size: int = 8,
    max_size: int = 256,
    warm_up: Callable[[], Any] | None = None,
    progress: Progress | None = None,
    initializer: Callable[..., None] = worker_init,
    initargs: tuple = (),
) -> list[R]:
    """``work`` over ``items`` in chunks, on a process pool when there are enough; the answers
    of every chunk concatenated in the order of ``items``.

    Args:
        work: a module-level function (or a :func:`functools.partial` of one) taking a list of
            inputs and returning a list of answers; it runs in workers, so it and its inputs
            and answers must pickle.
        items: the inputs.
        workers: processes to use (default: :func:`cores`); 1 runs everything here.
        pool_min: with fewer inputs than this, everything runs here; the pool also gets at
            most one worker per ``pool_min`` inputs.
        per_worker, min_size, max_size: chunk sizing (:func:`chunk_size`).
        warm_up: called once here before the pool forks (e.g. a first parse, so that forked
            workers inherit warm parser tables).
        progress: told (inputs done, inputs in all) as chunks finish.
        initializer, initargs: each worker's start (default :func:`worker_init`).

    Example:
        >>> run_chunks(lambda chunk: [x * x for x in chunk], [1, 2, 3], pool_min=10)  # in this process
        [1, 4, 9]
    """
    total = len(items)
    workers = max(1, workers if workers is not None else cores())
    if workers == 1 or total < pool_min:
        out: list[R] = []
        for start in range(0, total, IN_PROCESS_CHUNK):
            out.extend(work(list(items[start : start + IN_PROCESS_CHUNK])))
            if progress is not None:
                progress(min(total, start + IN_PROCESS_CHUNK), total)
        return out
    workers = min(workers, (total + pool_min - 1) // pool_min)
    size = chunk_size(total, workers, per_worker=per_worker, min_size=min_size, max_size=max_size)
    chunks = [list(items[i : i + size]) for i in range(0, total, size)]
    if warm_up is not None:
        warm_up()
    answers: list[list[R] | None] = [None] * len(chunks)
    done = 0
    pool: ProcessPoolExecutor | None = None
    broken = False
    try:
        pool = ProcessPoolExecutor(workers, mp_context=context(), initializer=initializer, initargs=initargs)
        futures = {pool.submit(work, chunk): i for i, chunk in enumerate(chunks)}
        try:
            for future in as_completed(futures):
                i = futures[future]
                with gc_paused():  # unpickled answers are plain dicts and lists
                    answers[i] = future.result()
                done += len(chunks[i])
                if progress is not None:
                    progress(done, total)
        finally:
            for future in futures:
                future.cancel()
    except (BrokenProcessPool, OSError):  # a worker killed, or no processes left: the rest runs here
        broken = True
    finally:
        if pool is not None:
            if broken:
                kill_workers(pool)
            pool.shutdown(wait=True, cancel_futures=True)
    if broken:
        for i, chunk in enumerate(chunks):
            if answers[i] is None:
                answers[i] = work(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    return [answer for part in answers for answer in part]  # type: ignore[union-attr]


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill what is left of a broken pool's workers before it is shut down (every pool of the
    collectors does this once a worker died: :func:`run_chunks`, the render stream).

    A broken pool terminates its workers (SIGTERM) and joins them; a worker started by
    ``forkserver`` was once seen to outlive that, and the join (in the pool's shutdown, and at
    the interpreter's exit) then waited forever. SIGKILL cannot be outlived. ``_processes`` is
    the executor's own table of its workers (CPython 3.8 to 3.13); without it nothing is done.
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):  # already gone, or closed
            pass
