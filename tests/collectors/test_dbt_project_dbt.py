"""Cross-check against dbt itself: ``dbt parse`` (dbt-duckdb) on a copy of a project, then the
nodes, edges and tests read from the files must be the manifest's.

Two projects: the ``shop`` fixture of tests/fixtures/dbt_project/ (parsed here), and the
collector tests' shared dbt project (built once per session by conftest.py), which also holds
an installed package with a namespaced generic test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import polars as pl
import pytest

from collectors.dbt_project import read_project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dbt_project"
PROFILE = """
shop:
  target: dev
  outputs:
    dev: {type: duckdb, path: shop.duckdb, schema: main, threads: 1}
"""
_PARSE = """
import sys
from dbt.cli.main import dbtRunner
result = dbtRunner().invoke(["parse", "--profiles-dir", ".", "--project-dir", "."])
sys.exit(0 if result.success else f"dbt parse failed: {result.exception}")
"""
SECTIONS = ("nodes", "sources", "exposures", "metrics", "semantic_models", "groups", "unit_tests")
_HASH = re.compile(r"\.[0-9a-f]{10}$")


@pytest.fixture(scope="module")
def parsed_shop(tmp_path_factory) -> Path:
    """A copy of the shop fixture with the manifest of ``dbt parse`` in target/."""
    root = tmp_path_factory.mktemp("dbt") / "shop"
    shutil.copytree(FIXTURES / "shop", root)
    (root / "profiles.yml").write_text(PROFILE)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _PARSE], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        pytest.fail(f"dbt parse failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return root


def manifest_view(manifest: Path, root_package: str) -> dict:
    """What the manifest says, in the terms compared: nodes, edges and tests of the project."""
    doc = orjson.loads(manifest.read_bytes())
    nodes, edges, tests = {}, set(), set()
    for section in SECTIONS:
        for uid, n in doc.get(section, {}).items():
            if n.get("package_name") != root_package:
                continue
            key = _HASH.sub("", uid) if n["resource_type"] == "test" else uid
            nodes[key] = n
            for parent in n.get("depends_on", {}).get("nodes", []):
                edges.add((parent, key))
            if n["resource_type"] == "test":
                meta = n.get("test_metadata")
                name = (
                    (f"{meta['namespace']}." if meta and meta.get("namespace") else "") + meta["name"]
                    if meta
                    else "singular"
                )
                tests.add((key, name, n.get("column_name"), n["config"]["severity"].lower()))
    return {"nodes": nodes, "edges": edges, "tests": tests}


def files_view(frames: dict[str, pl.DataFrame]) -> dict:
    tests = {(r["unique_id"], r["test_name"], r["column_name"], r["severity"]) for r in frames["tests"].to_dicts()}
    return {
        "nodes": {r["unique_id"]: r for r in frames["nodes"].to_dicts()},
        "edges": set(frames["edges"].iter_rows()),
        "tests": tests,
    }


@pytest.mark.slow
def test_shop_fixture_matches_dbt_parse(parsed_shop):
    dbt = manifest_view(parsed_shop / "target" / "manifest.json", "shop")
    ours = files_view(read_project(parsed_shop))
    assert set(ours["nodes"]) == set(dbt["nodes"])
    for uid, theirs in dbt["nodes"].items():
        mine = ours["nodes"][uid]
        assert mine["resource_type"] == theirs["resource_type"], uid
        assert mine["name"] == theirs["name"], uid
        if theirs["resource_type"] == "group":
            continue
        assert mine["fqn"] == theirs["fqn"], uid
        assert mine["path"] == theirs["original_file_path"], uid
        if theirs["resource_type"] in ("model", "seed", "snapshot", "analysis", "test"):
            assert mine["materialized"] == theirs["config"]["materialized"], uid
            assert mine["tags"] == theirs["tags"], uid
            assert mine["description"] == theirs["description"], uid
        if (
            theirs["resource_type"] in ("model", "seed", "snapshot", "analysis")
            or uid == "test.shop.assert_revenue_positive"
        ):
            assert mine["checksum"] == theirs["checksum"]["checksum"], uid
        if theirs["resource_type"] == "model":
            assert (mine["access"], mine["group_name"], mine["alias"]) == (
                theirs["access"], theirs["group"], theirs["alias"],
            ), uid  # fmt: skip
            assert (mine["version"], mine["latest_version"]) == (
                None if theirs["version"] is None else str(theirs["version"]),
                None if theirs["latest_version"] is None else str(theirs["latest_version"]),
            ), uid  # fmt: skip
            assert mine["language"] == theirs["language"] and mine["raw_code"] == theirs["raw_code"], uid
        if theirs["resource_type"] == "source":
            assert (mine["identifier"], mine["schema"], mine["loaded_at_field"]) == (
                theirs["identifier"], theirs["schema"], theirs["loaded_at_field"],
            ), uid  # fmt: skip
            fresh = theirs["freshness"] or {}
            expected = {
                k: fresh.get(k) if (fresh.get(k) or {}).get("count") is not None else None
                for k in ("warn_after", "error_after")
            }
            got = orjson.loads(mine["freshness"]) if mine["freshness"] else {"warn_after": None, "error_after": None}
            assert {k: got[k] for k in ("warn_after", "error_after")} == expected, uid
    assert ours["edges"] == dbt["edges"]
    # dbt leaves attached_node empty for singular and source tests: compare the rest
    assert {t for t in ours["tests"]} == dbt["tests"]


def test_shared_dbt_project_matches_its_manifest(shop):
    """The session's dbt-duckdb project (conftest.py): built by ``dbt build``."""
    root = shop.target.parent
    dbt = manifest_view(shop.manifest, "shop")
    ours = files_view(read_project(root))
    assert set(ours["nodes"]) == set(dbt["nodes"])
    assert ours["edges"] == dbt["edges"]
    assert ours["tests"] == dbt["tests"]  # includes the package's local_utils.at_least_one
    for uid, theirs in dbt["nodes"].items():
        mine = ours["nodes"][uid]
        assert mine["resource_type"] == theirs["resource_type"], uid
        if theirs["resource_type"] in ("model", "seed", "test"):
            assert mine["materialized"] == theirs["config"]["materialized"], uid
