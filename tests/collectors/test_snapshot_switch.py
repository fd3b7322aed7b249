"""The snapshot follows target/manifest.json, even back to a manifest collected before."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson

from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.store import read_tables

SAMPLE = Path(__file__).parents[2] / "sample_project"
MODEL = "model.alcohol_marketplace.dim_stores"


def _description(loc) -> str:
    nodes = read_tables(loc.store, {"nodes": ["unique_id", "description"]})["nodes"]
    return nodes.filter(nodes["unique_id"] == MODEL)["description"][0]


def test_switching_branches_back_restores_the_first_manifest(tmp_path):
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".console"))
    manifest = project / "target" / "manifest.json"
    main_branch = manifest.read_bytes()
    loc = resolve_locations(project, store=tmp_path / "store.duckdb")

    collect(loc, sql_facts=False)
    original = _description(loc)

    doc = orjson.loads(main_branch)
    doc["nodes"][MODEL]["description"] = "Stores, as the feature branch describes them."
    manifest.write_bytes(orjson.dumps(doc))
    assert collect(loc, sql_facts=False).origin == "manifest v12"
    assert _description(loc) == "Stores, as the feature branch describes them."

    manifest.write_bytes(main_branch)  # back on main: a manifest the store has seen before
    assert collect(loc, sql_facts=False).origin == "manifest v12"
    assert _description(loc) == original

    assert collect(loc, sql_facts=False).origin == "manifest (unchanged)"
