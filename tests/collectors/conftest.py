"""Shared inputs of the collector tests: dbt-core's artifact fixtures, a real dbt project built
with dbt-duckdb once per session, and a synthetic manifest of any size."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dbt_core_artifacts"


def _manifest_fixture(version: int) -> Path:
    return FIXTURES / "manifest" / f"v{version}" / "manifest.json"


@pytest.fixture(scope="session")
def manifest_fixture():
    """version -> dbt-core's real manifest.json of that schema version (v1 to v12)."""
    return _manifest_fixture


@pytest.fixture(scope="session")
def run_results_fixture():
    """version -> dbt-core's real run_results.json of that schema version (v4 to v6)."""
    return lambda version: FIXTURES / "run_results" / f"v{version}" / "run_results.json"


# -- a small real dbt project ------------------------------------------------------------------
# Two seeds stand in for loaded raw tables; `stg_orders` reads one as a source with freshness
# (stale: loaded in 2020); its `not_null(customer_id)` test fails, so `dbt build` skips the
# versioned, contracted mart downstream, its unit test and the exposure on it. A local package
# provides a generic test with a namespace. `broken` has a freshness check on a missing column.
SHOP_FILES = {
    "dbt_project.yml": """
        name: shop
        version: "1.0.0"
        profile: shop
        config-version: 2
        models:
          shop:
            staging: {+materialized: view}
            marts: {+materialized: table}
        """,
    "profiles.yml": """
        shop:
          target: dev
          outputs:
            dev: {type: duckdb, path: shop.duckdb, schema: main, threads: 2}
        """,
    "dbt_packages/local_utils/dbt_project.yml": """
        name: local_utils
        version: "1.0.0"
        config-version: 2
        macro-paths: ["macros"]
        """,
    "dbt_packages/local_utils/macros/at_least_one.sql": """
        {% test at_least_one(model, column_name) %}
        select 1 as failures from (select count({{ column_name }}) as n from {{ model }}) where n = 0
        {% endtest %}
        """,
    "seeds/raw_orders.csv": """
        id,customer_id,amount,loaded_at
        1,10,12.5,2020-01-01 00:00:00
        2,11,7.0,2020-01-02 00:00:00
        3,,3.0,2020-01-03 00:00:00
        """,
    "seeds/raw_customers.csv": """
        id,name
        10,Ada
        11,Grace
        """,
    "models/staging/sources.yml": """
        version: 2
        sources:
          - name: shop_raw
            schema: main
            tables:
              - name: orders
                identifier: raw_orders
                description: Orders as loaded
                config:
                  loaded_at_field: loaded_at
                  freshness:
                    warn_after: {count: 1, period: hour}
                    error_after: {count: 1, period: day}
                  meta: {owner: loader-team}
                columns:
                  - name: id
                    description: order id
              - name: customers
                identifier: raw_customers
              - name: broken
                identifier: raw_orders
                config:
                  loaded_at_field: no_such_column
                  freshness:
                    warn_after: {count: 1, period: hour}
        """,
    "models/staging/stg_orders.sql": """
        -- depends_on: {{ ref('raw_orders') }}
        select id, customer_id, amount from {{ source('shop_raw', 'orders') }}
        """,
    "models/staging/stg_orders.yml": """
        version: 2
        models:
          - name: stg_orders
            description: Orders, cleaned
            config:
              meta: {owner: ana}
              tags: [staging]
            columns:
              - name: id
                description: the order
                data_tests: [unique, not_null]
              - name: customer_id
                data_tests:
                  - not_null
                  - local_utils.at_least_one
              - name: amount
                data_tests:
                  - not_null:
                      config: {severity: warn}
        """,
    "models/marts/groups.yml": """
        version: 2
        groups:
          - name: finance
            owner: {name: Finance Team, email: finance@example.com}
        """,
    "models/marts/customer_revenue.sql": """
        -- depends_on: {{ ref('raw_customers') }}
        select c.id as customer_id, c.name, sum(o.amount) as revenue
        from {{ ref('stg_orders') }} o
        join {{ source('shop_raw', 'customers') }} c on c.id = o.customer_id
        group by 1, 2
        """,
    "models/marts/customer_revenue.yml": """
        version: 2
        models:
          - name: customer_revenue
            description: Revenue per customer
            latest_version: 1
            config:
              access: public
              group: finance
              contract: {enforced: true}
            columns:
              - name: customer_id
                data_type: integer
                constraints: [{type: not_null}]
              - name: name
                data_type: varchar
              - name: revenue
                data_type: double
            versions:
              - v: 1
        unit_tests:
          - name: revenue_sums_orders
            model: customer_revenue
            given:
              - input: ref('stg_orders')
                rows:
                  - {id: 1, customer_id: 10, amount: 2.0}
                  - {id: 2, customer_id: 10, amount: 3.0}
              - input: source('shop_raw', 'customers')
                rows:
                  - {id: 10, name: Ada}
            expect:
              rows:
                - {customer_id: 10, name: Ada, revenue: 5.0}
        exposures:
          - name: revenue_dashboard
            type: dashboard
            maturity: high
            url: https://bi.example.com/revenue
            owner: {name: Ana, email: ana@example.com}
            depends_on: ["ref('customer_revenue')"]
        """,
    "tests/assert_positive_amount.sql": """
        select * from {{ ref('stg_orders') }} where amount < 0
        """,
}

# Runs in a child process: dbt keeps global state, and one interpreter for the three commands
# saves two start-ups. `dbt docs generate` overwrites run_results.json: the build's is kept.
_RUN_DBT = """
import shutil, sys
from dbt.cli.main import dbtRunner
runner = dbtRunner()
for command in (["build"], ["source", "freshness"], ["docs", "generate"]):
    result = runner.invoke(command + ["--profiles-dir", ".", "--project-dir", "."])
    if result.exception is not None:
        sys.exit(f"dbt {' '.join(command)} crashed: {result.exception}")
    if command == ["build"]:
        shutil.copy("target/run_results.json", "target/run_results_build.json")
"""


@dataclass(frozen=True)
class ShopArtifacts:
    """Artifacts of the shop project: ``target/`` files written by dbt-duckdb."""

    target: Path

    @property
    def manifest(self) -> Path:
        return self.target / "manifest.json"

    @property
    def build_results(self) -> Path:
        return self.target / "run_results_build.json"

    @property
    def docs_results(self) -> Path:
        return self.target / "run_results.json"

    @property
    def sources(self) -> Path:
        return self.target / "sources.json"

    @property
    def catalog(self) -> Path:
        return self.target / "catalog.json"


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ShopArtifacts:
    """Build the shop project with dbt-duckdb (about 7 s), once per session."""
    root = tmp_path_factory.mktemp("shop")
    for name, content in SHOP_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip())
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN_DBT], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        pytest.fail(f"dbt failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return ShopArtifacts(root / "target")


# -- a synthetic manifest of any size ----------------------------------------------------------
@pytest.fixture(scope="session")
def synthetic_manifest():
    """(models, tests_per_model) -> the bytes of a v12 manifest that big."""
    return _synthetic_manifest


def _synthetic_manifest(models: int, tests_per_model: int = 0) -> bytes:
    """A v12 manifest of ``models`` models cloned from dbt-core's fixture: each with its own
    name, a ref to the one before, 40-line raw and compiled SQL, 5 columns, and
    ``tests_per_model`` not_null tests."""
    doc = orjson.loads(_manifest_fixture(12).read_bytes())
    model = doc["nodes"]["model.test.my_model"]
    test = doc["nodes"]["test.test.not_null_my_model_id.43e0e9183a"]
    nodes = {}
    for i in range(models):
        name = f"model_{i:05d}"
        uid = f"model.test.{name}"
        parent = f"model.test.model_{i - 1:05d}" if i else None
        node = dict(model)
        lines = [f"    col_{j} * {i} as metric_{j}," for j in range(36)]
        source = f"{{{{ ref('model_{i - 1:05d}') }}}}" if i else "raw.events"
        node.update(
            name=name, unique_id=uid, alias=name, fqn=["test", name], path=f"{name}.sql",
            original_file_path=f"models/marts/{name}.sql",
            raw_code="select\n" + "\n".join(lines) + f"\n    id\nfrom {source}\nwhere id > {i}",
            compiled_code="select\n" + "\n".join(lines) + f"\n    id\nfrom analytics.{name}\nwhere id > {i}",
            columns={f"col_{j}": {**model["columns"]["id"], "name": f"col_{j}"} for j in range(5)},
            depends_on={"macros": [], "nodes": [parent] if parent else []},
            refs=[{"name": f"model_{i - 1:05d}", "package": None, "version": None}] if i else [],
        )
        node["config"] = {**model["config"], "meta": {"owner": f"team_{i % 7}"}}
        nodes[uid] = node
        for column in [f"col_{j}" for j in range(tests_per_model)]:
            test_uid = f"test.test.not_null_{name}_{column}.{i:010x}"
            t = dict(test)
            t.update(
                name=f"not_null_{name}_{column}", unique_id=test_uid, column_name=column,
                attached_node=uid, depends_on={"macros": ["macro.dbt.test_not_null"], "nodes": [uid]},
            )
            kwargs = {"column_name": column, "model": f"{{{{ get_where_subquery(ref('{name}')) }}}}"}
            t["test_metadata"] = {**test["test_metadata"], "kwargs": kwargs}
            nodes[test_uid] = t
    doc["nodes"] = nodes
    doc["parent_map"] = {uid: node["depends_on"]["nodes"] for uid, node in nodes.items()}
    return orjson.dumps(doc)
