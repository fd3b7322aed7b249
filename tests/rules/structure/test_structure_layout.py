"""Folder and naming rules STR021-STR024, on one real store."""

from __future__ import annotations

import polars as pl
import pytest

from rules.structure._common import NAMING_OPTIONS, Naming, defaults
from rules.structure.model_directories import ModelDirectories
from rules.structure.model_naming_conventions import ModelNamingConventions
from rules.structure.model_test_directories import ModelTestDirectories
from rules.structure.source_directories import SourceDirectories
from tests.rules.helpers import node
from tests.rules.structure._build import build, mid, model, run, sid, source


def _generic(name: str, model_name: str) -> dict:
    test = name.split("_")[0]
    return {
        "unique_id": f"test.shop.{name}", "test_name": test, "attached_node": mid(model_name),
        "column_name": "id", "is_generic": True,
    }


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    nodes = [
        source("source_1", "table_1", path="models/staging/source_1/source.yml"),
        source("source_2", "table_3", path="models/staging/source_1/source.yml"),  # misplaced
        source("source_2", "table_4", path="models/staging/source_2/source.yml"),
        model("stg_model_1", path="models/staging/source_1/stg_model_1.sql"),
        model("stg_model_3", path="models/staging/source_1/stg_model_3.sql"),  # reads source_2
        model("stg_model_4", path="models/staging/source_2/stg_model_4.sql"),
        model("base_model_4", path="models/staging/source_2/base/base_model_4.sql"),
        model("int_model_4", path="models/marts/int_model_4.sql"),
        model("int_model_5", path="models/marts/intermediate/int_model_5.sql"),
        model("dim_model_7", path="models/marts/intermediate/dim_model_7.sql"),
        model("fct_model_6", path="models/marts/fct_model_6.sql"),
        model("model_8", path="models/marts/model_8.sql"),
        model("report_9", path="models/reports/report_9.sql"),
        model("rpt_model_10", path="models/reports/rpt_model_10.sql"),
        model("exp_top_items_crm", path="models/exports/exp_top_items_crm.sql"),
        model("metricflow_time_spine", path="models/metricflow_time_spine.sql"),
        node("test.shop.unique_int_model_4_id", path="models/staging/staging.yml"),
        node("test.shop.not_null_int_model_4_id", path="models/staging/staging.yml"),
        node("test.shop.unique_fct_model_6_id", path="models/marts/_marts.yml"),
        node("test.shop.assert_fct_model_6_positive", path="tests/assert_fct_model_6_positive.sql"),
        node("test.shop.unique_dim_model_7_id", path="unique_dim_model_7_id.sql"),  # not a YAML path: not judged
    ]
    edges = [
        (sid("source_1", "table_1"), mid("stg_model_1")),
        (sid("source_2", "table_3"), mid("base_model_4")),
        (mid("base_model_4"), mid("stg_model_3")),  # source_2 reached through another model
        (sid("source_2", "table_4"), mid("stg_model_4")),
    ]
    tests = [
        _generic("unique_int_model_4_id", "int_model_4"),
        _generic("not_null_int_model_4_id", "int_model_4"),
        _generic("unique_fct_model_6_id", "fct_model_6"),
        {"unique_id": "test.shop.assert_fct_model_6_positive", "test_name": "singular",
         "attached_node": mid("fct_model_6"), "is_generic": False},
        _generic("unique_dim_model_7_id", "dim_model_7"),
    ]
    return build(tmp_path_factory.mktemp("layout"), nodes, edges, tests=tests)


def _by_node(violations):
    out = {}
    for v in violations:
        out.setdefault(v.node, []).append(v)
    return out


def test_naming_types_follow_prefix_then_deepest_folder():
    n = Naming.from_options(defaults(NAMING_OPTIONS))
    assert n.model_type("dim_model_7", "models/marts/intermediate/dim_model_7.sql") == "marts"
    assert n.folder_type("models/marts/intermediate/dim_model_7.sql") == "intermediate"
    assert n.folder_type("models/intermediate/marts/x.sql") == "marts"
    assert n.model_type("exp_x", "models/x.sql") == "export" and n.model_type("x", "models/x.sql") == "other"


PATHS = [
    "models/marts/intermediate/x.sql", "models\\staging\\shop\\x.sql", "x.sql", "models/x.sql",
    "models/intermediate/marts/x.sql", "models/exports/marts_old/x.sql", "models/stagingish/x.sql", None,
]
NAMES = ["stg_a", "int_b", "fct_c", "dim_d", "rpt_e", "exp_f", "plain", "", "stg"]


def test_naming_classify_matches_the_python_answers():
    n = Naming.from_options(defaults(NAMING_OPTIONS))
    rows = [
        {"unique_id": f"{i}-{j}", "name": name, "path": path}
        for i, name in enumerate(NAMES)
        for j, path in enumerate(PATHS)
    ]
    frame = pl.DataFrame(rows, schema={"unique_id": pl.String, "name": pl.String, "path": pl.String})
    for row, got in zip(rows, n.classify(frame).iter_rows(named=True)):
        assert got["prefix_type"] == n.prefix_type(row["name"]), row
        assert got["folder_type"] == n.folder_type(row["path"]), row
        assert got["model_type"] == n.model_type(row["name"], row["path"]), row


def test_str021_fails_when_prefix_and_folder_disagree(ctx):
    found = _by_node(run(ModelDirectories, ctx))
    assert [v.key for v in found[mid("int_model_4")]] == ["layer"]
    (v,) = found[mid("dim_model_7")]
    assert v.message == (
        "`dim_model_7` (a marts model by its prefix) sits in `models/marts/intermediate`, "
        "nearest to the `intermediate` folder; move it nearest to a `marts` folder"
    )


def test_str021_fails_when_staging_model_is_outside_its_source_folder(ctx):
    (v,) = _by_node(run(ModelDirectories, ctx))[mid("stg_model_3")]
    assert v.key == "source:source_2"
    assert "move it to `models/staging/source_2/stg_model_3.sql`" in v.message


def test_str021_passes_for_models_in_their_folders(ctx):
    found = _by_node(run(ModelDirectories, ctx))
    ok = {"stg_model_1", "stg_model_4", "int_model_5", "fct_model_6", "model_8", "report_9", "exp_top_items_crm"}
    assert not {mid(m) for m in ok} & set(found)


def test_str022_fails_when_source_yaml_is_in_another_source_folder(ctx):
    (v,) = run(SourceDirectories, ctx)
    assert v.node == sid("source_2", "table_3")
    assert "move it to `models/staging/source_2/source.yml`" in v.message


def test_str022_passes_when_source_yaml_is_in_its_folder(ctx):
    assert {v.node for v in run(SourceDirectories, ctx)} == {sid("source_2", "table_3")}


def test_str023_fails_when_tests_live_in_another_folder(ctx):
    (v,) = run(ModelTestDirectories, ctx)
    assert (v.node, v.key) == (mid("int_model_4"), "models/staging")
    assert "2 test(s) of `int_model_4` (in `models/marts`) are defined in `models/staging/staging.yml`" in v.message


def test_str023_passes_for_tests_beside_the_model_and_singular_tests(ctx):
    nodes = {v.node for v in run(ModelTestDirectories, ctx)}
    assert mid("fct_model_6") not in nodes and mid("dim_model_7") not in nodes


def test_str024_fails_when_name_lacks_the_prefix_of_its_type(ctx):
    found = _by_node(run(ModelNamingConventions, ctx))
    assert set(found) == {mid("model_8"), mid("report_9"), mid("base_model_4")}
    assert found[mid("model_8")][0].message == (
        "`model_8` is a marts model (by its folder) but its name starts with none of `fct_`, `dim_`"
    )
    assert found[mid("report_9")][0].message == (
        "`report_9` is an other model (by default) but its name starts with none of `rpt_`"
    )


def test_str024_passes_for_prefixed_models_and_custom_prefixes(ctx):
    found = _by_node(run(ModelNamingConventions, ctx, staging_prefixes=["stg_", "base_"]))
    assert set(found) == {mid("model_8"), mid("report_9")}
