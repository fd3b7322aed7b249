"""The render cache: a re-collect renders only what changed, in the store and in one process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from collectors.dbt_project import read_project
from collectors.dbt_project.render_cache import RenderCache, _MEMO
from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.store import read_tables
from console.store.render_cache import cached_renders

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "jinja_project"
UNION = "model.jinja_shop.int_orders_union"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("JINJA_SHOP_UPSTREAM", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    _MEMO.clear()
    root = tmp_path / "jinja_project"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("dbt_parse_graph.json"))
    return root


def _read(root: Path, cache: RenderCache) -> set[tuple[str, str]]:
    frames = read_project(root, render_cache=cache)
    return {(p, c) for p, c in frames["edges"].iter_rows()}


def _reuse(root: Path, first: RenderCache) -> RenderCache:
    """A cache of the store's entries only (the in-process memo emptied)."""
    _MEMO.clear()
    return RenderCache({k: e for k, e in first.new.items()})


def test_a_second_read_renders_nothing_and_finds_the_same_edges(project):
    first = RenderCache()
    edges = _read(project, first)
    assert first.hits == 0 and len(first.new) >= 5
    second = _reuse(project, first)
    assert _read(project, second) == edges
    assert second.hits == len(first.new) and not second.new
    assert second.frame().sort("text_hash").equals(first.frame().sort("text_hash"))


def test_a_changed_variable_renders_its_readers_again(project):
    first = RenderCache()
    _read(project, first)
    yml = project / "dbt_project.yml"
    yml.write_text(yml.read_text().replace("chains: [north, south]", "chains: [north]"))
    second = _reuse(project, first)
    edges = _read(project, second)
    assert 0 < len(second.new) < len(first.new)  # only the models that read `chains`
    assert [p for p, c in edges if c == UNION] == ["model.jinja_shop.stg_orders_north"]


def test_a_changed_macro_file_renders_its_callers_again(project):
    first = RenderCache()
    _read(project, first)
    macros = project / "macros" / "refs.sql"
    macros.write_text(macros.read_text() + "\n{# edited #}\n")
    second = _reuse(project, first)
    _read(project, second)
    assert 0 < len(second.new) < len(first.new)


def test_an_environment_variable_is_a_dependency(project, monkeypatch):
    first = RenderCache()
    _read(project, first)
    monkeypatch.setenv("JINJA_SHOP_UPSTREAM", "stg_orders_north")
    edges = _read(project, RenderCache(dict(first.new)))  # the memo kept too: it checks as well
    assert ("model.jinja_shop.stg_orders_north", "model.jinja_shop.fct_orders_vars") in edges


def test_the_collect_keeps_renders_in_the_store(project, tmp_path):
    store = tmp_path / "store.duckdb"
    loc = resolve_locations(project, store=store)
    collect(loc, sql_facts=False)
    stored = cached_renders(store)
    assert len(stored) >= 5
    edges = read_tables(store, {"edges": None})["edges"]
    _MEMO.clear()
    model = project / "models" / "intermediate" / "int_orders_union.sql"
    model.write_text(model.read_text() + "\n-- edited\n")
    collect(loc, sql_facts=False)
    after = cached_renders(store)
    assert len(set(after) - set(stored)) == 1 and len(set(stored) - set(after)) == 1  # the edited model only
    assert read_tables(store, {"edges": None})["edges"].sort(["parent_id", "child_id"]).equals(edges.sort(["parent_id", "child_id"]))


def test_the_overlay_renders_an_edited_model_as_the_collect_does(project):
    from collectors.overlay import EditedFile, overlay

    nodes = read_project(project)["nodes"]
    rel = "models/intermediate/int_orders_union.sql"
    text = (project / rel).read_text() + "\n-- edited\n"
    edited = [EditedFile(UNION, rel, text, "x", len(text), 0)]
    _, static = overlay(edited, nodes)
    _, rendered = overlay(edited, nodes, project)
    assert static.is_empty()
    assert sorted(rendered["parent_id"]) == ["model.jinja_shop.stg_orders_north", "model.jinja_shop.stg_orders_south"]


def test_the_overlay_keeps_its_renders_in_the_store_under_the_project_files_key(tmp_path):
    """A model edited after the manifest is rendered once: the store keeps the render under the
    key the project-files read uses, so that read (dbt's manifest gone) renders it no more."""
    sample = Path(__file__).parents[2] / "sample_project"
    project = tmp_path / "sample"
    shutil.copytree(sample, project, ignore=shutil.ignore_patterns(".console"))
    store = tmp_path / "store.duckdb"
    loc = resolve_locations(project, store=store)
    _MEMO.clear()
    collect(loc, sql_facts=False)
    before = set(cached_renders(store))
    path = project / "models" / "intermediate" / "int_order_lines.sql"
    path.write_text(path.read_text() + "\n-- {% for m in ['dim_skus'] %}{{ ref(m) }}{% endfor %}\n")
    assert collect(loc, sql_facts=False).edited_models == 1
    added = set(cached_renders(store)) - before
    assert len(added) == 1
    _MEMO.clear()
    cache = RenderCache(cached_renders(store))
    frames = read_project(project, render_cache=cache)
    assert added <= set(cache.used) and not (added & set(cache.new))  # found, not rendered again
    edges = {(p, c) for p, c in frames["edges"].iter_rows()}
    assert ("model.alcohol_marketplace.dim_skus", "model.alcohol_marketplace.int_order_lines") in edges
