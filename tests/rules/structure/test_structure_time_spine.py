"""A MetricFlow time spine (``time_spine:`` in a model's YAML) is not a root model (STR008).

The same small project is read from its files, and (slow) parsed by dbt 1.11, whose manifest
v12 carries ``time_spine`` on the model; both paths must mark the spine, and the rule must pass
it while flagging the project's other root model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import polars as pl
import pytest

from collectors.dbt_artifacts.manifest import parse_manifest
from collectors.dbt_project import read_project
from rules.structure.root_models import RootModels
from tests.rules.structure._build import build, mid, model, run

PROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "time_spine_project"
SPINE, ORPHAN = "model.spine.all_days", "model.spine.orphan"


def _spines(nodes: pl.DataFrame) -> dict[str, str | None]:
    return dict(nodes.filter(pl.col("resource_type") == "model").select("unique_id", "time_spine").iter_rows())


def test_project_files_reader_marks_the_time_spine():
    assert _spines(read_project(PROJECT)["nodes"]) == {SPINE: "date_day", ORPHAN: None}


@pytest.mark.slow
def test_manifest_of_dbt_parse_marks_the_time_spine(tmp_path):
    root = tmp_path / "spine"
    shutil.copytree(PROJECT, root)
    (root / "profiles.yml").write_text("spine:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: spine.duckdb, threads: 1}\n")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    code = "from dbt.cli.main import dbtRunner; import sys; sys.exit(0 if dbtRunner().invoke(['parse', '--profiles-dir', '.']).success else 1)"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    path = root / "target" / "manifest.json"
    doc = orjson.loads(path.read_bytes())
    assert doc["nodes"][SPINE]["time_spine"]["standard_granularity_column"] == "date_day"  # what dbt 1.11 writes
    frames = parse_manifest(path, doc, 12)
    assert _spines(frames["nodes"]) == {SPINE: "date_day", ORPHAN: None}


def test_str008_passes_a_declared_time_spine_and_flags_other_roots(tmp_path):
    ctx = build(tmp_path, [model("all_days", time_spine="date_day"), model("orphan"), model("metricflow_time_spine")])
    assert {v.node for v in run(RootModels, ctx)} == {mid("orphan")}
