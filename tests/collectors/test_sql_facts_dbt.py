"""SQL facts of a real dbt project: tests/fixtures/sql_facts/dbt_project, compiled by dbt-duckdb.

``dbt_project_models.json`` holds, for each model of that project, dbt's own ``raw_code`` and
``compiled_code`` and the relations of its parents, as ``dbt compile`` wrote them in
``target/manifest.json``. The slow test compiles the project again and checks the file still
matches; to rewrite it after changing the project, run this file with Python.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from collectors.sql_facts import SqlInput, classify_hardcoded, compute_facts, dialect_for_adapter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sql_facts"
PROJECT = FIXTURES / "dbt_project"
MODELS = FIXTURES / "dbt_project_models.json"


def trim_manifest(manifest: dict) -> dict:
    """The parts of a manifest these tests need, per model, in unique_id order."""
    nodes = {**manifest["nodes"], **manifest["sources"]}

    def relations(uid: str) -> list[str]:
        """Relation names a node stands for; an ephemeral model stands for its parents'."""
        node = nodes[uid]
        if node.get("relation_name"):
            return [node["relation_name"]]
        return [r for parent in node["depends_on"]["nodes"] for r in relations(parent)]

    def ref_name(uid: str) -> str:
        node = nodes[uid]
        return f"{node['source_name']}.{node['name']}" if node["resource_type"] == "source" else node["name"]

    models = []
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "model":
            continue
        parents = node["depends_on"]["nodes"]
        models.append(
            {
                "unique_id": uid,
                "raw_code": node["raw_code"],
                "compiled_code": node["compiled_code"],
                "parent_relations": sorted({r for p in parents for r in relations(p)}),
                "parent_names": sorted(ref_name(p) for p in parents),
            }
        )
    return {"adapter_type": manifest["metadata"]["adapter_type"], "models": models}


def compile_project(workdir: Path) -> dict:
    """Copy the fixture project to ``workdir``, run ``dbt compile`` there, trim its manifest."""
    project = workdir / "dbt_project"
    shutil.copytree(PROJECT, project)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "SHOP_DUCKDB": str(workdir / "shop.duckdb")}
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "compile", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"],
        check=True, env=env, cwd=project,
    )
    return trim_manifest(json.loads((project / "target" / "manifest.json").read_text()))


@pytest.fixture(scope="module")
def project() -> dict:
    return json.loads(MODELS.read_text())


@pytest.fixture(scope="module")
def facts(project):
    """(compiled facts, raw facts) frames, as rows by unique_id."""
    dialect = dialect_for_adapter(project["adapter_type"])
    models = project["models"]
    compiled, _ = compute_facts([SqlInput(m["unique_id"], m["compiled_code"], True) for m in models], dialect, {})
    raw, _ = compute_facts([SqlInput(m["unique_id"], m["raw_code"], False) for m in models], dialect, {})
    return (
        {r["unique_id"]: r for r in compiled.iter_rows(named=True)},
        {r["unique_id"]: r for r in raw.iter_rows(named=True)},
    )


def test_every_model_parses_compiled_and_raw(project, facts):
    compiled, raw = facts
    assert len(project["models"]) == 7
    for model in project["models"]:
        uid = model["unique_id"]
        assert compiled[uid]["parse_error"] is None, uid
        assert raw[uid]["parse_error"] is None, (uid, raw[uid]["parse_error"])


def test_only_the_export_reads_a_relation_by_hand(project, facts):
    compiled, raw = facts
    found_compiled, found_raw = {}, {}
    for model in project["models"]:
        uid = model["unique_id"]
        found_compiled[uid] = classify_hardcoded(compiled[uid]["tables_read"], model["parent_relations"])
        found_raw[uid] = classify_hardcoded(raw[uid]["tables_read"], model["parent_names"])
    expected = {m["unique_id"]: [] for m in project["models"]}
    expected["model.shop.exp_large_orders_crm"] = ["raw.orders"]
    assert found_compiled == expected
    assert found_raw == expected


def test_facts_of_the_compiled_models(facts):
    compiled, _ = facts
    fct = compiled["model.shop.fct_orders"]
    # the ephemeral parent is inlined as __dbt__cte__int_orders_enriched: its CTEs are not tables
    assert fct["tables_read"] == ["shop.main.stg_customers", "shop.main.stg_order_items", "shop.main.stg_orders"]
    assert fct["cte_count"] == 5
    assert fct["join_kinds"] == ["inner", "left"]
    assert json.loads(fct["literal_filters"]) == [
        {"column": "status", "op": "=", "value": "placed", "in": "case"},
        {"column": "status", "op": "=", "value": "shipped", "in": "case"},
        {"column": "status", "op": "=", "value": "returned", "in": "case"},
        {"column": "country", "op": "in", "value": ["FR", "DE", "US"], "in": "where"},
        {"column": "volume_ml", "op": ">", "value": "50", "in": "case"},
    ]
    stg = compiled["model.shop.stg_customers"]
    assert stg["tables_read"] == ["shop.raw.customers"]
    assert json.loads(stg["literal_filters"]) == [
        {"column": "created_at", "op": ">=", "value": "2020-01-01", "in": "where"}
    ]
    dim = compiled["model.shop.dim_customers"]
    assert (dim["join_count"], dim["join_kinds"], dim["select_star"]) == (1, ["left"], True)
    assert {"column": "number_of_orders", "op": "between", "value": ["2", "10"], "in": "case"} in json.loads(
        dim["literal_filters"]
    )
    assert compiled["model.shop.stg_order_items"]["select_star"] is False


def test_raw_models_read_their_refs_by_name(facts):
    _, raw = facts
    assert raw["model.shop.fct_orders"]["tables_read"] == ["int_orders_enriched"]  # {{ this }} is no table
    assert raw["model.shop.int_orders_enriched"]["tables_read"] == ["stg_customers", "stg_order_items", "stg_orders"]
    assert raw["model.shop.stg_orders"]["tables_read"] == ["raw_shop.orders"]
    assert raw["model.shop.exp_large_orders_crm"]["tables_read"] == ["fct_orders", "raw.orders"]
    assert all(r["from_compiled"] is False for r in raw.values())


@pytest.mark.slow
def test_fixture_matches_a_fresh_dbt_compile(tmp_path, project):
    if shutil.which("dbt", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("dbt is not installed beside this Python")
    assert compile_project(tmp_path) == project


if __name__ == "__main__":  # rewrite dbt_project_models.json from a fresh compile
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        MODELS.write_text(json.dumps(compile_project(Path(tmp)), indent=2) + "\n")
    print(f"wrote {MODELS}")
