"""The committed sample project is real dbt output and still tells its story.

The fast tests read the committed files only (no dbt needed, nothing written). The slow test
regenerates everything into a temporary copy with real dbt and checks the same facts.
"""

from __future__ import annotations

import ast
import csv
import importlib.util
import json
import statistics
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml

SAMPLE = Path(__file__).resolve().parents[1] / "sample_project"
PROJECT = "alcohol_marketplace"
SCHEMAS = {
    "manifest.json": "https://schemas.getdbt.com/dbt/manifest/v12.json",
    "run_results.json": "https://schemas.getdbt.com/dbt/run-results/v6.json",
    "sources.json": "https://schemas.getdbt.com/dbt/sources/v3.json",
    "catalog.json": "https://schemas.getdbt.com/dbt/catalog/v1.json",
}
EXPORTS = ["exp_top_items_salesforce", "exp_top_items_crm", "exp_retailer_app_skus"]
EXPOSURES = {  # name -> (type, model it depends on)
    "weekly_market_dashboard": ("dashboard", "top_selling_skus_by_market"),
    "salesforce_store_pitch_sync": ("application", "exp_top_items_salesforce"),
    "crm_missing_items_campaign": ("application", "exp_top_items_crm"),
    "retailer_app": ("application", "exp_retailer_app_skus"),
}


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(tzinfo=None)


def archive(root: Path, kind: str) -> list[tuple[datetime, dict]]:
    """(simulated time from the folder name, artifact) for each archived invocation, in order."""
    name = {"build": "run_results.json", "freshness": "sources.json"}[kind]
    out = []
    for folder in sorted((root / "archive").glob(f"*_{kind}")):
        out.append((datetime.strptime(folder.name.split("_")[0], "%Y-%m-%dT%H-%M-%S"), load(folder / name)))
    return out


def node_name(unique_id: str) -> str:
    return unique_id.split(".")[2]


def statuses(root: Path) -> dict[str, list[str]]:
    """Every node's status in each archived build, in order."""
    out: dict[str, list[str]] = {}
    for _, run in archive(root, "build"):
        for r in run["results"]:
            out.setdefault(node_name(r["unique_id"]), []).append(r["status"])
    return out


def manifest(root: Path) -> dict:
    return load(root / "target" / "manifest.json")


# ---- checks shared by the fast tests (committed files) and the slow test (regenerated copy)

def check_schema_versions(root: Path) -> None:
    for name, schema in SCHEMAS.items():
        meta = load(root / "target" / name)["metadata"]
        assert meta["dbt_schema_version"] == schema, name
        assert meta["dbt_version"].startswith("1.")
    for kind in ("build", "freshness"):
        for _, artifact in archive(root, kind):
            name = "run_results.json" if kind == "build" else "sources.json"
            assert artifact["metadata"]["dbt_schema_version"] == SCHEMAS[name]


def check_invocations(root: Path) -> None:
    builds, fresh = archive(root, "build"), archive(root, "freshness")
    assert len(builds) >= 6 and len(fresh) >= 6
    everything = sorted(builds + fresh, key=lambda x: x[0])
    ids = [a["metadata"]["invocation_id"] for _, a in everything]
    assert len(set(ids)) == len(ids), "every dbt invocation has its own id"
    generated = [when(a["metadata"]["generated_at"]) for _, a in everything]
    assert generated == sorted(generated)
    for (sim, artifact), gen in zip(everything, generated):
        # dbt's own clock followed the simulated one (libfaketime): the artifact was written
        # within minutes after the time its folder is named for
        assert 0 <= (gen - sim).total_seconds() < 300, (sim, gen)
        assert 0 <= (when(artifact["metadata"]["invocation_started_at"]) - sim).total_seconds() < 60
    assert len({sim.date() for sim, _ in builds}) >= 6, "builds over at least six simulated days"
    # target/ holds the last build (not docs generate) and the last freshness check
    last_build, last_fresh = builds[-1][1], fresh[-1][1]
    assert load(root / "target" / "run_results.json") == last_build
    assert load(root / "target" / "sources.json") == last_fresh
    assert manifest(root)["metadata"]["invocation_id"] == last_build["metadata"]["invocation_id"]
    catalog = load(root / "target" / "catalog.json")
    assert when(catalog["metadata"]["generated_at"]) > when(last_build["metadata"]["generated_at"])


def check_timings(root: Path) -> None:
    for _, run in archive(root, "build") + archive(root, "freshness"):
        generated = when(run["metadata"]["generated_at"])
        started = when(run["metadata"]["invocation_started_at"])
        for r in run["results"]:
            spans = [(when(t["started_at"]), when(t["completed_at"])) for t in r["timing"]]
            for a, b in spans:
                assert started <= a <= b <= generated, r["unique_id"]
            if spans:  # execution_time covers dbt's timed steps, measured on the same clock
                covered = (spans[-1][1] - spans[0][0]).total_seconds()
                assert covered - 0.05 <= r["execution_time"] <= covered + 1.0, r["unique_id"]
            else:
                assert r["status"] in ("skipped", "no-op") or "freshness" in run["metadata"]["dbt_schema_version"]
        if "elapsed_time" in run:
            assert run["elapsed_time"] <= (generated - started).total_seconds() + 0.5


def check_manifest(root: Path) -> None:
    m = manifest(root)
    assert m["metadata"]["project_name"] == PROJECT and m["metadata"]["adapter_type"] == "duckdb"
    models = {n["name"]: n for n in m["nodes"].values() if n["resource_type"] == "model"}
    for name in ["stg_stores", "stg_skus", "stg_orders", "stg_order_items", "stg_inventory",
                 "int_order_lines", "int_sku_sales_by_market", "int_store_sku_availability",
                 "dim_stores", "dim_skus", "fct_orders", "top_selling_skus_by_market",
                 "top_items_not_carried", "fct_market_demand_forecast", *EXPORTS]:
        assert name in models, name
        assert models[name]["relation_name"] == f'"warehouse"."analytics"."{name}"'
    sources = {(s["source_name"], s["name"]) for s in m["sources"].values()}
    assert {("marketplace", "stores"), ("marketplace", "skus"), ("marketplace", "orders"),
            ("marketplace", "order_items"), ("marketplace", "promotions"),
            ("inventory_feed", "inventory")} <= sources
    exposures = {e["name"]: e for e in m["exposures"].values()}
    assert set(exposures) == set(EXPOSURES)
    for name, (kind, model) in EXPOSURES.items():
        e = exposures[name]
        assert e["type"] == kind and e["maturity"] and e["owner"]["name"] and e["owner"]["email"]
        assert f"model.{PROJECT}.{model}" in e["depends_on"]["nodes"]
    assert exposures["retailer_app"]["meta"].get("production") is True


def check_planted_problems(root: Path) -> None:
    m = manifest(root)
    models = {n["name"]: n for n in m["nodes"].values() if n["resource_type"] == "model"}
    tests = [n for n in m["nodes"].values() if n["resource_type"] == "test"]
    tested = {d for t in tests for d in t["depends_on"]["nodes"]}
    # a production exposure on a model with no tests, no contract, no owner, no description
    app = models["exp_retailer_app_skus"]
    assert f"model.{PROJECT}.exp_retailer_app_skus" not in tested
    assert not app["contract"]["enforced"] and not app["group"] and "owner" not in app["meta"]
    assert not app["description"]
    # ... while other models are hardened
    for name in ["dim_skus", "exp_top_items_salesforce", "exp_top_items_crm"]:
        assert models[name]["contract"]["enforced"] and models[name]["group"]
    assert "owner" in models["fct_orders"]["meta"]
    # a mart reading a source directly; a hard-coded table name
    assert any(d.startswith("source.") for d in models["dim_stores"]["depends_on"]["nodes"])
    assert "raw.orders" in models["int_order_lines"]["raw_code"]
    assert "source(" not in models["int_order_lines"]["raw_code"]
    # models without descriptions; an unused source
    assert {"int_order_lines", "stg_inventory", "fct_market_demand_forecast"} <= {
        n for n, node in models.items() if not node["description"]}
    used = {d for n in m["nodes"].values() for d in n["depends_on"].get("nodes", [])}
    assert f"source.{PROJECT}.marketplace.promotions" not in used
    # the 50 ml rule also lives in dbt
    assert "volume_ml > 50" in models["exp_top_items_crm"]["raw_code"]


def check_run_history(root: Path) -> None:
    builds = archive(root, "build")
    seen = statuses(root)
    tests = {n for _, run in builds for r in run["results"] if r["unique_id"].startswith("test.")
             for n in [node_name(r["unique_id"])]}
    # a run with failing (error-severity) tests that made dbt skip downstream models
    assert any(any(r["status"] == "fail" for r in run["results"])
               and any(r["status"] == "skipped" and r["unique_id"].startswith("model.") for r in run["results"])
               for _, run in builds)
    # a run where a model errored
    errored = [r for _, run in builds for r in run["results"]
               if r["status"] == "error" and r["unique_id"].startswith("model.")]
    assert errored and "Conversion Error" in errored[0]["message"]
    # warn-severity tests
    assert any(s == "warn" for n in tests for s in seen[n])
    # a test that flips between pass and fail
    flips = {n: sum(a != b for a, b in zip(ran, ran[1:]))
             for n in tests for ran in [[s for s in seen[n] if s in ("pass", "fail")]]}
    assert max(flips.values()) >= 4, flips
    assert flips["assert_every_market_sold_on_latest_day"] >= 4
    # a model that grows slower run after run
    times = [r["execution_time"] for _, run in builds for r in run["results"]
             if r["unique_id"] == f"model.{PROJECT}.fct_market_demand_forecast"]
    assert len(times) == len(builds)
    half = len(times) // 2
    assert times[-1] >= 3 * times[0], times
    assert statistics.mean(times[-half:]) > 2 * statistics.mean(times[:half]), times


def check_freshness(root: Path) -> None:
    history: dict[str, list[str]] = {}
    for _, run in archive(root, "freshness"):
        for r in run["results"]:
            history.setdefault(r["unique_id"].split(".", 2)[2], []).append(r["status"])
    inventory = history.pop("inventory_feed.inventory")
    assert inventory[0] == "pass" and "warn" in inventory and inventory[-1] == "error"
    assert inventory.index("warn") < inventory.index("error")
    assert history and all(s == "pass" for st in history.values() for s in st), history


def check_lastmile(root: Path) -> None:
    lastmile = root / "lastmile"
    model = yaml.safe_load((lastmile / "hightouch/models/top_items_for_salesforce.yaml").read_text())
    assert "analytics.exp_top_items_salesforce" in model["raw_sql"] and "volume_ml > 50" in model["raw_sql"]
    assert yaml.safe_load((lastmile / "hightouch/syncs/salesforce_store_pitch.yaml").read_text())["model"] == model["slug"]
    card = load(lastmile / "metabase/card_118_top_sellers_full_size.json")
    assert card["dataset_query"]["type"] == "native"
    assert "volume_ml > 50" in card["dataset_query"]["native"]["query"]
    notebook = load(lastmile / "notebooks/store_assortment_gaps.ipynb")
    assert notebook["nbformat"] == 4
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert any(c.startswith("%%sql") and "exp_top_items_salesforce" in c for c in code)
    assert any("is_seasonal" in c and "df[" in c for c in code)
    app = (lastmile / "app/retailer_catalog.py").read_text()
    ast.parse(app)
    assert "not is_seasonal" in app and "analytics.exp_retailer_app_skus" in app
    view = (lastmile / "lookml/market_top_items.view.lkml").read_text()
    assert "derived_table:" in view and "CASE" in view and "analytics.top_selling_skus_by_market" in view
    assert "include:" in (lastmile / "lookml/marketplace.model.lkml").read_text()


def check_query_log(root: Path) -> None:
    with open(root / "query_logs/query_history.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["QUERY_ID", "QUERY_TEXT", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TYPE",
                                     "USER_NAME", "ROLE_NAME", "WAREHOUSE_NAME", "EXECUTION_STATUS",
                                     "START_TIME", "END_TIME", "TOTAL_ELAPSED_TIME", "ROWS_PRODUCED",
                                     "QUERY_TAG"]
        history = list(reader)
    access = load(root / "query_logs/access_history.json")
    assert {a["QUERY_ID"] for a in access} <= {h["QUERY_ID"] for h in history}
    relations = {r.replace('"', "") for r in
                 [n["relation_name"] for n in manifest(root)["nodes"].values() if n.get("relation_name")]
                 + [s["relation_name"] for s in manifest(root)["sources"].values()]}
    readers: dict[str, set[str]] = {}
    for a in access:
        assert a["USER_NAME"]
        for obj in a["DIRECT_OBJECTS_ACCESSED"] + a["BASE_OBJECTS_ACCESSED"]:
            assert obj["objectDomain"] in ("Table", "View") and obj["columns"]
            if obj["objectName"] != "warehouse.raw.store_inventory":
                assert obj["objectName"] in relations or obj["objectName"].startswith("warehouse.raw."), obj
            if a["USER_NAME"] != "DBT_PROD":
                readers.setdefault(obj["objectName"].split(".")[-1], set()).add(a["USER_NAME"])
    assert readers["exp_top_items_crm"] >= {"TABLEAU_SVC"}  # a tool no exposure declares
    assert len(readers["exp_top_items_salesforce"]) >= 2  # one export, two consumers
    assert "RETAILER_APP_SVC" in readers["exp_retailer_app_skus"]


def check_warehouse(root: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        tables = {(s, t) for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'warehouse'").fetchall()}
        assert {("analytics", e) for e in EXPORTS} <= tables
        assert {("raw", "inventory"), ("raw", "store_inventory"), ("raw", "promotions")} <= tables
        # the rename: the frozen old table feeds dbt, so today's stock is NULL in the app's export
        rows, known = con.execute("select count(*), count(quantity_on_hand) from analytics.exp_retailer_app_skus").fetchone()
        assert rows > 0 and known == 0
        old, new = con.execute("select (select max(feed_date) from raw.inventory), "
                               "(select max(feed_date) from raw.store_inventory)").fetchone()
        assert old < new
    finally:
        con.close()


CHECKS = [check_schema_versions, check_invocations, check_timings, check_manifest, check_planted_problems,
          check_run_history, check_freshness, check_lastmile, check_query_log, check_warehouse]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__[len("check_"):])
def test_committed_sample(check) -> None:
    check(SAMPLE)


def test_sample_is_small() -> None:
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and ".console" not in p.parts)
    assert size < 6_000_000


def _libfaketime_found() -> bool:
    """Ask regenerate.py itself (imported without writing __pycache__ into the sample)."""
    spec = importlib.util.spec_from_file_location("regenerate", SAMPLE / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    before, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module.find_libfaketime() is not None


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("dbt") is None, reason="dbt is not installed")
def test_regenerate_from_scratch(tmp_path: Path) -> None:
    if not _libfaketime_found():
        pytest.skip("libfaketime is not installed")
    out = tmp_path / "sample_project"
    done = subprocess.run([sys.executable, str(SAMPLE / "regenerate.py"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for check in CHECKS:
        check(out)
    for name in ["dbt_project.yml", "profiles.yml", "warehouse.duckdb", "target/manifest.json",
                 "query_logs/query_history.csv"]:
        assert (out / name).exists()
    assert not (out / "logs").exists() and not (out / "target" / "compiled").exists()
