"""The incremental project-files collect gives the rows a cold collect gives, for every kind of change.

Each test collects a copy of the Jinja fixture project, changes it, collects again in the same
process (the in-process state of :mod:`collectors.dbt_project.incremental` is there, as in the
terminal UI), then collects a second copy of the changed project into a fresh store, cold, and
compares the project's tables.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import polars as pl
import pytest

from collectors.dbt_project import incremental
from collectors.dbt_project.render_cache import _MEMO
from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.store import read_tables

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "jinja_project"
TABLES = ("nodes", "edges", "node_columns", "tests", "render_cache")
SORT = {
    "nodes": ["unique_id"], "edges": ["parent_id", "child_id"], "node_columns": ["unique_id", "name"],
    "tests": ["unique_id"], "render_cache": ["text_hash"], "sql_facts": ["unique_id"],
}


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.delenv("JINJA_SHOP_UPSTREAM", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    _MEMO.clear()
    incremental._STATE.clear()
    root = tmp_path / "a" / "jinja_project"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("dbt_parse_graph.json"))
    yield root
    incremental._STATE.clear()


def _tables(store: Path, names=TABLES) -> dict[str, pl.DataFrame]:
    frames = read_tables(store, {n: None for n in names})
    return {n: f.sort(SORT[n]) for n, f in frames.items()}


def _cold(root: Path, tmp: Path, sql_facts: bool) -> Path:
    """A cold collect of a copy of ``root`` (same relative layout, a fresh store and process state)."""
    copy = tmp / "b" / root.name
    shutil.copytree(root, copy)
    store = tmp / "b" / "store.duckdb"
    saved = dict(incremental._STATE)
    incremental._STATE.clear()
    _MEMO.clear()
    try:
        collect(resolve_locations(copy, store=store), sql_facts=sql_facts)
    finally:
        incremental._STATE.clear()
        incremental._STATE.update(saved)
    return store


def _edit(path: Path, old: str | None, new: str) -> None:
    text = path.read_text()
    if old is None:
        text += new
    else:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)


def _run(root: Path, tmp: Path, change, *, sql_facts: bool = False, expect: str | None = None) -> dict:
    store = tmp / "a" / "store.duckdb"
    loc = resolve_locations(root, store=store)
    first = collect(loc, sql_facts=sql_facts)
    assert first.origin.startswith("project files")
    change(root)
    summary = collect(loc, sql_facts=sql_facts)
    if expect is not None:
        assert expect in summary.origin, summary.origin
    names = (*TABLES, "sql_facts") if sql_facts else TABLES
    ours, cold = _tables(store, names), _tables(_cold(root, tmp, sql_facts), names)
    for name in names:
        assert ours[name].equals(cold[name]), f"{name} differs from a cold collect"
    return ours


M = Path("models")


def test_a_model_whose_refs_changed_is_patched(work, tmp_path):
    def change(root):
        _edit(root / M / "marts" / "fct_orders.sql", None, "\n-- and {{ ref('stg_customers') }}\n")

    ours = _run(work, tmp_path, change, expect="1 model patched")
    assert ("model.jinja_shop.stg_customers", "model.jinja_shop.fct_orders") in set(ours["edges"].iter_rows())


def test_a_rendered_model_is_patched_with_its_render(work, tmp_path):
    def change(root):
        _edit(root / M / "intermediate" / "int_orders_union.sql", None, "\n-- edited {{ ref('stg_customers') }}\n")

    _run(work, tmp_path, change, expect="patched")


def test_two_patches_in_a_row_and_sql_facts(work, tmp_path):
    store = tmp_path / "a" / "store.duckdb"
    loc = resolve_locations(work, store=store)
    collect(loc)
    _edit(work / M / "marts" / "fct_orders.sql", None, "\n-- one\n")
    assert "patched" in collect(loc).origin

    def change(root):
        _edit(root / M / "marts" / "fct_orders.sql", None, "\n-- two {{ ref('stg_customers') }}\n")
        _edit(root / M / "staging" / "stg_customers.sql", None, "\n-- also\n")

    _run(work, tmp_path, change, sql_facts=True, expect="2 models patched")


def test_the_first_edit_after_an_unchanged_collect_in_a_new_process_is_patched(work, tmp_path):
    """A process whose first collect finds nothing changed reads the project in the background
    after it (the terminal UI's case), so its first edit is patched, and equals a cold collect."""
    collect(resolve_locations(work, store=tmp_path / "a" / "store.duckdb"), sql_facts=False)
    incremental._STATE.clear()  # as a new process

    def change(root):
        incremental.settle()  # the background read ends (an edit while it reads makes it unusable)
        _edit(root / M / "marts" / "fct_orders.sql", None, "\n-- and {{ ref('stg_customers') }}\n")

    _run(work, tmp_path, change, expect="1 model patched")  # its first collect: unchanged, then reads in the background


def test_a_background_read_that_an_edit_overtook_is_not_used(work, tmp_path, monkeypatch):
    import collectors.dbt_project as dbt_project

    loc = resolve_locations(work, store=tmp_path / "a" / "store.duckdb")
    collect(loc, sql_facts=False)
    incremental._STATE.clear()
    real = dbt_project.read_project

    def read_then_edit(*args, **kwargs):  # the model is edited after the background read read it
        frames = real(*args, **kwargs)
        if threading.current_thread().name == "console-project-read":
            _edit(work / M / "marts" / "fct_orders.sql", None, "\n-- and {{ ref('stg_customers') }}\n")
        return frames

    monkeypatch.setattr(dbt_project, "read_project", read_then_edit)
    assert collect(loc, sql_facts=False).origin == "project files (unchanged)"
    incremental.settle()
    assert not incremental._STATE  # its graph is not that of the snapshot the store keeps

    def change(root):  # (edited already)
        pass

    _run(work, tmp_path, change, expect="project files")  # a full read, as a cold one


def test_a_one_shot_collect_keeps_no_background_read(work, tmp_path):
    loc = resolve_locations(work, store=tmp_path / "a" / "store.duckdb")
    collect(loc, sql_facts=False)
    incremental._STATE.clear()
    assert collect(loc, sql_facts=False, keep_documents=True).origin == "project files (unchanged)"
    incremental.settle()
    assert not incremental._STATE
    _edit(work / M / "marts" / "fct_orders.sql", None, "\n-- edited\n")
    assert collect(loc, sql_facts=False).origin == "project files"  # no read to patch from: a full one


def test_a_patch_without_last_mile_input_does_not_visit_its_store_state(work, tmp_path, monkeypatch):
    import collectors.lastmile_phase as lastmile_phase

    loc = resolve_locations(work, store=tmp_path / "a" / "store.duckdb")
    collect(loc, sql_facts=False)
    stored = lastmile_phase._store_state
    visits = []
    monkeypatch.setattr(lastmile_phase, "_store_state", lambda *a: visits.append(a) or stored(*a))
    _edit(work / M / "marts" / "fct_orders.sql", None, "\n-- edited\n")
    summary = collect(loc, sql_facts=False)
    assert "patched" in summary.origin and summary.lastmile.unchanged and not visits
    from console.store import peek

    stored_sources = read_tables(loc.store, {"nodes": None})["nodes"].filter(pl.col("resource_type") == "source")
    peeked = peek(loc.store)["sources"]  # what the warehouse phase plans from, without a visit of its own
    assert stored_sources.height and peeked.sort("unique_id").equals(stored_sources.select(peeked.columns).sort("unique_id"))


def test_nothing_changed_reads_nothing_also_in_a_new_process(work, tmp_path):
    store = tmp_path / "a" / "store.duckdb"
    loc = resolve_locations(work, store=store)
    collect(loc, sql_facts=False)
    before = _tables(store)
    (work / M / "marts" / "fct_orders.sql").touch()  # a touch is not a change
    assert collect(loc, sql_facts=False).origin == "project files (unchanged)"
    incremental._STATE.clear()  # as a new process: the snapshot in the store is enough
    assert collect(loc, sql_facts=False).origin == "project files (unchanged)"
    after = _tables(store)
    assert all(before[n].equals(after[n]) for n in TABLES)


def test_a_config_change_in_the_sql_reads_the_project(work, tmp_path):
    def change(root):
        _edit(root / M / "marts" / "fct_orders.sql", None, "\n{{ config(materialized='table', tags=['x']) }}\n")

    _run(work, tmp_path, change, expect="project files")


@pytest.mark.parametrize(
    "what",
    ["model added", "model deleted", "model renamed", "yml edited", "macro edited", "vars edited", "package macro edited"],
)
def test_other_changes_give_the_cold_collect_rows(work, tmp_path, what):
    def change(root):
        if what == "model added":
            (root / M / "marts" / "fct_new.sql").write_text("select * from {{ ref('fct_orders') }}\n")
        elif what == "model deleted":
            (root / M / "marts" / "fct_orders_stats.sql").unlink()
        elif what == "model renamed":
            os.rename(root / M / "marts" / "fct_orders_stats.sql", root / M / "marts" / "fct_orders_stats2.sql")
        elif what == "yml edited":
            _edit(root / M / "staging" / "_sources.yml", None, "\n")
            text = (root / M / "marts" / "_marts.yml").read_text()
            (root / M / "marts" / "_marts.yml").write_text(text.replace("description:", "description: edited", 1)
                                                           if "description:" in text else text + "\n")
        elif what == "macro edited":
            _edit(root / "macros" / "refs.sql", None, "\n{# edited #}\n")
        elif what == "package macro edited":
            _edit(root / "dbt_packages" / "mini_utils" / "macros" / "union.sql", None, "\n{# edited #}\n")
        elif what == "vars edited":
            _edit(root / "dbt_project.yml", "chains: [north, south]", "chains: [north]")

    _run(work, tmp_path, change, expect="project files")


def test_a_collect_with_sql_facts_after_one_without_computes_them(work, tmp_path):
    store = tmp_path / "a" / "store.duckdb"
    loc = resolve_locations(work, store=store)
    collect(loc, sql_facts=False)
    assert read_tables(store, {"sql_facts": ["unique_id"]})["sql_facts"].is_empty()
    assert collect(loc).origin == "project files"  # the switch is part of the settings digest
    assert not read_tables(store, {"sql_facts": ["unique_id"]})["sql_facts"].is_empty()
    assert collect(loc).origin == "project files (unchanged)"


def _origin(loc) -> str:
    return collect(loc, sql_facts=False).origin


def test_files_beside_the_project_are_not_followed(work, tmp_path):
    """Last-mile files kept in the project folder are no part of its snapshot: editing, adding
    or removing them leaves the project's files unchanged (nothing is read again)."""
    (work / "lastmile" / "app").mkdir(parents=True)
    query = work / "lastmile" / "app" / "report.sql"
    query.write_text("select * from analytics.fct_orders\n")
    (work / "notebooks").mkdir()
    (work / "notebooks" / "explore.py").write_text("orders = 1\n")
    loc = resolve_locations(work, store=tmp_path / "a" / "store.duckdb")
    assert _origin(loc) == "project files"
    paths = read_tables(loc.store, {"project_files": ["path"]})["project_files"]["path"].to_list()
    assert {"dbt_project.yml", "profiles.yml", "macros/refs.sql", "models/marts/fct_orders.sql"} <= set(paths)
    assert "dbt_packages/mini_utils/macros/union.sql" in paths
    assert not [p for p in paths if p.startswith(("lastmile/", "notebooks/"))]
    query.write_text("select * from analytics.fct_orders where amount > 50\n")
    (work / "lastmile" / "sync.yml").write_text("model: fct_orders\n")
    (work / "notebooks" / "explore.py").unlink()
    assert _origin(loc) == "project files (unchanged)"


def test_a_dbt_path_made_after_the_snapshot_is_followed(work, tmp_path):
    """A folder dbt reads that did not exist at the last collect (a first seed) is followed."""

    def change(root):
        (root / "seeds").mkdir()
        (root / "seeds" / "countries.csv").write_text("code,name\nfr,France\n")

    ours = _run(work, tmp_path, change, expect="project files")
    assert "seed.jinja_shop.countries" in ours["nodes"]["unique_id"].to_list()


def test_the_profile_in_the_project_folder_is_followed(work, tmp_path):
    def change(root):
        _edit(root / "profiles.yml", "target: dev", "target: prod")

    _run(work, tmp_path, change, expect="project files")


def test_model_paths_outside_the_project_folder_are_followed(tmp_path, monkeypatch):
    monkeypatch.delenv("DBT_TARGET", raising=False)
    incremental._STATE.clear()
    root, shared = tmp_path / "shop", tmp_path / "shared"
    (root / "models").mkdir(parents=True)
    shared.mkdir()
    (root / "dbt_project.yml").write_text("name: shop\nconfig-version: 2\nmodel-paths: [models, ../shared]\n")
    (root / "models" / "a.sql").write_text("select 1 as id\n")
    (root / "models" / "b.sql").write_text("select 2 as id\n")
    (shared / "c.sql").write_text("select * from {{ ref('a') }}\n")
    loc = resolve_locations(root, store=tmp_path / "store.duckdb")
    assert _origin(loc) == "project files"
    assert str(shared / "c.sql") in read_tables(loc.store, {"project_files": ["path"]})["project_files"]["path"].to_list()
    (shared / "c.sql").write_text("select * from {{ ref('a') }} join {{ ref('b') }} using (id)\n")
    assert _origin(loc) != "project files (unchanged)"
    edges = set(read_tables(loc.store, {"edges": None})["edges"].iter_rows())
    assert ("model.shop.b", "model.shop.c") in edges and ("model.shop.a", "model.shop.c") in edges
    incremental._STATE.clear()
