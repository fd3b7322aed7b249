"""Rendering many models on every core.

A cold collect of a project with hundreds of models to render spends most of its time in
jinja2. Models that the render cache does not answer are rendered in a process pool (as SQL
facts are, :mod:`collectors.sql_facts.parallel`): each worker builds its
:class:`~collectors.dbt_project.render.Renderer` once, from the picklable inputs the collect's
renderer was made from (:func:`renderer_spec`), and returns cache entries (JSON text), which
the collect checks and keeps exactly as it keeps the renders it makes itself. Below
:data:`POOL_MIN` models the pool costs more than it saves, and they render in this process.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from collectors.dbt_project.render import Renderer
from collectors.dbt_project.render_cache import Entry, render_entry
from collectors.pool import context as _context, cores as _cores

POOL_MIN = 64
"""Fewer models to render than this: no process pool."""


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


def render_all(renderer: Renderer, jobs: Sequence[RenderJob], workers: int | None = None) -> dict[str, Entry]:
    """key -> cache entry for every job, in this process or in a pool."""
    workers = max(1, workers if workers is not None else _cores())
    if workers == 1 or len(jobs) < POOL_MIN:
        return {job.key: render_entry(renderer, job.text, job.kwargs) for job in jobs}
    workers = min(workers, (len(jobs) + POOL_MIN - 1) // POOL_MIN)
    size = max(8, len(jobs) // (workers * 4) or 1)
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    out: dict[str, Entry] = {}
    try:
        with ProcessPoolExecutor(workers, mp_context=_context(), initializer=_init, initargs=(renderer_spec(renderer),)) as pool:
            for part in pool.map(_render_chunk, chunks):
                out.update(part)
    except (BrokenProcessPool, OSError):  # a worker killed (out of memory), no processes left: render here
        out.update({job.key: render_entry(renderer, job.text, job.kwargs) for job in jobs if job.key not in out})
    return out


_WORKER: Renderer | None = None


def _init(spec: dict[str, Any]) -> None:
    global _WORKER
    gc.freeze()  # objects inherited from the parent are never garbage here
    _WORKER = Renderer(**spec)


def _render_chunk(jobs: Sequence[RenderJob]) -> list[tuple[str, Entry]]:
    assert _WORKER is not None
    return [(job.key, render_entry(_WORKER, job.text, job.kwargs)) for job in jobs]
