"""Ground truth for the raw-files DAG: a project that builds its refs in every way real projects
do (loops over ``var()`` lists, macros returning ``ref()``, a package macro over a list of refs,
``adapter.dispatch`` overridden by the project, conditional refs on ``target.name``, a ref in a
``post_hook``, ``var()`` and ``env_var()`` defaults, versioned refs, a Python model, a branch
under ``execute``), with a package laid in ``dbt_packages/``.

``dbt_parse_graph.json`` beside the project holds the nodes and edges of dbt's own manifest
(``dbt parse``, dbt-core 1.11); the fast test compares the console with it, and the slow test runs
real ``dbt parse`` again and requires the same: no edge missing, none extra.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from collectors.dbt_project import read_project

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "jinja_project"
_HASH = re.compile(r"\.[0-9a-f]{10}$")


def _strip(uid: str) -> str:
    return _HASH.sub("", uid) if uid.startswith("test.") else uid


def console_graph(root: Path) -> tuple[set[str], set[tuple[str, str]], list[str]]:
    notes: list[str] = []
    frames = read_project(root, notes=notes)
    nodes = set(frames["nodes"]["unique_id"].to_list())
    edges = {(p, c) for p, c in frames["edges"].iter_rows()}
    return nodes, edges, notes


def test_the_console_finds_every_edge_dbt_parse_finds(tmp_path, monkeypatch):
    monkeypatch.delenv("JINJA_SHOP_UPSTREAM", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    truth = orjson.loads((PROJECT / "dbt_parse_graph.json").read_bytes())
    nodes, edges, notes = console_graph(PROJECT)
    assert sorted(nodes) == truth["nodes"]
    expected = {tuple(e) for e in truth["edges"]}
    assert sorted(expected - edges) == [], "edges dbt finds and the console misses"
    assert sorted(edges - expected) == [], "edges the console invents"
    assert any(n.startswith("Jinja: ") and "rendered" in n for n in notes)


def test_the_target_decides_a_conditional_ref(monkeypatch):
    monkeypatch.setenv("DBT_TARGET", "prod")
    _, edges, _ = console_graph(PROJECT)
    assert ("model.jinja_shop.int_orders_package_union", "model.jinja_shop.fct_orders_target") in edges
    assert ("model.jinja_shop.int_orders_from_macro_list", "model.jinja_shop.fct_orders_target") not in edges


def test_env_var_overrides_its_default(monkeypatch):
    monkeypatch.setenv("JINJA_SHOP_UPSTREAM", "stg_orders_north")
    _, edges, _ = console_graph(PROJECT)
    assert ("model.jinja_shop.stg_orders_north", "model.jinja_shop.fct_orders_vars") in edges
    assert ("model.jinja_shop.stg_customers", "model.jinja_shop.fct_orders_vars") not in edges


def test_a_model_whose_rendering_fails_keeps_its_static_refs(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    (root / "models" / "marts" / "fct_broken.sql").write_text(
        "select * from {{ ref('fct_orders') }} {{ this_macro_does_not_exist() }}\n"
    )
    nodes, edges, notes = console_graph(root)
    assert ("model.jinja_shop.fct_orders", "model.jinja_shop.fct_broken") in edges
    note = next(n for n in notes if n.startswith("Jinja: "))
    assert "1 kept their static refs" in note and "fct_broken.sql" in note


def test_a_template_cannot_reach_python_internals(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    (root / "models" / "marts" / "fct_escape.sql").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }} select * from {{ ref('fct_orders') }}\n"
    )
    _, _, notes = console_graph(root)
    note = next(n for n in notes if n.startswith("Jinja: "))
    assert "fct_escape.sql" in note and "unsafe" in note.lower()


@pytest.mark.slow
def test_real_dbt_parse_agrees(tmp_path):
    root = tmp_path / "jinja_shop"
    shutil.copytree(PROJECT, root)
    env = {k: v for k, v in os.environ.items() if k not in ("JINJA_SHOP_UPSTREAM", "DBT_TARGET")}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    done = subprocess.run(
        [sys.executable, "-c", "from dbt.cli.main import dbtRunner; import sys; "
         "r = dbtRunner().invoke(['parse', '--profiles-dir', '.', '--project-dir', '.']); sys.exit(0 if r.success else 1)"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    doc = orjson.loads((root / "target" / "manifest.json").read_bytes())
    everything = {**doc["nodes"], **doc["sources"]}
    dbt_nodes = {_strip(u) for u in everything}
    dbt_edges = {(_strip(p), _strip(u)) for u, n in everything.items() for p in n.get("depends_on", {}).get("nodes", [])}
    nodes, edges, _ = console_graph(PROJECT)
    assert nodes == dbt_nodes
    assert sorted(dbt_edges - edges) == [] and sorted(edges - dbt_edges) == []
    truth = orjson.loads((PROJECT / "dbt_parse_graph.json").read_bytes())
    assert sorted(map(list, dbt_edges)) == truth["edges"], "dbt_parse_graph.json is stale: regenerate it"
