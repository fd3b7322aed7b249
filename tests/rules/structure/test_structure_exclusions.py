"""``[project] exclude_paths`` and ``exclude_packages``: nodes no rule sees, as in dbt-project-evaluator."""

from __future__ import annotations

import pytest

from console.config import load_config
from console.errors import InputError
from rules.context import Context
from rules.structure.model_fanout import ModelFanout
from rules.structure.root_models import RootModels
from rules.structure.source_fanout import SourceFanout
from rules.structure.too_many_joins import TooManyJoins
from rules.structure.unused_sources import UnusedSources
from tests.rules.helpers import make_context, node
from tests.rules.structure._build import PROJECT, mid, model, run, sid, source

PKG = "model.pkg.pkg_root"  # a root model of an installed package


def _ctx(tmp_path, **settings) -> Context:
    mart = {"layer": "mart"}
    nodes = [
        source("raw", "orders"), source("raw", "legacy_only"),
        model("stg_orders", layer="staging"),
        model("fct_fan", **mart),
        *[model(f"rpt_{i}", layer="other") for i in range(3)],
        model("legacy_root", path="models/Legacy/legacy_root.sql"),  # a root model under an excluded path
        model("stg_legacy", layer="staging", path="models/legacy/stg_legacy.sql"),
        model("fct_from_legacy", layer="mart"),  # reads only legacy_root
        model("legacy_two", path="models/legacy/legacy_two.sql"),
        model("fct_wide", layer="mart"),  # reads stg_orders and two excluded models
        node(PKG, path="models/pkg_root.sql"),
    ]
    edges = [
        (sid("raw", "orders"), mid("stg_orders")), (mid("stg_orders"), mid("fct_fan")),
        *[(mid("fct_fan"), mid(f"rpt_{i}")) for i in range(3)],
        (mid("fct_fan"), mid("stg_legacy")),  # fct_fan's fourth child lives under models/legacy/
        (sid("raw", "legacy_only"), mid("stg_legacy")),  # the only reader of this source is excluded
        (sid("raw", "orders"), PKG), (sid("raw", "orders"), mid("stg_legacy")),
        (mid("legacy_root"), mid("fct_from_legacy")),
        (mid("stg_orders"), mid("fct_wide")), (mid("legacy_root"), mid("fct_wide")), (mid("legacy_two"), mid("fct_wide")),
    ]
    return make_context(
        tmp_path, settings=settings, project=[{"name": PROJECT}], nodes=nodes,
        edges=[{"parent_id": p, "child_id": c} for p, c in edges],
    )


def _nodes(violations) -> set[str]:
    return {v.node for v in violations}


def test_without_exclusions_the_legacy_models_count(tmp_path):
    ctx = _ctx(tmp_path)
    assert mid("legacy_root") in _nodes(run(RootModels, ctx))
    assert mid("fct_fan") in _nodes(run(ModelFanout, ctx, models_fanout_threshold=4))
    assert sid("raw", "orders") in _nodes(run(SourceFanout, ctx))


def test_excluded_paths_are_neither_flagged_nor_counted(tmp_path):
    ctx = _ctx(tmp_path, exclude_paths=["^models/legacy/"])  # any case, as the evaluator searches
    assert mid("legacy_root") not in _nodes(run(RootModels, ctx))
    # as in the evaluator's fct_root_models, a model reading an excluded model still has a parent
    assert mid("fct_from_legacy") not in _nodes(run(RootModels, ctx))
    assert ctx.excluded_parents == {mid("fct_from_legacy"): [mid("legacy_root")], mid("fct_wide"): [mid("legacy_root"), mid("legacy_two")]}
    # as in the evaluator's fct_too_many_joins, excluded parents still count as joins
    (wide,) = [v for v in run(TooManyJoins, ctx, too_many_joins_threshold=3) if v.node == mid("fct_wide")]
    assert "reads 3 models and sources directly" in wide.message and "`legacy_two`" in wide.message
    assert mid("legacy_root") not in set(ctx.frames["nodes"]["unique_id"])
    # fct_fan has three leaf children left, not four: under the fan-out threshold of 4
    assert mid("fct_fan") not in _nodes(run(ModelFanout, ctx, models_fanout_threshold=4))
    # raw.legacy_only's only reader is gone: the source is now unused
    assert sid("raw", "legacy_only") in _nodes(run(UnusedSources, ctx))
    # an installed package's node is never excluded by a path pattern
    assert PKG in set(ctx.frames["nodes"]["unique_id"])
    assert not ctx.frames["edges"].filter(ctx.frames["edges"]["child_id"] == mid("stg_legacy")).height


def test_excluded_packages_remove_package_nodes_only(tmp_path):
    for packages in (["pkg"], ["all"]):
        ctx = _ctx(tmp_path, exclude_packages=packages)
        ids = set(ctx.frames["nodes"]["unique_id"])
        assert PKG not in ids and mid("legacy_root") in ids
        assert PKG not in set(ctx.frames["edges"]["child_id"])
        # raw.orders had three readers with the package model (stg_orders, stg_legacy, pkg_root)
        found = [v for v in run(SourceFanout, ctx) if v.node == sid("raw", "orders")]
        assert found and "pkg_root" not in found[0].message
    ctx = _ctx(tmp_path, exclude_packages=[PROJECT])  # the project itself is never an excluded package
    assert mid("legacy_root") in set(ctx.frames["nodes"]["unique_id"])


def test_config_reads_and_validates_project_exclusions(tmp_path):
    (tmp_path / "console.toml").write_text('[project]\nexclude_paths = ["models/legacy/"]\nexclude_packages = "dbt_utils"\n')
    config = load_config(tmp_path)
    assert config.settings()["exclude_paths"] == ("models/legacy/",)
    assert config.settings()["exclude_packages"] == ("dbt_utils",)
    for bad, problem in (
        ('[project]\nexclude_paths = ["models/(legacy"]\n', "bad regular expression"),
        ('[project]\nexclude_package = ["x"]\n', "did you mean `exclude_packages`"),
        ("[project]\nexclude_packages = [{ a = 1 }]\n", "list of package names"),
    ):
        (tmp_path / "console.toml").write_text(bad)
        with pytest.raises(InputError) as e:
            load_config(tmp_path)
        assert problem in str(e.value)
