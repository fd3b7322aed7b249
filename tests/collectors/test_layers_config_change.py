"""``[layers]`` changed in console.toml, the manifest unchanged: the next collect (a report's)
classifies the stored nodes again and the report judges them with the new layers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.store import read_tables

ROOT = Path(__file__).resolve().parents[2]


def console(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def layers(store: Path) -> dict[str, str | None]:
    nodes = read_tables(store, {"nodes": ["unique_id", "resource_type", "layer"]})["nodes"]
    return {uid: layer for uid, rtype, layer in nodes.iter_rows() if rtype == "model"}


@pytest.mark.slow
def test_a_changed_layers_table_is_applied_without_a_new_manifest(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    project = tmp_path / "proj"
    synthetic.generate(project, 120)
    store = project / ".console" / "store.duckdb"
    manifest = (project / "target" / "manifest.json").read_bytes()
    first = console("collect", str(project))
    assert first.returncode == 0, first.stderr
    before = layers(store)
    judged = console("report", str(project), "--no-collect", "--format", "json", "--exit-zero")
    findings_before = {(f["rule"], f["node"]) for f in json.loads(judged.stdout)["findings"]}
    staging = {uid for uid, layer in before.items() if layer == "staging"}
    assert staging and all(uid.split(".")[-1].startswith("stg_") for uid in staging)

    # the staging models are now called marts: by prefix, which wins over folders
    (project / "console.toml").write_text('[layers.mart]\nprefixes = ["stg_", "fct_"]\n[layers.staging]\nprefixes = ["base_"]\n')
    report = console("report", str(project), "--format", "json", "--exit-zero")
    assert report.returncode == 0, report.stderr
    assert "in another layer, as [layers] now says" in report.stderr  # the collect says what it did
    assert (project / "target" / "manifest.json").read_bytes() == manifest  # nothing but the configuration changed
    after = layers(store)
    assert {uid for uid in staging if after[uid] == "mart"} == staging
    assert {uid: layer for uid, layer in after.items() if uid not in staging} == \
        {uid: layer for uid, layer in before.items() if uid not in staging}

    # the rules judge the new layers: findings on the former staging models change
    findings_after = {(f["rule"], f["node"]) for f in json.loads(report.stdout)["findings"]}
    gained = findings_after - findings_before
    assert {node for rule, node in gained if rule == "STR004"} == staging  # a mart reading a source directly

    # and back: removing the table restores the default layers, again without a new manifest
    (project / "console.toml").unlink()
    again = console("collect", str(project))
    assert again.returncode == 0, again.stderr
    assert layers(store) == before
    quiet = console("collect", str(project))  # nothing changed: nothing rewritten, nothing said
    assert "another layer" not in quiet.stderr


def sync_models(store: Path) -> set[str]:
    items = read_tables(store, {"lastmile_artifacts": ["tool", "meta"]})["lastmile_artifacts"]
    return {json.loads(meta)["unique_id"] for tool, meta in items.iter_rows() if tool == "dbt_sync"}


def exports(store: Path) -> set[str]:
    return {uid for uid, layer in layers(store).items() if layer == "export"}


@pytest.mark.slow
def test_sync_items_follow_a_layers_change_in_the_same_collect(tmp_path):
    """A model in the ``export`` layer is a sync output: after a ``[layers]`` change, the collect
    that moves models into or out of ``export`` lists their sync items in the same collect (it
    read the stored layers from before the change, and caught up one collect later)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    from collectors.pipeline import collect
    from console.cli.options import resolve_locations

    project = tmp_path / "proj"
    synthetic.generate(project, 120)

    def collected() -> Path:
        loc = resolve_locations(project)
        collect(loc, sql_facts=False)
        return loc.store

    store = collected()
    before = exports(store)
    assert before and sync_models(store) == before
    fct = {uid for uid in layers(store) if uid.split(".")[-1].startswith("fct_")}
    assert fct and not fct & before

    (project / "console.toml").write_text('[layers.mart]\nprefixes = ["dim_"]\n[layers.export]\nprefixes = ["fct_", "exp_"]\n')
    collected()
    assert exports(store) == before | fct
    assert sync_models(store) == before | fct  # this collect, not the next

    (project / "console.toml").unlink()
    collected()
    assert exports(store) == before and sync_models(store) == before
