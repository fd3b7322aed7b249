"""run_results.json, sources.json and catalog.json: dbt-core's fixtures, a real dbt-duckdb run,
and the older shapes their published schemas describe."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest

from collectors.dbt_artifacts import PARSERS, load_json, parse_catalog, parse_run_results, parse_sources, sniff
from console.store.schema import TABLES
from console.store.store import open_writer


def parsed(path: Path):
    data, _ = load_json(path)
    kind, version, doc = sniff(path, data)
    return kind, version, doc, PARSERS[kind](path, doc, version)


def rows(frame, key="unique_id"):
    return {row[key]: row for row in frame.iter_rows(named=True)}


# -- run_results -------------------------------------------------------------------------------
@pytest.mark.parametrize("version", [4, 5, 6])
def test_run_results_fixture(version, run_results_fixture):
    path = run_results_fixture(version)
    kind, schema_version, doc, frames = parsed(path)
    assert (kind, schema_version) == ("run_results", version)
    invocation = frames["invocations"].row(0, named=True)
    assert invocation["invocation_id"] == doc["metadata"]["invocation_id"]
    assert (invocation["kind"], invocation["command"], invocation["schema_version"]) == ("run_results", "run", version)
    assert invocation["generated_at"] == doc["metadata"]["generated_at"]
    assert invocation["elapsed_time"] == doc["elapsed_time"]
    assert orjson.loads(invocation["args"])["which"] == "run"
    results = rows(frames["node_results"])
    assert set(results) == {"model.test.my_model", "model.test.metricflow_time_spine"}
    model = results["model.test.my_model"]
    execute = doc["results"][0]["timing"][1]
    assert (model["started_at"], model["completed_at"]) == (execute["started_at"], execute["completed_at"])
    assert (model["status"], model["thread_id"], model["message"]) == ("success", "Thread-9 (worker)", "CREATE VIEW")
    assert model["execution_time"] == doc["results"][0]["execution_time"]
    assert model["rows_affected"] is None  # dbt's -1: unknown
    assert model["failures"] is None
    assert orjson.loads(model["adapter_response"])["code"] == "CREATE VIEW"
    assert set(frames["node_results"]["invocation_id"]) == {invocation["invocation_id"]}


def older_run_results(version: int, fixture: Path) -> dict:
    """A run_results of schema v1 to v3, made from the v4 fixture by the published differences:
    v1 has no ``failures``; its invocation_id and args may be missing."""
    doc = orjson.loads(fixture.read_bytes())
    doc["metadata"]["dbt_schema_version"] = f"https://schemas.getdbt.com/dbt/run-results/v{version}.json"
    doc["metadata"]["dbt_version"] = {1: "0.19.2", 2: "0.20.2", 3: "0.21.1"}[version]
    for result in doc["results"]:
        if version == 1:
            del result["failures"]
    if version == 1:
        doc["metadata"]["invocation_id"] = None
        del doc["args"]
    return doc


@pytest.mark.parametrize("version", [1, 2, 3])
def test_older_run_results_shapes(version, run_results_fixture):
    doc = older_run_results(version, run_results_fixture(4))
    path = Path("run_results.json")
    kind, schema_version, doc = sniff(path, orjson.dumps(doc))
    frames = parse_run_results(path, doc, schema_version)
    invocation = frames["invocations"].row(0, named=True)
    assert frames["node_results"].height == 2
    assert set(frames["node_results"]["status"]) == {"success"}
    if version == 1:
        assert invocation["command"] is None and invocation["args"] is None
        assert invocation["invocation_id"].startswith("derived-")
        again = parse_run_results(path, orjson.loads(orjson.dumps(doc)), 1)["invocations"]["invocation_id"][0]
        assert again == invocation["invocation_id"]  # stable for the same content
        doc["elapsed_time"] += 1
        other = parse_run_results(path, doc, 1)["invocations"]["invocation_id"][0]
        assert other != invocation["invocation_id"]
    else:
        assert invocation["command"] == "run"


def test_a_failing_test_skips_the_downstream_model(shop):
    _, _, doc, frames = parsed(shop.build_results)
    assert frames["invocations"]["command"].item() == "build"
    results = rows(frames["node_results"])
    failed = results["test.shop.not_null_stg_orders_customer_id.af79d5e4b5"]
    assert (failed["status"], failed["failures"]) == ("fail", 1)
    assert failed["message"] == "Got 1 result, configured to fail if != 0"
    skipped = results["model.shop.customer_revenue.v1"]
    assert skipped["status"] == "skipped"
    assert skipped["started_at"] is None and skipped["adapter_response"] is None
    assert results["exposure.shop.revenue_dashboard"]["status"] == "skipped"
    assert results["seed.shop.raw_orders"]["rows_affected"] == 3
    assert results["model.shop.stg_orders"]["status"] == "success"
    assert results["test.shop.unique_stg_orders_id.beb6e97f2f"]["status"] == "pass"
    assert frames["node_results"].height == len(doc["results"])


def test_docs_generate_results(shop):
    _, _, _, frames = parsed(shop.docs_results)
    assert frames["invocations"]["command"].item() == "generate"


# -- sources.json ------------------------------------------------------------------------------
def test_source_freshness_of_a_real_run(shop):
    kind, version, doc, frames = parsed(shop.sources)
    assert (kind, version) == ("sources", 3)
    invocation = frames["invocations"].row(0, named=True)
    assert (invocation["kind"], invocation["command"]) == ("sources", "source freshness")
    assert invocation["invocation_id"] == doc["metadata"]["invocation_id"]
    # dbt 1.11 leaves the source whose query failed (`broken`) out of the file
    result = rows(frames["freshness_results"])["source.shop.shop_raw.orders"]
    assert result["status"] == "error"
    assert result["max_loaded_at"] == "2020-01-03T00:00:00+00:00"
    loaded = dt.datetime.fromisoformat(result["max_loaded_at"])
    snapshotted = dt.datetime.fromisoformat(result["snapshotted_at"])
    assert result["age_seconds"] == pytest.approx((snapshotted - loaded).total_seconds(), abs=1)
    assert orjson.loads(result["warn_after"]) == {"count": 1, "period": "hour"}
    assert orjson.loads(result["error_after"]) == {"count": 1, "period": "day"}
    assert result["error"] is None and result["execution_time"] > 0


def test_sources_v1_runtime_error_and_time_zones():
    """The v1 shape (dbt 0.19): no timing; a failed source is {unique_id, status, error}."""
    doc = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/sources/v1.json",
            "dbt_version": "0.19.2",
            "generated_at": "2021-02-10T04:42:33.675309Z",
            "invocation_id": None,
        },
        "results": [
            {
                "unique_id": "source.shop.raw.orders",
                "max_loaded_at": "2021-02-10T06:00:00+02:00",
                "snapshotted_at": "2021-02-10T04:42:33.675309+00:00",
                "max_loaded_at_time_ago_in_s": 9753.675309,
                "status": "warn",
                "criteria": {"warn_after": {"count": 1, "period": "hour"}, "error_after": None, "filter": None},
                "adapter_response": {},
            },
            {"unique_id": "source.shop.raw.events", "status": "runtime error", "error": "relation does not exist"},
        ],
        "elapsed_time": 0.5,
    }
    path = Path("sources.json")
    kind, version, doc = sniff(path, orjson.dumps(doc))
    results = rows(parse_sources(path, doc, version)["freshness_results"])
    warned = results["source.shop.raw.orders"]
    assert warned["max_loaded_at"] == "2021-02-10T04:00:00"  # +02:00 applied: DuckDB would drop it
    assert warned["error_after"] is None and warned["execution_time"] is None
    failed = results["source.shop.raw.events"]
    assert (failed["status"], failed["error"], failed["max_loaded_at"]) == ("runtime error", "relation does not exist", None)


# -- catalog.json ------------------------------------------------------------------------------
def test_catalog_of_a_real_run(shop):
    kind, version, doc, frames = parsed(shop.catalog)
    assert (kind, version) == ("catalog", 1)
    tables = rows(frames["catalog_tables"])
    assert set(tables) == set(doc["nodes"]) | set(doc["sources"])
    view = tables["model.shop.stg_orders"]
    assert (view["database"], view["schema"], view["name"], view["table_type"]) == ("shop", "main", "stg_orders", "VIEW")
    assert view["generated_at"] == doc["metadata"]["generated_at"]
    assert view["stats"] is None and view["row_count"] is None  # DuckDB reports no statistics
    columns = frames["catalog_columns"].filter(unique_id="seed.shop.raw_orders")
    assert columns["name"].to_list() == ["id", "customer_id", "amount", "loaded_at"]
    assert columns["position"].to_list() == [1, 2, 3, 4]
    assert columns["data_type"].to_list() == ["INTEGER", "INTEGER", "DOUBLE", "TIMESTAMP"]


def test_catalog_statistics_of_other_warehouses(shop):
    doc = orjson.loads(shop.catalog.read_bytes())
    entry = doc["nodes"]["model.shop.stg_orders"]
    entry["stats"] = {  # what dbt-snowflake writes
        "row_count": {"id": "row_count", "label": "Row Count", "value": 1200.0, "include": True, "description": ""},
        "bytes": {"id": "bytes", "label": "Approximate Size", "value": 40960.0, "include": True, "description": ""},
        "has_stats": {"id": "has_stats", "label": "Has Stats?", "value": True, "include": False, "description": ""},
    }
    doc["sources"]["source.shop.shop_raw.orders"]["stats"] = {  # what dbt-bigquery writes
        "num_rows": {"id": "num_rows", "label": "# Rows", "value": 3, "include": True, "description": ""},
        "num_bytes": {"id": "num_bytes", "label": "Approximate Size", "value": 96, "include": True, "description": ""},
    }
    tables = rows(parse_catalog(Path("catalog.json"), doc, 1)["catalog_tables"])
    snowflake = tables["model.shop.stg_orders"]
    assert (snowflake["row_count"], snowflake["bytes"]) == (1200, 40960)
    assert orjson.loads(snowflake["stats"]) == {"row_count": 1200.0, "bytes": 40960.0}
    bigquery = tables["source.shop.shop_raw.orders"]
    assert (bigquery["row_count"], bigquery["bytes"]) == (3, 96)


# -- the frames fit the store ------------------------------------------------------------------
def test_every_frame_loads_into_a_real_store(shop, tmp_path):
    with open_writer(tmp_path / "store.duckdb", tmp_path) as writer:
        for path in (shop.manifest, shop.build_results, shop.sources, shop.catalog):
            _, _, _, frames = parsed(path)
            for table, frame in frames.items():
                if TABLES[table].snapshot:
                    assert writer.replace(table, frame) == frame.height, table
                else:
                    assert writer.append(table, frame) == frame.height, table
        stored = writer.current("node_results", ["unique_id", "started_at", "status"])
        nodes = writer.current("nodes", ["unique_id", "tags", "fqn", "freshness", "origin"])
        freshness = writer.current("freshness_results", ["max_loaded_at"])
    started = stored.filter(unique_id="model.shop.stg_orders")["started_at"].item()
    assert isinstance(started, dt.datetime) and started.year >= 2026
    assert freshness["max_loaded_at"].item() == dt.datetime(2020, 1, 3)
    assert set(nodes["origin"]) == {"manifest"}
    assert nodes.filter(unique_id="model.shop.stg_orders")["tags"].item().to_list() == ["staging"]
