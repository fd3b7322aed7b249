"""Rendering many models on every core, while the project is still being read.

A cold collect of a project with hundreds of models to render spends much of its time in
jinja2. Models that the render cache does not answer are rendered by a :class:`RenderStream`:
the collect hands it each model as soon as that model is set up
(:func:`collectors.dbt_project.file_nodes._add_models`), and the stream cuts them into chunks of
:data:`CHUNK` and sends each full chunk to a process pool started on the :data:`POOL_MIN`-th
model (``fork``: the workers start in milliseconds, with jinja2 imported). So the workers
render while this process goes on reading the other models; when it has read them all, this
process renders too, taking back from the end of the queue the chunks no worker has started
(``Future.cancel``), and then, from the end again, those a worker holds but has not finished
(:meth:`RenderStream.finish`): it waits for no worker's answer (a forked worker is then let
finish the chunk in its hands, a few milliseconds, so that no thread of the pool outlives the
read). The pool has one worker fewer than the cores (this process is the last one); with one
core, or below :data:`POOL_MIN` models, everything renders here.

Each worker builds its :class:`~collectors.dbt_project.render.Renderer` once, from the
picklable inputs the collect's renderer was made from (:func:`renderer_spec`), and returns
cache entries (JSON text), which the collect checks and keeps exactly as it keeps the renders
it makes itself: which process rendered a model never changes what it finds.

Why not :func:`collectors.pool.run_chunks`: it takes the whole list at once, so the workers
would only start once every model is set up, and this process would wait idle while they
render. On the 2,000-model project of ``benchmarks/bench_raw_dag.py`` (1,000 models to
render, 2 cores) the stream takes the render off the read's critical path (see
``docs/architecture.md``). It shares the pool's decisions: the start method
(:func:`collectors.pool.context`), the workers' frozen heap (:func:`collectors.pool.worker_init`)
and the answers unpickled with the garbage collector paused.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from collectors.dbt_project.render import Renderer
from collectors.dbt_project.render_cache import Entry, render_entry
from collectors.pool import context as _context, cores as _cores, kill_workers, worker_init
from console.gc_pause import gc_paused

POOL_MIN = 64
"""Fewer models to render than this: no process pool."""
CHUNK = 32
"""Models per chunk sent to a worker (about 15 ms of rendering: small enough that this process
takes back most of the tail, big enough that pickling and scheduling stay a small share)."""


@dataclass(frozen=True)
class RenderJob:
    """One model to render: its cache key, its text and the keyword arguments of ``render``."""

    key: str
    text: str
    kwargs: dict[str, Any]


def renderer_spec(renderer: Renderer) -> dict[str, Any]:
    """The picklable inputs a renderer was made from (``Renderer(**spec)`` makes its twin)."""
    return {
        "root_package": renderer.root, "macro_files": list(renderer.files),
        "project_vars": renderer.project_vars, "cli_vars": renderer.cli_vars, "target": renderer.target,
        "dispatch": renderer.dispatch_config, "env": dict(renderer.env),
    }


def default_workers() -> int:
    """Worker processes beside this one: one per core but the one this process renders on.

    Example:
        >>> default_workers() == max(0, __import__("collectors.pool").pool.cores() - 1)
        True
    """
    return max(0, _cores() - 1)


class RenderStream:
    """Models to render, given one by one (:meth:`add`) and rendered by :meth:`finish`.

    Args:
        renderer: the collect's renderer (this process renders with it; workers with its twin).
        workers: worker processes (default :func:`default_workers`); 0 renders everything here.

    Use it as a context manager (or call :meth:`close`): a read that fails half-way stops the
    workers.
    """

    def __init__(self, renderer: Renderer, workers: int | None = None):
        self.renderer = renderer
        self.workers = default_workers() if workers is None else max(0, workers)
        self._pending: list[RenderJob] = []
        self._held: list[RenderJob] = []  # jobs seen before the pool starts
        self._chunks: list[tuple[list[RenderJob], Future | None]] = []
        self._pool: ProcessPoolExecutor | None = None
        self._seen = 0
        self._broken = False
        self._forked = False

    def __enter__(self) -> RenderStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, job: RenderJob) -> None:
        """One more model to render (a full chunk goes to a worker at once)."""
        self._seen += 1
        if self.workers == 0:
            self._pending.append(job)
            return
        if self._pool is None:
            self._held.append(job)
            if self._seen < POOL_MIN:
                return
            self._start()
            held, self._held = self._held, []
            for start in range(0, len(held) - len(held) % CHUNK, CHUNK):
                self._submit(held[start : start + CHUNK])
            self._pending = held[len(held) - len(held) % CHUNK :]
            return
        self._pending.append(job)
        if len(self._pending) >= CHUNK:
            self._submit(self._pending)
            self._pending = []

    def finish(self) -> dict[str, Entry]:
        """key -> cache entry of every job: the rest rendered here, then the workers' answers.

        This process renders, from the end of the queue, every chunk no worker has started;
        then, again from the end, each chunk a worker holds that it has not finished yet (the
        worker's answer, should it come first, is not waited for): so it never waits for an
        answer, not even from a worker slow to start (``spawn`` in a process running other
        threads, such as the terminal UI).
        """
        out: dict[str, Entry] = {}
        for job in self._held + self._pending:
            out[job.key] = self._here(job)
        self._held, self._pending = [], []
        held: list[tuple[list[RenderJob], Future]] = []
        for jobs, future in reversed(self._chunks):
            if future is None or future.cancel():
                out.update((job.key, self._here(job)) for job in jobs)
            else:
                held.append((jobs, future))
        undone = False
        for jobs, future in held:
            if not future.done():
                undone = True
                out.update((job.key, self._here(job)) for job in jobs)
                continue
            try:
                with gc_paused():  # the answers are plain tuples of strings
                    out.update(future.result())
            except (BrokenProcessPool, OSError):  # a worker killed (out of memory): render here
                self._broken = True
                out.update((job.key, self._here(job)) for job in jobs)
        self._chunks = []
        # a forked worker ends its chunk within milliseconds: wait for it, so that no thread of
        # the pool outlives the read (a process running other threads forks no pool: the SQL
        # facts' would start its workers with forkserver); one started another way (this process
        # already runs other threads) ends on its own
        self.close(wait=not undone or self._forked)
        return out

    def _here(self, job: RenderJob) -> Entry:
        return render_entry(self.renderer, job.text, job.kwargs)

    def close(self, wait: bool = True) -> None:
        """Stop the workers, cancelling what they have not started (``wait``: until they end;
        else a worker ends on its own once its chunk is done)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            if self._broken:  # a worker died: the others must not keep the shutdown waiting
                kill_workers(pool)
            pool.shutdown(wait=wait, cancel_futures=True)

    def _start(self) -> None:
        for stream in (sys.stdout, sys.stderr):  # a forked worker flushes the buffers it inherited as
            with contextlib.suppress(OSError, ValueError):  # it ends: what they hold is written once, here
                stream.flush()
        try:
            context = _context()
            self._forked = context.get_start_method() == "fork"
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_init, initargs=(renderer_spec(self.renderer),)
            )
        except OSError:  # no processes left: everything renders here
            self.workers = 0

    def _submit(self, jobs: list[RenderJob]) -> None:
        future = None
        if self._pool is not None and not self._broken:
            try:
                future = self._pool.submit(_render_chunk, jobs)
            except (BrokenProcessPool, OSError, RuntimeError):
                self._broken = True
        self._chunks.append((jobs, future))


def render_all(renderer: Renderer, jobs: Sequence[RenderJob], workers: int | None = None) -> dict[str, Entry]:
    """key -> cache entry for every job (:class:`RenderStream` over a list given at once)."""
    with RenderStream(renderer, workers) as stream:
        for job in jobs:
            stream.add(job)
        return stream.finish()


_WORKER: Renderer | None = None


def _init(spec: dict[str, Any]) -> None:
    global _WORKER
    worker_init()  # objects inherited from the parent are never garbage here
    _WORKER = Renderer(**spec)


def _render_chunk(jobs: Sequence[RenderJob]) -> list[tuple[str, Entry]]:
    assert _WORKER is not None
    return [(job.key, render_entry(_WORKER, job.text, job.kwargs)) for job in jobs]
