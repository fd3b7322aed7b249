"""What makes rendering fast stays exact: compiled shapes and the process pool give what a plain
render gives."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from collectors.dbt_project import read_project
from collectors.dbt_project import render_pool
from collectors.dbt_project.project_yml import read_projects
from collectors.dbt_project.render import Renderer, RenderFailed
from collectors.dbt_project.render_cache import RenderCache, _MEMO, render_entry
from collectors.dbt_project.render_pool import RenderJob, render_all
from collectors.dbt_project.render_setup import renderer_for
from collectors.dbt_project.scan import FileCache

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "jinja_project"


def test_models_of_one_shape_share_a_compiled_template():
    r = Renderer("p", [])
    a, pa = r._compiled("{% for m in var('g1') %}select * from {{ ref(m) }} union all {% endfor %}")
    b, pb = r._compiled("{% for m in var('g2') %}select * from {{ ref(m) }} union all {% endfor %}")
    assert a is b and pa != pb


def test_a_shape_renders_what_the_text_renders():
    r = Renderer("p", [], project_vars={"g": ["a", "b"]})
    text = ("{{ config(tags=['x' 'y'], alias=\"al\") }}\n{% raw %}{{ ref('no') }}{% endraw %}\n"
            "{%- for m in var('g') %}select '{{ m }}' from {{ ref('stg_' ~ m) }}{% endfor %}\n"
            "{% set d = {'k': 'stg_c'} %}{{ ref(d['k']) }}")
    calls = r.render(text, name="m", package="p", config={}).calls
    assert calls.refs == [(None, "stg_a", None), (None, "stg_b", None), (None, "stg_c", None)]
    assert calls.config == {"tags": ["xy"], "alias": "al"}


def test_a_shape_keeps_the_lines_of_errors():
    r = Renderer("p", [])
    with pytest.raises(RenderFailed, match=r"\(line 5\)"):
        r.render("select 1\n{# a\ncomment #}\n{% if true %}\n{{ ref(1 / 0) }}{% endif %}", name="m", package="p", config={})
    with pytest.raises(RenderFailed, match=r"\(line 3\)"):
        r.render("a\n\n{{ 'x' ~ }}", name="m", package="p", config={})


def test_the_pool_renders_what_this_process_renders(monkeypatch):
    monkeypatch.delenv("JINJA_SHOP_UPSTREAM", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    project = read_projects(PROJECT)[0]
    renderer = renderer_for(project, FileCache())
    jobs = [
        RenderJob(str(i), path.read_text(), {"name": path.stem, "package": project.name, "config": {}})
        for i, path in enumerate(sorted((PROJECT / "models").rglob("*.sql")))
    ]
    here = {job.key: render_entry(renderer, job.text, job.kwargs) for job in jobs}
    monkeypatch.setattr(render_pool, "POOL_MIN", 2)
    assert render_all(renderer, jobs, workers=2) == here


def test_a_project_read_with_the_pool_finds_the_same_edges(monkeypatch):
    monkeypatch.delenv("JINJA_SHOP_UPSTREAM", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    _MEMO.clear()
    plain = read_project(PROJECT, render_cache=RenderCache())["edges"].sort(["parent_id", "child_id"])
    _MEMO.clear()
    monkeypatch.setattr(render_pool, "POOL_MIN", 2)
    pooled = read_project(PROJECT, render_cache=RenderCache())["edges"].sort(["parent_id", "child_id"])
    assert pooled.equals(plain) and plain.height > 10


def _jinja_jobs(n: int) -> tuple[Renderer, list[RenderJob]]:
    project = read_projects(PROJECT)[0]
    renderer = renderer_for(project, FileCache())
    texts = [path.read_text() for path in sorted((PROJECT / "models").rglob("*.sql"))]
    jobs = [RenderJob(str(i), texts[i % len(texts)] + f"\n-- {i}", {"name": f"m{i}", "package": project.name, "config": {}})
            for i in range(n)]
    return renderer, jobs


def test_models_stream_to_a_worker_and_this_process_renders_the_tail(monkeypatch):
    monkeypatch.delenv("JINJA_SHOP_UPSTREAM", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    renderer, jobs = _jinja_jobs(60)
    here = {job.key: render_entry(renderer, job.text, job.kwargs) for job in jobs}
    monkeypatch.setattr(render_pool, "POOL_MIN", 4)
    monkeypatch.setattr(render_pool, "CHUNK", 3)
    threads = threading.active_count()
    stream = render_pool.RenderStream(renderer, workers=1)
    with stream:
        for job in jobs:
            stream.add(job)
        chunks = list(stream._chunks)
        assert stream._pool is not None and len(chunks) == 20  # every full chunk went to the pool at once
        assert stream.finish() == here
    assert any(f is not None and not f.cancelled() for _, f in chunks)  # the worker rendered some
    assert threading.active_count() == threads  # no thread of the pool left: a later pool forks too


def test_this_process_never_waits_for_a_worker(monkeypatch):
    """A worker that has not started (held at its start here, as a ``spawn`` worker is slow to
    start) does not hold the read up: this process renders what the worker holds too, and
    leaves the worker to end on its own."""
    monkeypatch.delenv("JINJA_SHOP_UPSTREAM", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    renderer, jobs = _jinja_jobs(12)
    here = {job.key: render_entry(renderer, job.text, job.kwargs) for job in jobs}
    gate_r, gate_w = os.pipe()
    started = render_pool._init

    def held_init(spec):
        os.read(gate_r, 1)  # until the test lets it go
        started(spec)

    monkeypatch.setattr(render_pool, "_init", held_init)
    monkeypatch.setattr(render_pool, "POOL_MIN", 2)
    monkeypatch.setattr(render_pool, "CHUNK", 2)
    stream = render_pool.RenderStream(renderer, workers=1)
    processes = []
    guard = threading.Timer(120, lambda: os.write(gate_w, b"late"))  # a waiting finish fails, never hangs
    try:
        for job in jobs:
            stream.add(job)
        processes = list(stream._pool._processes.values())
        stream._forked = False  # as a worker started with spawn, which this process does not wait for
        guard.start()  # (after the fork: a process with other threads would not fork)
        assert processes and stream.finish() == here
        assert guard.is_alive(), "finish waited for the held worker"
    finally:
        guard.cancel()
        os.write(gate_w, b"go")
        stream.close()
        for process in processes:
            process.join(30)
        os.close(gate_r)
        os.close(gate_w)
    assert processes and not any(p.is_alive() for p in processes)


@pytest.mark.parametrize("text", [
    "select * from {{ ref('a') }} where d > '{{ var('start', '2020-01-01') }}'",
    "select * from {{ source('s', 't') }} where y > (select max(y) from {{ this }}) and s = '{{ target.schema }}'",
    "{{ config(materialized='incremental') }} select '{{ env_var(\"E\", 'd') }}' as e, {{ var('n', 3) }} from {{ ref('b') }}",
])
def test_an_expression_that_only_prints_needs_no_render(text):
    from collectors.dbt_project.jinja_refs import extract_calls
    from collectors.dbt_project.render import needs_rendering

    assert not needs_rendering(text)
    r = Renderer("p", [], project_vars={"start": "2021-01-01"}, env={})
    rendered = r.render(text, name="m", package="p", config={}).calls
    static = extract_calls(text)
    assert (static.refs, static.sources, static.config) == (rendered.refs, rendered.sources, rendered.config)
