"""manifest.json of every schema version (dbt-core's fixtures) and of a real dbt-duckdb project."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from collectors.dbt_artifacts import load_json, parse_manifest, sniff
from collectors.dbt_artifacts.manifest import SECTIONS, SKIPPED_TYPES
from console.store.schema import TABLES

MANIFEST_VERSIONS = tuple(range(1, 13))


def parsed(path: Path):
    data, _ = load_json(path)
    kind, version, doc = sniff(path, data)
    assert kind == "manifest"
    return doc, version, parse_manifest(path, doc, version)


@pytest.fixture(scope="module", params=MANIFEST_VERSIONS, ids=lambda v: f"v{v}")
def every_version(request, manifest_fixture):
    doc, version, frames = parsed(manifest_fixture(request.param))
    return request.param, doc, version, frames


def test_schema_version_is_read_from_the_document(every_version):
    expected, doc, version, frames = every_version
    assert version == expected
    project = frames["project"].row(0, named=True)
    assert project["manifest_schema_version"] == expected
    assert project["name"] == "test"  # metadata.project_name from v10, the root package before
    assert project["adapter"] == "postgres"
    assert project["dbt_version"] == doc["metadata"]["dbt_version"]
    assert project["manifest_generated_at"] == doc["metadata"]["generated_at"]
    assert project["manifest_invocation_id"] == doc["metadata"]["invocation_id"]
    assert project["origin"] == "manifest"


def test_node_counts_per_resource_type_match_the_raw_json(every_version):
    _, doc, _, frames = every_version
    raw = Counter(
        node.get("resource_type") or default
        for section, default in SECTIONS
        for node in (doc.get(section) or {}).values()
    )
    expected = {rtype: n for rtype, n in raw.items() if rtype not in SKIPPED_TYPES}
    assert dict(Counter(frames["nodes"]["resource_type"].to_list())) == expected
    assert frames["nodes"]["unique_id"].is_unique().all()


def test_frames_carry_only_store_columns(every_version):
    *_, frames = every_version
    for table, frame in frames.items():
        assert set(frame.columns) <= set(TABLES[table].column_names), table
        assert "layer" not in frame.columns and "collect_id" not in frame.columns


def test_the_model_reads_the_same_in_every_version(every_version):
    _, doc, _, frames = every_version
    model = frames["nodes"].filter(unique_id="model.test.my_model").row(0, named=True)
    assert model["raw_code"] == "select 1 as id"  # raw_sql until v6, raw_code from v7
    assert model["language"] == "sql"
    assert model["materialized"] == "view"
    assert model["enabled"] is True
    assert model["path"] == "models/my_model.sql"
    assert model["fqn"] == ["test", "my_model"]
    assert model["checksum"] == doc["nodes"]["model.test.my_model"]["checksum"]["checksum"]
    assert orjson.loads(model["config"])["materialized"] == "view"


def test_edges_are_the_parent_map(every_version):
    _, doc, _, frames = every_version
    ours = set(frames["edges"].iter_rows())
    uids = set(frames["nodes"]["unique_id"])
    expected = {(p, c) for c, parents in doc["parent_map"].items() if c in uids for p in parents}
    assert ours == expected
    assert len(ours) == frames["edges"].height  # no duplicates


@pytest.mark.parametrize("version", [v for v in MANIFEST_VERSIONS if v >= 7])
def test_tests_are_attached_with_their_column(version, manifest_fixture):
    _, _, frames = parsed(manifest_fixture(version))
    tests = {row["unique_id"]: row for row in frames["tests"].iter_rows(named=True)}
    not_null = tests["test.test.not_null_my_model_id.43e0e9183a"]
    assert not_null["test_name"] == "not_null"
    assert not_null["attached_node"] == "model.test.my_model"  # resolved from kwargs before v9
    assert not_null["column_name"] == "id"
    assert not_null["severity"] == "error"  # dbt writes ERROR
    assert not_null["is_generic"] is True
    assert orjson.loads(not_null["kwargs"])["column_name"] == "id"
    assert (not_null["warn_if"], not_null["error_if"]) == ("!= 0", "!= 0")
    singular = tests["test.test.just_my"]
    assert (singular["test_name"], singular["is_generic"]) == ("singular", False)
    assert singular["attached_node"] == "model.test.my_model"  # its first ref
    assert singular["column_name"] is None
    assert tests["test.test.check_nothing_my_model_.d5a5e66110"]["test_name"] == "check_nothing"


@pytest.mark.parametrize("version", [v for v in MANIFEST_VERSIONS if v >= 7])
def test_exposure_owner_and_source_without_freshness(version, manifest_fixture):
    _, _, frames = parsed(manifest_fixture(version))
    nodes = frames["nodes"]
    exposure = nodes.filter(resource_type="exposure").row(0, named=True)
    assert exposure["owner"] == "something@example.com"  # owner.name is null: the email
    assert exposure["owner_email"] == "something@example.com"
    assert exposure["exposure_type"] == "dashboard"
    source = nodes.filter(resource_type="source").row(0, named=True)
    assert (source["source_name"], source["identifier"], source["alias"]) == ("my_source", "my_seed", "my_seed")
    assert source["freshness"] is None  # dbt writes null counts when none is configured
    assert source["relation_name"] == '"dbt"."my_source"."my_seed"'


def test_metrics_and_semantic_models_of_newer_versions(manifest_fixture):
    _, _, frames = parsed(manifest_fixture(12))
    nodes = frames["nodes"]
    assert nodes.filter(resource_type="metric").height == 4
    assert nodes.filter(unique_id="metric.test.blue_customers_post_2010")["label"].item() == "Blue Customers since 2010"
    edges = set(frames["edges"].iter_rows())
    assert ("semantic_model.test.semantic_people", "metric.test.customers") in edges
    assert ("model.test.my_model", "semantic_model.test.semantic_people") in edges


# -- a real dbt 1.11 project: groups, contracts, versions, unit tests, packages -----------------
@pytest.fixture(scope="module")
def shop_frames(shop):
    return parsed(shop.manifest)[2]


def test_shop_project_row(shop_frames):
    project = shop_frames["project"].row(0, named=True)
    assert (project["name"], project["adapter"], project["manifest_schema_version"]) == ("shop", "duckdb", 12)
    assert project["dbt_version"].startswith("1.11")


def test_shop_model_of_a_group_takes_the_group_owner(shop_frames):
    mart = shop_frames["nodes"].filter(unique_id="model.shop.customer_revenue.v1").row(0, named=True)
    assert (mart["group_name"], mart["owner"], mart["owner_email"]) == ("finance", "Finance Team", "finance@example.com")
    assert (mart["access"], mart["contract_enforced"]) == ("public", True)
    assert (mart["version"], mart["latest_version"]) == ("1", "1")
    assert (mart["materialized"], mart["alias"]) == ("table", "customer_revenue_v1")
    assert "from {{ ref('stg_orders') }} o" in mart["raw_code"]
    staging = shop_frames["nodes"].filter(unique_id="model.shop.stg_orders").row(0, named=True)
    assert (staging["owner"], staging["owner_email"], staging["tags"]) == ("ana", None, ["staging"])
    assert orjson.loads(staging["meta"]) == {"owner": "ana"}
    assert '"shop"."main"."raw_orders"' in staging["compiled_code"]
    group = shop_frames["nodes"].filter(resource_type="group").row(0, named=True)
    assert (group["unique_id"], group["owner"]) == ("group.shop.finance", "Finance Team")


def test_shop_sources_freshness_and_exposure(shop_frames):
    nodes = {row["unique_id"]: row for row in shop_frames["nodes"].iter_rows(named=True)}
    orders = nodes["source.shop.shop_raw.orders"]
    assert orjson.loads(orders["freshness"]) == {
        "warn_after": {"count": 1, "period": "hour"},
        "error_after": {"count": 1, "period": "day"},
        "filter": None,
    }
    assert (orders["loaded_at_field"], orders["owner"]) == ("loaded_at", "loader-team")
    assert nodes["source.shop.shop_raw.customers"]["freshness"] is None
    broken = orjson.loads(nodes["source.shop.shop_raw.broken"]["freshness"])
    assert broken["error_after"] is None and broken["warn_after"]["count"] == 1
    exposure = nodes["exposure.shop.revenue_dashboard"]
    assert (exposure["owner"], exposure["owner_email"]) == ("Ana", "ana@example.com")
    assert (exposure["maturity"], exposure["url"]) == ("high", "https://bi.example.com/revenue")
    edges = set(shop_frames["edges"].iter_rows())
    assert ("model.shop.customer_revenue.v1", "exposure.shop.revenue_dashboard") in edges
    assert ("model.shop.customer_revenue.v1", "unit_test.shop.customer_revenue.revenue_sums_orders_v1") in edges
    assert ("source.shop.shop_raw.orders", "model.shop.stg_orders") in edges


def test_shop_tests_with_namespace_and_severity(shop_frames):
    tests = {row["unique_id"].split(".")[2]: row for row in shop_frames["tests"].iter_rows(named=True)}
    assert tests["local_utils_at_least_one_stg_orders_customer_id"]["test_name"] == "local_utils.at_least_one"
    assert tests["not_null_stg_orders_amount"]["severity"] == "warn"
    assert tests["not_null_stg_orders_customer_id"]["severity"] == "error"
    assert tests["assert_positive_amount"]["attached_node"] == "model.shop.stg_orders"
    assert {t["attached_node"] for t in tests.values()} == {"model.shop.stg_orders"}
    unit = shop_frames["nodes"].filter(resource_type="unit_test")
    assert unit["unique_id"].to_list() == ["unit_test.shop.customer_revenue.revenue_sums_orders_v1"]
    assert not shop_frames["tests"]["unique_id"].str.starts_with("unit_test").any()  # data tests only


def test_shop_columns_keep_order_types_and_constraints(shop_frames):
    columns = shop_frames["node_columns"].filter(unique_id="model.shop.customer_revenue.v1")
    assert columns["name"].to_list() == ["customer_id", "name", "revenue"]
    assert columns["position"].to_list() == [1, 2, 3]
    assert columns["data_type"].to_list() == ["integer", "varchar", "double"]
    constraints = orjson.loads(columns["constraints"][0])
    assert constraints[0]["type"] == "not_null"
    assert columns["constraints"][1] is None


def test_attached_node_is_resolved_without_attached_node_field(manifest_fixture):
    """Before v9 a test does not say what it tests: kwargs.model or its first ref tell."""
    doc = orjson.loads(manifest_fixture(8).read_bytes())
    test = doc["nodes"]["test.test.not_null_my_model_id.43e0e9183a"]
    assert "attached_node" not in test
    test["depends_on"]["nodes"] = ["model.test.my_model", "source.test.my_source.my_table"]
    test["test_metadata"]["kwargs"]["model"] = "{{ get_where_subquery(source('my_source', 'my_table')) }}"
    singular = doc["nodes"]["test.test.just_my"]
    singular["depends_on"]["nodes"] = ["seed.test.my_seed", "model.test.my_model.v2"]
    singular["refs"] = [["test", "my_model"], ["my_seed"]]  # ref('package', 'name') first
    tests = {row["unique_id"]: row for row in parse_manifest(Path("m.json"), doc, 8)["tests"].iter_rows(named=True)}
    assert tests["test.test.not_null_my_model_id.43e0e9183a"]["attached_node"] == "source.test.my_source.my_table"
    assert tests["test.test.just_my"]["attached_node"] == "model.test.my_model.v2"


def test_project_name_before_v10_is_the_root_package(manifest_fixture):
    doc = orjson.loads(manifest_fixture(9).read_bytes())
    assert "project_name" not in doc["metadata"]
    doc["macros"] = {f"macro.dbt.m{i}": {"package_name": "dbt", "resource_type": "macro"} for i in range(50)}
    assert parse_manifest(Path("m.json"), doc, 9)["project"]["name"].item() == "test"
