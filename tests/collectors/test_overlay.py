"""A model edited after dbt's last parse shows up at the next collect, without a new manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.store import read_tables

SAMPLE = Path(__file__).parents[2] / "sample_project"
MODEL = "model.alcohol_marketplace.int_order_lines"


@pytest.fixture
def project(tmp_path) -> Path:
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns(".console"))
    return dest


def _state(loc):
    frames = read_tables(loc.store, {"nodes": ["unique_id", "raw_code", "compiled_code", "checksum", "origin"],
                                     "edges": None, "sql_facts": ["unique_id", "tables_read", "hardcoded_relations"]})
    node = frames["nodes"].filter(frames["nodes"]["unique_id"] == MODEL).to_dicts()[0]
    parents = set(frames["edges"].filter(frames["edges"]["child_id"] == MODEL)["parent_id"].to_list())
    facts = frames["sql_facts"].filter(frames["sql_facts"]["unique_id"] == MODEL).to_dicts()[0]
    return node, parents, facts


def test_an_edit_is_overlaid_on_the_manifest_and_collected_once(project):
    loc = resolve_locations(project, store=project / ".console" / "store.duckdb")
    first = collect(loc)
    assert first.edited_models == 0  # the committed files are what dbt parsed
    node, parents, facts = _state(loc)
    assert node["origin"] == "manifest" and node["compiled_code"]
    assert facts["hardcoded_relations"] == ["raw.orders"]

    path = project / "models" / "intermediate" / "int_order_lines.sql"
    text = path.read_text()
    assert "raw.orders" in text
    # the team replaces the hand-written relation with the source, and reads one more model
    edited = text.replace("raw.orders", "{{ source('marketplace', 'orders') }}") + "\n-- reviewed: {{ ref('dim_skus') }}\n"
    path.write_text(edited)

    second = collect(loc)
    assert second.edited_models == 1 and second.sql_parsed == 1
    node, new_parents, facts = _state(loc)
    assert node["origin"] == "project" and node["raw_code"] == edited and node["compiled_code"] is None
    assert "source.alcohol_marketplace.marketplace.orders" in new_parents
    assert "model.alcohol_marketplace.dim_skus" in new_parents - parents
    assert facts["hardcoded_relations"] == []

    third = collect(loc)
    assert third.edited_models == 0  # the edit is known now: nothing is read again
