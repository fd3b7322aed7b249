"""Lineage rules STR001-STR013 on one real store holding a failing and a passing case of each."""

from __future__ import annotations

import pytest

from rules.structure.direct_join_to_source import DirectJoinToSource
from rules.structure.duplicate_sources import DuplicateSources
from rules.structure.exposure_parents_materializations import ExposureParentsMaterializations
from rules.structure.exposures_dependent_on_private_models import ExposuresDependentOnPrivateModels
from rules.structure.hard_coded_references import HardCodedReferences
from rules.structure.marts_or_intermediate_dependent_on_source import MartsOrIntermediateDependentOnSource
from rules.structure.model_fanout import ModelFanout
from rules.structure.multiple_sources_joined import MultipleSourcesJoined
from rules.structure.rejoining_of_upstream_concepts import RejoiningOfUpstreamConcepts
from rules.structure.root_models import RootModels
from rules.structure.source_fanout import SourceFanout
from rules.structure.staging_dependent_on_marts_or_intermediate import StagingDependentOnMartsOrIntermediate
from rules.structure.staging_dependent_on_staging import StagingDependentOnStaging
from rules.structure.too_many_joins import TooManyJoins
from rules.structure.unused_sources import UnusedSources
from tests.rules.helpers import node
from tests.rules.structure._build import build, exposure, mid, model, run, sid, source

EXT = "model.ext.ext_model"  # a model of an installed package
SEEDS = [f"seed.shop.s_{i}" for i in range(7)]


def _test_node(name: str) -> dict:
    return node(f"test.shop.{name}", path="models/_tests.yml")


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    stg, inter, mart = {"layer": "staging"}, {"layer": "intermediate"}, {"layer": "mart"}
    nodes = [
        source("raw", "orders"), source("raw", "customers"), source("raw", "payments"),
        source("raw", "unused"), source("raw", "test_only"),
        node("source.ext.ext_raw.events", source_name="ext_raw", layer="source"),
        source("s2", "table_5", database="real_db", schema="real_schema", identifier="table_5"),
        source("s2", "raw_table_5", database="REAL_DB", schema="real_schema", identifier="TABLE_5"),
        source("s2", "table_6", database="real_db", schema="real_schema", identifier="table_6"),
        node(EXT, layer="mart"),
        model("stg_orders", **stg), model("stg_customers", **stg), model("stg_multi", **stg),
        model("stg_1", **stg), model("stg_2", **stg), model("stg_bad", **stg), model("stg_on_stg", **stg),
        model("stg_nolayer"),  # no layer recorded: the prefix decides (staging)
        model("int_dj", **inter), model("int_ok", **inter), model("int_ext", **inter),
        model("int_4", **inter), model("int_5", **inter), model("int_6", **inter), model("int_7", **inter),
        model("fct_src", **mart), model("exp_src", layer="export"), model("fct_ok", **mart),
        model("fct_fan", **mart), model("fct_nofan", **mart), model("fct_other", **mart),
        model("rpt_a", layer="other"), model("rpt_b", layer="other"), model("rpt_c", layer="other"),
        model("rpt_d", layer="other"), model("rpt_e", layer="other"), model("rpt_f", layer="other"),
        model("orphan", **mart), model("metricflow_time_spine", layer="other"), model("child_of_ext", **mart),
        model("fct_wide", **mart), model("fct_narrow", **mart),
        exposure("dash"),
        *[node(s, layer="seed") for s in SEEDS],
        _test_node("not_null_rpt_a_id"), _test_node("source_not_null_raw_test_only_id"),
        _test_node("unique_int_4_id"),
    ]
    edges = [
        (sid("raw", "orders"), mid("stg_orders")), (sid("raw", "customers"), mid("stg_customers")),
        (sid("raw", "customers"), "exposure.shop.dash"),
        (sid("raw", "orders"), mid("stg_multi")), (sid("raw", "payments"), mid("stg_multi")),
        (sid("raw", "orders"), mid("int_dj")), (mid("stg_customers"), mid("int_dj")),
        (mid("stg_orders"), mid("int_ok")), (mid("stg_customers"), mid("int_ok")),
        (EXT, mid("int_ext")), (sid("raw", "payments"), mid("int_ext")),
        (sid("raw", "orders"), mid("fct_src")), (sid("raw", "orders"), mid("exp_src")),
        (mid("int_ok"), mid("fct_ok")),
        # fanout: three leaves (a test on one does not make it a parent); two leaves + one read by an exposure
        (mid("stg_orders"), mid("fct_fan")),
        *[(mid("fct_fan"), mid(m)) for m in ("rpt_a", "rpt_b", "rpt_c")],
        (mid("rpt_a"), "test.shop.not_null_rpt_a_id"),
        (mid("stg_orders"), mid("fct_nofan")),
        *[(mid("fct_nofan"), mid(m)) for m in ("rpt_d", "rpt_e", "rpt_f")],
        (mid("rpt_f"), "exposure.shop.dash"),
        # rejoining: stg_1 -> int_4 -> int_5 and stg_1 -> int_5 (int_4's only other child is a test)
        (sid("raw", "orders"), mid("stg_1")), (mid("stg_1"), mid("int_4")), (mid("int_4"), mid("int_5")),
        (mid("stg_1"), mid("int_5")), (mid("int_4"), "test.shop.unique_int_4_id"),
        # not a loop: int_6 is also read by fct_other
        (sid("raw", "orders"), mid("stg_2")), (mid("stg_2"), mid("int_6")), (mid("int_6"), mid("int_7")),
        (mid("stg_2"), mid("int_7")), (mid("int_6"), mid("fct_other")),
        (mid("int_ok"), mid("stg_bad")), (mid("stg_orders"), mid("stg_on_stg")), (mid("stg_orders"), mid("stg_nolayer")),
        (EXT, mid("child_of_ext")),
        *[(s, mid("fct_wide")) for s in SEEDS],
        *[(s, mid("fct_narrow")) for s in SEEDS[:6]],
        (sid("raw", "test_only"), "test.shop.source_not_null_raw_test_only_id"),
    ]
    sql_facts = [
        {"unique_id": mid("fct_src"), "hardcoded_relations": ["my_db.my_schema.orders", "my_schema.customers"]},
        {"unique_id": mid("fct_ok"), "hardcoded_relations": []},
    ]
    return build(tmp_path_factory.mktemp("dag"), nodes, edges, sql_facts=sql_facts)


def by_node(violations):
    out = {}
    for v in violations:
        out.setdefault(v.node, []).append(v)
    return out


def test_str001_fails_when_model_joins_source_and_model(ctx):
    found = by_node(run(DirectJoinToSource, ctx))
    assert list(found) == [mid("int_dj"), mid("int_ext")]  # a package's model counts, as in the evaluator
    assert "`raw.orders`" in found[mid("int_dj")][0].message and "`stg_customers`" in found[mid("int_dj")][0].message


def test_str001_passes_when_model_reads_only_models(ctx):
    found = by_node(run(DirectJoinToSource, ctx))
    assert mid("int_ok") not in found and mid("child_of_ext") not in found


def test_str002_fails_when_two_sources_point_at_one_table(ctx):
    (v,) = run(DuplicateSources, ctx)
    assert v.node == sid("s2", "raw_table_5")  # first of the group by unique_id
    assert v.key == "real_db.real_schema.table_5"
    assert "`s2.table_5`" in v.message and "`s2.raw_table_5`" in v.message


def test_str002_passes_when_locations_differ(ctx):
    assert all(v.node != sid("s2", "table_6") and "table_6" not in v.message for v in run(DuplicateSources, ctx))


def test_str003_fails_when_sql_names_tables_by_hand(ctx):
    (v,) = run(HardCodedReferences, ctx)
    assert v.node == mid("fct_src")
    assert "2 relation(s)" in v.message and "`my_db.my_schema.orders`" in v.message


def test_str003_passes_without_hardcoded_relations_or_sql_facts(ctx):
    nodes = {v.node for v in run(HardCodedReferences, ctx)}
    assert mid("fct_ok") not in nodes and mid("orphan") not in nodes  # empty list / no sql_facts row


def test_str004_fails_when_mart_or_export_reads_a_source(ctx):
    found = by_node(run(MartsOrIntermediateDependentOnSource, ctx))
    assert {mid("fct_src"), mid("exp_src"), mid("int_dj"), mid("int_ext")} <= set(found)
    assert found[mid("fct_src")][0].key == sid("raw", "orders")


def test_str004_passes_for_staging_and_downstream_of_staging(ctx):
    found = by_node(run(MartsOrIntermediateDependentOnSource, ctx))
    assert not {mid("stg_orders"), mid("fct_ok"), mid("int_ok")} & set(found)


def test_str005_fails_when_a_model_has_three_leaf_children(ctx):
    (v,) = [v for v in run(ModelFanout, ctx) if v.node == mid("fct_fan")]
    assert "3 direct leaf children (threshold 3): `rpt_a`, `rpt_b`, `rpt_c`" in v.message


def test_str005_passes_when_a_child_is_read_by_an_exposure(ctx):
    assert mid("fct_nofan") not in by_node(run(ModelFanout, ctx))
    assert mid("fct_fan") not in by_node(run(ModelFanout, ctx, models_fanout_threshold=4))


def test_str006_fails_when_model_reads_two_sources(ctx):
    found = by_node(run(MultipleSourcesJoined, ctx))
    assert list(found) == [mid("stg_multi")]
    assert "2 sources: `raw.orders`, `raw.payments`" in found[mid("stg_multi")][0].message


def test_str006_passes_with_one_source_or_a_package_source(ctx):
    found = by_node(run(MultipleSourcesJoined, ctx))
    assert mid("stg_orders") not in found and mid("int_ext") not in found


def test_str007_fails_when_middle_model_has_only_the_rejoining_child(ctx):
    found = by_node(run(RejoiningOfUpstreamConcepts, ctx))
    (v,) = found[mid("int_4")]
    assert v.key == mid("stg_1")
    assert "`int_5` reads `stg_1` both directly and through `int_4`" in v.message


def test_str007_passes_when_middle_model_has_other_children(ctx):
    assert set(by_node(run(RejoiningOfUpstreamConcepts, ctx))) == {mid("int_4")}


def test_str008_fails_when_model_has_no_parents(ctx):
    assert set(by_node(run(RootModels, ctx))) == {mid("orphan")}


def test_str008_passes_for_time_spine_and_package_parents(ctx):
    found = by_node(run(RootModels, ctx))
    assert mid("metricflow_time_spine") not in found and mid("child_of_ext") not in found


def test_str009_fails_when_source_has_several_model_children(ctx):
    found = by_node(run(SourceFanout, ctx))
    assert set(found) == {sid("raw", "orders"), sid("raw", "payments")}
    assert "read by 2 models: `int_ext`, `stg_multi`" in found[sid("raw", "payments")][0].message


def test_str009_passes_when_the_other_child_is_an_exposure(ctx):
    assert sid("raw", "customers") not in by_node(run(SourceFanout, ctx))


def test_str010_fails_when_staging_reads_intermediate(ctx):
    (v,) = run(StagingDependentOnMartsOrIntermediate, ctx)
    assert (v.node, v.key) == (mid("stg_bad"), mid("int_ok"))
    assert "reads intermediate model `int_ok`" in v.message


def test_str010_passes_when_staging_reads_sources_and_staging(ctx):
    nodes = {v.node for v in run(StagingDependentOnMartsOrIntermediate, ctx)}
    assert not nodes & {mid("stg_orders"), mid("stg_on_stg")}


def test_str011_fails_when_staging_reads_staging(ctx):
    found = by_node(run(StagingDependentOnStaging, ctx))
    assert set(found) == {mid("stg_on_stg"), mid("stg_nolayer")}
    assert found[mid("stg_on_stg")][0].key == mid("stg_orders")


def test_str011_passes_when_intermediate_reads_staging(ctx):
    assert mid("int_ok") not in by_node(run(StagingDependentOnStaging, ctx))


def test_str012_fails_with_seven_parents(ctx):
    (v,) = run(TooManyJoins, ctx)
    assert v.node == mid("fct_wide")
    assert "reads 7 models and sources directly (threshold 7)" in v.message


def test_str012_passes_with_six_parents(ctx):
    assert mid("fct_narrow") not in by_node(run(TooManyJoins, ctx))
    assert mid("fct_narrow") in by_node(run(TooManyJoins, ctx, too_many_joins_threshold=6))


def test_str013_fails_when_source_is_unread_or_only_tested(ctx):
    assert set(by_node(run(UnusedSources, ctx))) >= {sid("raw", "unused"), sid("raw", "test_only")}


def test_str013_passes_when_read_and_ignores_packages(ctx):
    found = by_node(run(UnusedSources, ctx))
    assert sid("raw", "customers") not in found and sid("raw", "orders") not in found
    assert "source.ext.ext_raw.events" not in found


def test_sources_of_a_source_package_count_as_the_evaluator_counts_them(tmp_path):
    """A source package (e.g. one per SaaS tool) declares the sources; the project's models read them."""
    pkg_source = node("source.fivetran_shop.shop.orders", source_name="shop", layer="source")
    pkg_model = node("model.fivetran_shop.stg_shop__refunds", layer="staging")
    nodes = [
        pkg_source, source("raw", "payments"), source("raw", "refunds"), pkg_model,
        model("fct_orders", layer="mart"), model("stg_payments", layer="staging"),
    ]
    edges = [
        ("source.fivetran_shop.shop.orders", mid("fct_orders")), (sid("raw", "payments"), mid("fct_orders")),
        (sid("raw", "payments"), mid("stg_payments")),
        (sid("raw", "refunds"), pkg_model["unique_id"]), (sid("raw", "payments"), pkg_model["unique_id"]),
    ]
    ctx = build(tmp_path, nodes, edges)
    (joined,) = run(MultipleSourcesJoined, ctx)
    assert joined.node == mid("fct_orders") and "`shop.orders`" in joined.message
    found = {(v.node, v.key) for v in run(MartsOrIntermediateDependentOnSource, ctx)}
    assert (mid("fct_orders"), "source.fivetran_shop.shop.orders") in found
    # the package's own source is never reported on (findings stay on the project's nodes)
    assert "source.fivetran_shop.shop.orders" not in {v.node for v in run(UnusedSources, ctx)}
    assert "source.fivetran_shop.shop.orders" not in {v.node for v in run(SourceFanout, ctx)}
    # readers of any package count: raw.refunds is read (by the package's model), raw.payments by three models
    assert sid("raw", "refunds") not in {v.node for v in run(UnusedSources, ctx)}
    (fan,) = [v for v in run(SourceFanout, ctx) if v.node == sid("raw", "payments")]
    assert "read by 3 models: `fct_orders`, `stg_payments`, `stg_shop__refunds`" in fan.message


def test_parents_of_any_package_count_for_staging_and_exposure_rules(tmp_path):
    pkg_stg = node("model.fivetran_shop.stg_shop__orders", layer="staging", materialized="view")
    pkg_int = node("model.fivetran_shop.int_shop__orders", layer="intermediate", materialized="table", access="protected")
    nodes = [pkg_stg, pkg_int, model("stg_orders_clean", layer="staging"), model("stg_orders_enriched", layer="staging"), exposure("dash")]
    edges = [
        (pkg_stg["unique_id"], mid("stg_orders_clean")), (pkg_int["unique_id"], mid("stg_orders_enriched")),
        (pkg_stg["unique_id"], "exposure.shop.dash"), (pkg_int["unique_id"], "exposure.shop.dash"),
    ]
    ctx = build(tmp_path, nodes, edges)
    assert {(v.node, v.key) for v in run(StagingDependentOnStaging, ctx)} == {(mid("stg_orders_clean"), pkg_stg["unique_id"])}
    assert {(v.node, v.key) for v in run(StagingDependentOnMartsOrIntermediate, ctx)} == {
        (mid("stg_orders_enriched"), pkg_int["unique_id"])
    }
    assert {v.key for v in run(ExposureParentsMaterializations, ctx)} == {pkg_stg["unique_id"]}  # a view
    assert {v.key for v in run(ExposuresDependentOnPrivateModels, ctx)} == {pkg_stg["unique_id"], pkg_int["unique_id"]}
