"""A model whose edited text marks it a sync output (``config(tags=['sync'])``) gets its
``dbt_sync`` last-mile item in the collect that reads the edit, and loses it the same way.

(An edit overlaid on a manifest carries the model's code and refs only, not its config: its
marks change when dbt parses again; see :mod:`collectors.overlay`.)"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.store import read_tables


def sync_models(store: Path) -> set[str]:
    items = read_tables(store, {"lastmile_artifacts": ["tool", "meta"]})["lastmile_artifacts"]
    return {json.loads(meta)["unique_id"] for tool, meta in items.iter_rows() if tool == "dbt_sync"}


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: shop\nmodel-paths: ['models']\n")
    (root / "models" / "orders.sql").write_text("select 1 as id\n")
    (root / "models" / "customers.sql").write_text("select * from {{ ref('orders') }}\n")
    return root


def _edit(path: Path, text: str) -> None:
    path.write_text(text)
    later = time.time() + 2  # a new mtime even on a coarse-grained file system
    os.utime(path, (later, later))


def test_a_sync_tag_added_to_a_model_file_is_an_item_in_the_same_collect(tmp_path):
    project = _project(tmp_path / "shop")
    loc = resolve_locations(project)
    first = collect(loc, sql_facts=False)
    assert sync_models(loc.store) == set()
    assert first is not None

    model = project / "models" / "customers.sql"
    _edit(model, "{{ config(tags=['sync']) }}\nselect * from {{ ref('orders') }}\n")
    collect(resolve_locations(project), sql_facts=False)
    assert sync_models(loc.store) == {"model.shop.customers"}  # this collect, not the next

    _edit(model, "select * from {{ ref('orders') }}\n")
    collect(resolve_locations(project), sql_facts=False)
    assert sync_models(loc.store) == set()

