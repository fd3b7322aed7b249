"""Testing and documentation rules STR014-STR020, on real stores."""

from __future__ import annotations

import pytest

from rules.structure.documentation_coverage import DocumentationCoverage
from rules.structure.missing_primary_key_tests import MissingPrimaryKeyTests, macro_key
from rules.structure.model_test_coverage import ModelTestCoverage
from rules.structure.sources_without_freshness import SourcesWithoutFreshness
from rules.structure.undocumented_models import UndocumentedModels
from rules.structure.undocumented_source_tables import UndocumentedSourceTables
from rules.structure.undocumented_sources import UndocumentedSources
from tests.rules.helpers import node
from tests.rules.structure._build import build, mid, model, run, sid, source

FRESH = {"warn_after": {"count": 24, "period": "hour"}, "error_after": {"count": None, "period": None}, "filter": None}


def _test(name: str, test_name: str, attached: str, column: str | None) -> tuple[dict, dict]:
    uid = f"test.shop.{name}"
    return (
        node(uid, path="models/_models.yml"),
        {"unique_id": uid, "test_name": test_name, "attached_node": attached, "column_name": column, "is_generic": True},
    )


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    pairs = [
        _test("unique_pk_ok_id", "unique", mid("pk_ok"), "id"),
        _test("not_null_pk_ok_id", "not_null", mid("pk_ok"), "id"),
        _test("unique_pk_split_id", "unique", mid("pk_split"), "id"),
        _test("not_null_pk_split_name", "not_null", mid("pk_split"), "name"),
        _test("ucc_pk_combo", "dbt_utils.unique_combination_of_columns", mid("pk_combo"), None),
        _test("unique_pk_constraint_id", "unique", mid("pk_constraint"), "id"),
        _test("pk_dbt_constraints", "dbt_constraints.primary_key", mid("pk_dbtc"), "id"),
        _test("accepted_values_pk_none_status", "accepted_values", mid("pk_none"), "status"),
        _test("unique_pk_disabled_id", "unique", mid("pk_disabled"), "id"),
        _test("not_null_pk_disabled_id", "not_null", mid("pk_disabled"), "id"),
    ]
    nodes = [t for t, _ in pairs]
    nodes[-1]["enabled"] = nodes[-2]["enabled"] = False  # switched-off tests do not count
    nodes += [
        model(m, description=d, layer="mart")
        for m, d in [
            ("pk_ok", "Orders."), ("pk_split", ""), ("pk_combo", None), ("pk_constraint", "  "),
            ("pk_dbtc", "x"), ("pk_none", "x"), ("pk_disabled", "x"),
        ]
    ]
    nodes += [
        source("shop", "orders", description="One row per order.", freshness=FRESH,
               source_description="The shop's database."),
        source("shop", "stale", description="", freshness={"warn_after": None, "error_after": {"count": None}},
               source_description="The shop's database."),
        source("crm", "contacts", description=None, freshness=None, source_description=""),
        source("ads", "clicks", description="x", freshness=FRESH, source_description="Ad platform exports."),
    ]
    node_columns = [
        {"unique_id": mid("pk_constraint"), "name": "id", "constraints": [{"type": "not_null"}]},
    ]
    return build(tmp_path_factory.mktemp("tests_docs"), nodes, tests=[t for _, t in pairs], node_columns=node_columns)


def _nodes(violations):
    return {v.node for v in violations}


def test_macro_key_reads_both_spellings():
    assert macro_key("dbt.test_not_null") == macro_key("not_null") == "not_null"
    assert macro_key("dbt_constraints.test_primary_key") == "dbt_constraints.primary_key"


def test_str014_fails_without_unique_and_not_null_on_one_column(ctx):
    found = _nodes(run(MissingPrimaryKeyTests, ctx))
    assert found == {mid("pk_split"), mid("pk_none"), mid("pk_disabled")}
    (v,) = [v for v in run(MissingPrimaryKeyTests, ctx) if v.node == mid("pk_none")]
    assert "`pk_none` has no primary key test (1 test(s) on it" in v.message


def test_str014_passes_with_a_pair_a_combination_or_a_constraint(ctx):
    found = _nodes(run(MissingPrimaryKeyTests, ctx))
    assert not found & {mid("pk_ok"), mid("pk_combo"), mid("pk_constraint"), mid("pk_dbtc")}
    strict = run(MissingPrimaryKeyTests, ctx, primary_key_test_macros=[["dbt.test_unique", "dbt.test_not_null"]])
    assert mid("pk_combo") in _nodes(strict) and mid("pk_ok") not in _nodes(strict)


def test_str015_fails_without_warn_after_or_error_after(ctx):
    found = run(SourcesWithoutFreshness, ctx)
    assert _nodes(found) == {sid("shop", "stale"), sid("crm", "contacts")}
    assert any("`crm.contacts` has no freshness check" in v.message for v in found)


def test_str015_passes_with_warn_after(ctx):
    assert not _nodes(run(SourcesWithoutFreshness, ctx)) & {sid("shop", "orders"), sid("ads", "clicks")}


def test_str016_fails_when_coverage_is_below_target(ctx):
    (v,) = run(ModelTestCoverage, ctx)
    assert v.node == "project.shop"
    assert v.message.startswith("85.71% of models have at least one test (6 of 7; target 100%")
    assert "without: `pk_disabled`" in v.message


def test_str016_passes_when_coverage_meets_target(ctx):
    assert run(ModelTestCoverage, ctx, test_coverage_target=85) == []


def test_str017_fails_when_documentation_is_below_target(ctx):
    (v,) = run(DocumentationCoverage, ctx)
    assert v.node == "project.shop" and v.key == ""
    assert "57.14% of models have a description (4 of 7" in v.message
    assert "`pk_combo`, `pk_constraint`, `pk_split`" in v.message


def test_str017_passes_when_documentation_meets_target(ctx):
    assert run(DocumentationCoverage, ctx, documentation_coverage_target=50) == []


def test_str018_fails_for_empty_blank_or_missing_description(ctx):
    assert _nodes(run(UndocumentedModels, ctx)) == {mid("pk_split"), mid("pk_combo"), mid("pk_constraint")}


def test_str018_passes_for_described_models(ctx):
    assert mid("pk_ok") not in _nodes(run(UndocumentedModels, ctx))


def test_str019_fails_when_source_has_no_description(ctx):
    (v,) = run(UndocumentedSources, ctx)
    assert (v.node, v.key) == (sid("crm", "contacts"), "crm")
    assert "source `crm` (1 table(s)) has no description" in v.message


def test_str019_passes_when_described_or_not_recorded(ctx):
    keys = {v.key for v in run(UndocumentedSources, ctx)}
    assert "shop" not in keys and "ads" not in keys


def test_str020_fails_for_source_table_without_description(ctx):
    assert _nodes(run(UndocumentedSourceTables, ctx)) == {sid("shop", "stale"), sid("crm", "contacts")}


def test_str020_passes_for_described_tables(ctx):
    assert sid("shop", "orders") not in _nodes(run(UndocumentedSourceTables, ctx))
