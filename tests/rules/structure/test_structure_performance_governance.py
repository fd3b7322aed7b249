"""Performance and governance rules STR025-STR029, on one real store."""

from __future__ import annotations

import pytest

from rules.structure.chained_view_dependencies import ChainedViewDependencies
from rules.structure.exposure_parents_materializations import ExposureParentsMaterializations
from rules.structure.exposures_dependent_on_private_models import ExposuresDependentOnPrivateModels
from rules.structure.public_models_without_contract import PublicModelsWithoutContract
from rules.structure.undocumented_public_models import UndocumentedPublicModels
from tests.rules.structure._build import build, exposure, mid, model, run, sid, source

LONG = ["v1", "v2", "v3", "e4", "v5"]  # five virtual models: table_1 is 5 edges from v1
SHORT = ["w1", "w2", "w3", "w4"]  # four: table_2 is 4 edges from w1
BROKEN = ["x1", "x2", "xt", "x4", "x5"]  # a table in the middle cuts the chain


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    def mat(name):
        return "table" if name.startswith(("table", "xt")) else ("ephemeral" if name.startswith("e") else "view")

    chains = [(LONG, "table_1"), (SHORT, "table_2"), (BROKEN, "table_3")]
    nodes = [model(n, materialized=mat(n)) for chain, end in chains for n in [*chain, end]]
    edges = [(mid(a), mid(b)) for chain, end in chains for a, b in zip([*chain], [*chain[1:], end])]
    nodes += [
        source("shop", "orders"),
        model("fct_view", materialized="view", access="protected"),
        model("fct_public", materialized="table", access="public", contract_enforced=True, description="Orders."),
        model("fct_open", materialized="incremental", access="public", contract_enforced=False, description="Sales."),
        model("fct_bare", materialized="table", access="public", contract_enforced=None, description=""),
        model("fct_private", materialized="table", access="private"),
        exposure("weekly_kpis"), exposure("crm_sync"),
    ]
    edges += [
        (mid("fct_view"), "exposure.shop.weekly_kpis"), (sid("shop", "orders"), "exposure.shop.weekly_kpis"),
        (mid("fct_private"), "exposure.shop.weekly_kpis"),
        (mid("fct_public"), "exposure.shop.crm_sync"), (mid("fct_open"), "exposure.shop.crm_sync"),
    ]
    node_columns = [
        {"unique_id": mid("fct_public"), "name": "order_id", "description": "The order."},
        {"unique_id": mid("fct_public"), "name": "amount", "description": "Paid, in cents."},
        {"unique_id": mid("fct_open"), "name": "sale_id", "description": "The sale."},
        {"unique_id": mid("fct_open"), "name": "region", "description": " "},
    ]
    return build(tmp_path_factory.mktemp("perf_gov"), nodes, edges, node_columns=node_columns)


def test_str025_fails_on_a_chain_of_five_views_and_ephemerals(ctx):
    (v,) = run(ChainedViewDependencies, ctx)
    assert v.node == mid("table_1")
    assert v.message.endswith(
        "chain of 5 views and ephemeral models (threshold 4): `table_1` <- `v5` <- `e4` <- `v3` <- `v2` <- `v1`"
    )


def test_str025_passes_on_four_views_or_a_table_in_between(ctx):
    assert run(ChainedViewDependencies, ctx, chained_views_threshold=5) == []
    # v5 (a view itself) sits on four views too; the table in the BROKEN chain cuts it
    flagged = {v.node for v in run(ChainedViewDependencies, ctx, chained_views_threshold=3)}
    assert flagged == {mid("table_1"), mid("v5"), mid("table_2")}


def test_str026_fails_when_exposure_reads_a_view_or_a_source(ctx):
    found = {v.key: v for v in run(ExposureParentsMaterializations, ctx)}
    assert set(found) == {mid("fct_view"), sid("shop", "orders")}
    assert found[mid("fct_view")].message == "exposure `weekly_kpis` reads `fct_view`, materialized as view"


def test_str026_passes_when_exposure_reads_tables_and_incrementals(ctx):
    assert all(v.node != "exposure.shop.crm_sync" for v in run(ExposureParentsMaterializations, ctx))


def test_str027_fails_when_exposure_reads_non_public_nodes(ctx):
    found = {v.key: v for v in run(ExposuresDependentOnPrivateModels, ctx)}
    assert set(found) == {mid("fct_view"), sid("shop", "orders"), mid("fct_private")}
    assert found[mid("fct_private")].message == "exposure `weekly_kpis` reads private model `fct_private`"


def test_str027_passes_when_exposure_reads_public_models(ctx):
    assert all(v.node != "exposure.shop.crm_sync" for v in run(ExposuresDependentOnPrivateModels, ctx))


def test_str028_fails_for_public_models_without_enforced_contract(ctx):
    assert {v.node for v in run(PublicModelsWithoutContract, ctx)} == {mid("fct_open"), mid("fct_bare")}


def test_str028_passes_for_enforced_or_non_public_models(ctx):
    nodes = {v.node for v in run(PublicModelsWithoutContract, ctx)}
    assert mid("fct_public") not in nodes and mid("fct_private") not in nodes


def test_str029_fails_for_public_models_with_gaps(ctx):
    found = {v.node: v.message for v in run(UndocumentedPublicModels, ctx)}
    assert found == {
        mid("fct_open"): "public model `fct_open`: 1 of 2 columns undescribed",
        mid("fct_bare"): "public model `fct_bare`: no description, no columns declared",
    }


def test_str029_passes_for_fully_described_public_models(ctx):
    assert mid("fct_public") not in {v.node for v in run(UndocumentedPublicModels, ctx)}


def test_chain_depths_are_longest_chains_and_survive_a_cycle():
    from rules.structure.chained_view_dependencies import _chain_depths

    parents = {"b": ["a"], "c": ["b", "a"], "d": ["c"]}
    assert {n: d for n, (d, _) in _chain_depths({"a", "b", "c", "d"}, parents).items()} == {"a": 1, "b": 2, "c": 3, "d": 4}
    looped = _chain_depths({"x", "y"}, {"x": ["y"], "y": ["x"]})  # dbt refuses cycles; the walk must still end
    assert set(looped) == {"x", "y"}
