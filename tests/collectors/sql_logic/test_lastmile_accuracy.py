"""The labelled last-mile corpus, end to end: readers, logic, resolution, duplicated rules.

A quality floor, not a timing: precision and recall of relation resolution, of the
pass-through/business classification and of duplicated-rule detection are each at least 0.95
(benchmarks/lastmile_accuracy.py prints them, with every miss).
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ("hightouch", "census", "lookml", "metabase native", "metabase gui", "python", "javascript", "typescript", "notebook")


def _module():
    spec = importlib.util.spec_from_file_location("lastmile_accuracy", ROOT / "benchmarks" / "lastmile_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def accuracy():
    module = _module()
    return module, module.evaluate()


def test_every_score_is_at_least_the_floor(accuracy):
    module, result = accuracy
    for name, score in result.scores().items():
        assert score.precision >= 0.95, f"{name} precision\n{module.report(result)}"
        assert score.recall >= 0.95, f"{name} recall\n{module.report(result)}"


def test_the_corpus_is_big_enough_and_fully_labelled(accuracy):
    module, result = accuracy
    assert not result.unlabelled
    assert result.items >= 80
    per_tool = Counter()
    for project in result.projects:
        for item in module.read_items(module.CORPUS / project, "snowflake" if project == "acme" else "bigquery"):
            tool = item["tool"]
            if tool == "metabase":
                tool = "metabase native" if item["kind"] == "native_question" else "metabase gui"
            per_tool[tool] += 1
    assert {t: per_tool[t] for t in TOOLS} == {t: max(per_tool[t], 8) for t in TOOLS}


def test_duplicated_rules_name_every_place(accuracy):
    _, result = accuracy
    assert result.duplicates.tp >= 40  # eleven rules, each in 2 to 7 places, dbt models included


def test_the_report_prints_the_three_scores(accuracy):
    module, result = accuracy
    text = module.report(result)
    for name in ("relations", "classification", "duplicates"):
        assert name in text


def test_a_tool_object_resolves_for_its_own_tool_only():
    """A LookML join on a derived-table view and a Metabase ``{{#201}}`` card reference name their
    tool's own objects: the corpus resolves them as the judge does (``tool``, not ``unknown``),
    before dbt nodes (a LookML view named after a dbt model is the view), and never for another
    tool (Metabase's ``product_margin`` is the warehouse's, not LookML's view)."""
    import yaml

    from console.layerinitis.resolve import resolve_written
    from console.relations import RelationIndex

    module = _module()
    project = module.CORPUS / "acme"
    context = yaml.safe_load((project / "nodes.yaml").read_text())
    index = RelationIndex.from_nodes(module._nodes_frame(context["nodes"]), adapter=context["adapter"])
    judged, objects = module.judged_items(module.read_items(project, "snowflake"))
    join = judged["lookml/acme.model.lkml#products.product_margin"]
    card = judged["metabase/native/card_208_vip_internal.json#VIP customers who are staff"]
    margin, vip = resolve_written(index, objects, join, "product_margin"), resolve_written(index, objects, card, "metabase_card_201")
    assert (margin.kind, margin.tool) == ("tool", "lookml")
    assert (vip.kind, vip.tool) == ("tool", "metabase")
    assert resolve_written(index, objects, card, "metabase_card_999").kind == "unknown"  # no such card in the corpus
    assert resolve_written(index, objects, join, "dim_products").unique_id == "model.acme.dim_products"  # no view of that name
    thin = judged["metabase/native/card_210_thin_margin_products.yaml#Thin-margin products"]
    assert resolve_written(index, objects, thin, "product_margin").kind == "unknown"  # LookML's view, not Metabase's
    band, pdt = judged["lookml/customer_ltv.view.lkml#customer_ltv.ltv_band"], judged["lookml/customer_ltv.view.lkml#customer_ltv"]
    assert resolve_written(index, objects, band, "customer_ltv").kind == "tool"  # the view, before the model
    assert resolve_written(index, objects, pdt, "customer_ltv").unique_id == "model.acme.customer_ltv"  # never itself
