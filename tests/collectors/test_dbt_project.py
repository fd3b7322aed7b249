"""Reading a dbt project's own files: the fixture projects under tests/fixtures/dbt_project/.

``shop`` is one project that exercises every kind of node (dbt parses it: see
test_dbt_project_dbt.py); ``monorepo`` holds two subprojects that share a folder of models and
sources and refer to each other.
"""

from __future__ import annotations

import doctest
import importlib
import shutil
from pathlib import Path

import orjson
import polars as pl
import pytest

from collectors.dbt_project import find_project_files, read_project
from console.store.schema import TABLES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dbt_project"
SHOP = FIXTURES / "shop"
MONOREPO = FIXTURES / "monorepo"


@pytest.fixture(scope="module")
def shop() -> dict[str, pl.DataFrame]:
    return read_project(SHOP)


@pytest.fixture(scope="module")
def monorepo() -> dict[str, pl.DataFrame]:
    return read_project(MONOREPO)


def node(frames: dict[str, pl.DataFrame], uid: str) -> dict:
    rows = frames["nodes"].filter(pl.col("unique_id") == uid).to_dicts()
    assert rows, f"{uid} not read"
    return rows[0]


def edges(frames: dict[str, pl.DataFrame]) -> set[tuple[str, str]]:
    return set(frames["edges"].iter_rows())


def parents(frames: dict[str, pl.DataFrame], uid: str) -> set[str]:
    return {p for p, c in edges(frames) if c == uid}


# -- shape ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["shop", "monorepo"])
def test_frames_have_the_store_columns_and_types(which, request):
    frames = request.getfixturevalue(which)
    assert set(frames) == {"project", "nodes", "edges", "node_columns", "tests"}
    types = {"VARCHAR": pl.String, "VARCHAR[]": pl.List(pl.String), "BOOLEAN": pl.Boolean, "INTEGER": pl.Int32,
             "JSON": pl.String, "TIMESTAMP": pl.String, "BIGINT": pl.Int64}  # fmt: skip
    for table, frame in frames.items():
        expected = dict(TABLES[table].columns)
        assert list(frame.columns) == list(expected)
        for column, dtype in frame.schema.items():
            assert dtype == types[expected[column]], (table, column)
    assert frames["nodes"]["unique_id"].is_unique().all()
    assert frames["tests"]["unique_id"].is_unique().all()
    assert (frames["nodes"]["origin"] == "project").all()
    for column in ("meta", "config", "freshness"):
        for text in frames["nodes"][column].drop_nulls():
            orjson.loads(text)


def test_project_row(shop, monorepo):
    assert shop["project"].select("name", "root", "origin").row(0) == ("shop", str(SHOP), "project")
    assert monorepo["project"]["name"][0] == "monorepo"  # several subprojects: the folder's name


def test_every_resource_type_is_read(shop):
    by_type = shop["nodes"].group_by("resource_type").len().sort("resource_type").rows()
    assert dict(by_type) == {
        "analysis": 1, "exposure": 1, "group": 1, "model": 9, "seed": 1, "snapshot": 1, "source": 3,
        "test": 16, "unit_test": 1,
    }  # fmt: skip


def test_disabled_models_are_left_out(shop):
    assert "model.shop.stg_legacy" not in shop["nodes"]["unique_id"].to_list()
    assert not any("stg_legacy" in p or "stg_legacy" in c for p, c in edges(shop))


# -- models, config precedence ---------------------------------------------------------------
def test_config_precedence_project_then_yml_then_sql(shop):
    stg_orders = node(shop, "model.shop.stg_orders")
    assert stg_orders["materialized"] == "table"  # config() in the SQL beats +materialized: view
    assert stg_orders["tags"] == ["staging", "orders"]  # tags add up: folder, then the SQL
    assert stg_orders["owner"] == "data-platform@shop.example"  # +meta of the folder
    revenue = node(shop, "model.shop.fct_revenue")
    assert revenue["materialized"] == "table"
    assert revenue["tags"] == ["marts", "revenue"]  # a model's own key in the tree, a string
    assert orjson.loads(revenue["config"])["schema"] == "finance"
    assert revenue["schema"] is None  # the real schema needs the profile
    assert revenue["group_name"] == "finance" and revenue["owner"] == "Finance"
    assert revenue["owner_email"] == "finance@shop.example"
    export = node(shop, "model.shop.exp_customers_crm")
    assert export["materialized"] == "table"  # an unprefixed config key in the tree
    assert export["access"] == "public"
    assert export["owner"] == export["owner_email"] == "growth@shop.example"


def test_model_fields(shop):
    orders = node(shop, "model.shop.stg_orders")
    assert orders["path"] == "models/staging/stg_orders.sql"
    assert orders["patch_path"] == "shop://models/staging/_staging.yml"
    assert orders["fqn"] == ["shop", "staging", "stg_orders"]
    assert orders["description"] == "One row per order."
    assert orders["language"] == "sql" and orders["enabled"] is True
    assert orders["raw_code"].startswith("{{ config(materialized='table'")
    assert len(orders["checksum"]) == 64
    assert orders["access"] == "protected" and orders["contract_enforced"] is False
    assert orders["layer"] == "staging"


def test_versioned_model(shop):
    v1, v2 = node(shop, "model.shop.dim_customers.v1"), node(shop, "model.shop.dim_customers.v2")
    assert (v1["name"], v1["version"], v1["latest_version"]) == ("dim_customers", "1", "2")
    assert v2["version"] == "2" and v2["alias"] == "dim_customers_v2"
    assert v1["fqn"] == ["shop", "marts", "dim_customers", "v1"]
    assert v1["path"] == "models/marts/dim_customers_v1.sql"
    columns = shop["node_columns"].filter(pl.col("unique_id").str.starts_with("model.shop.dim_customers"))
    by_version = {uid: names for uid, names in columns.group_by("unique_id", maintain_order=True).agg("name").rows()}
    assert by_version == {
        "model.shop.dim_customers.v1": ["customer_id", "name"],  # include: all, exclude: [country]
        "model.shop.dim_customers.v2": ["customer_id", "name", "country"],
    }
    assert parents(shop, "model.shop.dim_customers.v2") == {"model.shop.stg_customers", "seed.shop.country_codes"}
    # ref('dim_customers') is the latest version; v= picks one
    assert "model.shop.dim_customers.v2" in parents(shop, "model.shop.fct_revenue")
    assert parents(shop, "model.shop.exp_customers_crm") == {"model.shop.dim_customers.v2"}


def test_refs_in_jinja(shop):
    # multi-line ref, a ref inside {% if %}; a ref inside a Jinja comment does not count
    assert parents(shop, "model.shop.int_orders") == {
        "model.shop.stg_orders", "model.shop.stg_payments", "model.shop.stg_customers",
    }  # fmt: skip
    assert parents(shop, "model.shop.stg_payments") == {"source.shop.raw.payments"}
    # the two-argument ref to the project itself
    assert "model.shop.int_orders" in parents(shop, "model.shop.fct_revenue")


def test_python_model(shop):
    model = node(shop, "model.shop.fct_orders")
    assert model["language"] == "python" and model["path"] == "models/marts/finance/fct_orders.py"
    assert model["materialized"] == "table" and model["tags"] == ["marts", "python"]
    assert parents(shop, "model.shop.fct_orders") == {"model.shop.int_orders", "model.shop.dim_customers.v1"}


# -- sources, exposures, groups, other nodes ------------------------------------------------
def test_source_freshness_inherits_key_by_key(shop):
    orders = node(shop, "source.shop.raw.orders")
    assert (orders["source_name"], orders["identifier"], orders["schema"]) == ("raw", "raw_orders", "raw_data")
    assert orders["loaded_at_field"] == "_loaded_at"
    assert orjson.loads(orders["freshness"]) == {
        "warn_after": {"count": 12, "period": "hour"}, "error_after": {"count": 24, "period": "hour"}, "filter": None,
    }  # fmt: skip
    customers = node(shop, "source.shop.raw.customers")
    assert customers["loaded_at_field"] == "updated_at"
    assert orjson.loads(customers["freshness"]) == {
        "warn_after": {"count": 1, "period": "day"}, "error_after": {"count": 24, "period": "hour"}, "filter": None,
    }  # fmt: skip
    assert node(shop, "source.shop.raw.payments")["freshness"] is None  # freshness: null
    assert orders["layer"] == "source" and orders["fqn"] == ["shop", "staging", "raw", "orders"]


def test_exposure_and_group(shop):
    crm = node(shop, "exposure.shop.crm_sync")
    assert (crm["exposure_type"], crm["maturity"], crm["label"]) == ("application", "high", "CRM sync")
    assert (crm["owner"], crm["owner_email"]) == ("Growth team", "growth@shop.example")
    assert crm["url"] == "https://crm.example/sync" and crm["layer"] == "exposure"
    assert parents(shop, "exposure.shop.crm_sync") == {"model.shop.exp_customers_crm", "source.shop.raw.customers"}
    group = node(shop, "group.shop.finance")
    assert (group["owner"], group["owner_email"]) == ("Finance", "finance@shop.example")


def test_seed_snapshot_analysis_unit_test(shop):
    seed = node(shop, "seed.shop.country_codes")
    assert seed["materialized"] == "seed" and seed["tags"] == ["seed"] and seed["layer"] == "seed"
    snapshot = node(shop, "snapshot.shop.orders_snapshot")
    assert snapshot["fqn"] == ["shop", "orders_snapshot", "orders_snapshot"]
    assert "{% snapshot" not in snapshot["raw_code"] and "ref('stg_orders')" in snapshot["raw_code"]
    assert orjson.loads(snapshot["config"])["unique_key"] == "order_id"
    assert parents(shop, "snapshot.shop.orders_snapshot") == {"model.shop.stg_orders"}
    assert node(shop, "analysis.shop.revenue_by_status")["fqn"] == ["shop", "analysis", "revenue_by_status"]
    assert parents(shop, "unit_test.shop.int_orders.sums_payments") == {"model.shop.int_orders"}


# -- tests ---------------------------------------------------------------------------------------
def test_generic_and_singular_tests(shop):
    tests = {row["unique_id"]: row for row in shop["tests"].to_dicts()}
    status = tests["test.shop.accepted_values_stg_orders_status__placed__shipped__returned"]
    assert (status["test_name"], status["column_name"], status["severity"]) == ("accepted_values", "status", "warn")
    assert orjson.loads(status["kwargs"])["values"] == ["placed", "shipped", "returned"]
    assert status["attached_node"] == "model.shop.stg_orders" and status["is_generic"]
    # old style: severity beside the arguments
    assert tests["test.shop.is_positive_stg_payments_amount"]["severity"] == "warn"
    # the project's data_tests tree
    assert tests["test.shop.not_null_exp_customers_crm_customer_id"]["severity"] == "warn"
    assert tests["test.shop.unique_stg_orders_order_id"]["severity"] == "error"
    singular = tests["test.shop.assert_revenue_positive"]
    assert singular == {
        "unique_id": "test.shop.assert_revenue_positive", "test_name": "singular",
        "attached_node": "model.shop.fct_revenue", "column_name": None, "severity": "warn",
        "kwargs": None, "warn_if": None, "error_if": None, "is_generic": False,
    }  # fmt: skip
    source_test = tests["test.shop.source_unique_raw_orders_id"]
    assert source_test["attached_node"] == "source.shop.raw.orders"
    # a version's tests are its own
    assert tests["test.shop.unique_dim_customers_v1_customer_id"]["attached_node"] == "model.shop.dim_customers.v1"
    # tests/generic/ holds definitions, not tests
    assert not any(t.split(".")[-1] == "is_positive" for t in tests)


def test_relationships_test_depends_on_both_models(shop):
    uid = "test.shop.relationships_stg_orders_customer_id__customer_id__ref_stg_customers_"
    assert parents(shop, uid) == {"model.shop.stg_orders", "model.shop.stg_customers"}


def test_test_nodes(shop):
    test = node(shop, "test.shop.unique_stg_orders_order_id")
    assert test["path"] == "models/staging/_staging.yml"
    assert test["fqn"] == ["shop", "staging", "unique_stg_orders_order_id"]
    assert test["materialized"] == "test" and test["layer"] is None


def test_columns(shop):
    columns = shop["node_columns"].filter(pl.col("unique_id") == "model.shop.stg_orders").to_dicts()
    assert [(c["name"], c["position"]) for c in columns] == [("order_id", 1), ("status", 2), ("customer_id", 3)]
    assert columns[0]["description"] == "The order's key."


# -- subprojects -------------------------------------------------------------------------------
def test_subprojects_share_a_folder(monorepo):
    ids = set(monorepo["nodes"]["unique_id"])
    # the shared folder is read by both projects, with each project's config
    assert {"model.core.stg_shop_orders", "model.sales.stg_shop_orders"} <= ids
    assert node(monorepo, "model.core.stg_shop_orders")["materialized"] == "table"
    assert node(monorepo, "model.sales.stg_shop_orders")["materialized"] == "view"
    assert node(monorepo, "model.core.stg_shop_orders")["path"] == "projects/shared/models/stg_shop_orders.sql"
    assert parents(monorepo, "model.sales.stg_shop_orders") == {"source.sales.shop.orders"}


def test_cross_project_refs(monorepo):
    # ref('core', 'dim_customers') -> core's latest version; ref('fct_orders') is found in core;
    # ref('stg_shop_orders') stays in the project's own copy
    assert parents(monorepo, "model.sales.exp_orders_crm") == {
        "model.core.dim_customers.v1", "model.core.fct_orders", "model.sales.stg_shop_orders",
    }  # fmt: skip
    assert parents(monorepo, "exposure.sales.crm") == {"model.sales.exp_orders_crm"}


def test_version_defined_in_another_file(monorepo):
    v1 = node(monorepo, "model.core.dim_customers.v1")
    assert v1["path"] == "projects/core/models/marts/dim_customers.sql"
    assert v1["latest_version"] == "1" and v1["contract_enforced"] is True
    assert node(monorepo, "model.core.dim_customers.v2")["materialized"] == "incremental"
    columns = monorepo["node_columns"].filter(pl.col("unique_id") == "model.core.dim_customers.v2")
    assert columns["name"].to_list() == ["customer_id", "name", "country"]
    constraints = orjson.loads(columns["constraints"][0])
    assert constraints[0]["type"] == "not_null" and constraints[0]["warn_unenforced"] is True


def test_group_owner_and_config_meta(monorepo):
    fct = node(monorepo, "model.core.fct_orders")
    assert (fct["group_name"], fct["owner"], fct["owner_email"]) == (
        "customer_data", "Customer data team", "customer-data@shop.example",
    )  # fmt: skip
    export = node(monorepo, "model.sales.exp_orders_crm")
    assert export["tags"] == ["crm", "daily"]
    assert orjson.loads(export["meta"]) == {"owner": "growth@shop.example", "sync": "hightouch"}


def test_semantic_models_and_metrics(monorepo):
    assert parents(monorepo, "semantic_model.core.orders") == {"model.core.fct_orders"}
    assert parents(monorepo, "metric.core.revenue") == {"semantic_model.core.orders"}
    assert parents(monorepo, "metric.core.revenue_per_order") == {"metric.core.revenue"}


def test_source_config_block(monorepo):
    customers = node(monorepo, "source.core.shop.customers")
    assert customers["loaded_at_field"] == "_synced_at"
    assert orjson.loads(customers["freshness"]) == {
        "warn_after": {"count": 6, "period": "hour"}, "error_after": {"count": 2, "period": "day"}, "filter": None,
    }  # fmt: skip
    assert customers["schema"] == "raw_shop"


def test_find_project_files(tmp_path):
    assert [p.relative_to(SHOP).as_posix() for p in find_project_files(SHOP)] == [
        "analyses/revenue_by_status.sql", "dbt_project.yml", "models/exports/_exports.yml",
        "models/exports/exp_customers_crm.sql", "models/intermediate/int_orders.sql",
        "models/marts/_marts.yml", "models/marts/dim_customers_v1.sql", "models/marts/dim_customers_v2.sql",
        "models/marts/finance/fct_orders.py", "models/marts/finance/fct_revenue.sql",
        "models/staging/_sources.yml", "models/staging/_staging.yml", "models/staging/stg_customers.sql",
        "models/staging/stg_legacy.sql", "models/staging/stg_orders.sql", "models/staging/stg_payments.sql",
        "seeds/_seeds.yml", "seeds/country_codes.csv", "snapshots/orders_snapshot.sql",
        "tests/assert_revenue_positive.sql", "tests/generic/is_positive.sql",
    ]  # fmt: skip
    files = {p.relative_to(MONOREPO).as_posix() for p in find_project_files(MONOREPO)}
    assert "projects/shared/models/stg_shop_orders.sql" in files
    assert "projects/core/dbt_project.yml" in files and "projects/sales/dbt_project.yml" in files


def test_projects_below_skip_build_and_package_folders(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(MONOREPO, root)
    for skipped in ("node_modules/x", "projects/.hidden", "target/y", "dbt_packages/z", ".venv/w"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "dbt_project.yml").write_text("name: should_not_be_read\n")
    # a project's own subfolders belong to it: a nested project is not read separately
    (root / "projects/core/integration_tests").mkdir()
    (root / "projects/core/integration_tests/dbt_project.yml").write_text("name: nested\n")
    packages = set(read_project(root)["nodes"]["package_name"])
    assert packages == {"core", "sales"}


def test_same_result_when_read_twice(shop):
    again = read_project(SHOP)
    for name, frame in shop.items():
        assert frame.equals(again[name]), name


@pytest.mark.parametrize(
    "module",
    ["collectors.dbt_project.jinja_refs", "collectors.dbt_project.safe_yaml", "collectors.dbt_project.project_yml",
     "collectors.dbt_project.generic_tests", "collectors.dbt_project.node_fields", "collectors.dbt_project.graph",
     "collectors.dbt_project.yml_nodes", "collectors.dbt_project.frames", "collectors.layers"],
)  # fmt: skip
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
