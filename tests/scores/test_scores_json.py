"""The JSON report writes the scores column-wise: it parses to exactly `document()`'s dict (the
dicts built per node), hostile names included, and every other format's content is unchanged."""

from __future__ import annotations

import json

from console.report import json_format
from console.report.model import build_report
from console.scores import score_nodes
from console.scores.history import history_rows
from tests.report.conftest import FINDINGS, NOW, shop_tables
from tests.rules.helpers import make_context, node

HOSTILE = 'm"\\\n\t\x01</script>é☃'


def test_the_column_wise_scores_parse_to_the_documented_dicts(tmp_path):
    tables = shop_tables()
    tables["nodes"] = [*tables["nodes"],
                       node(f"model.shop.{HOSTILE}", name=HOSTILE, path=f"models/{HOSTILE}/x.sql", owner=HOSTILE),
                       node("source.shop.raw.x", name="x", source_name="raw", path=None)]
    ctx = make_context(tmp_path, now=NOW, **tables)
    data = build_report(ctx, FINDINGS, scores=True)
    text = json_format.render(data)
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert doc == json.loads(json.dumps(json_format.document(data)))  # the dicts, as JSON gives them back
    models = doc["scores"]["models"]
    assert any(m["name"] == HOSTILE and m["owner"] == HOSTILE for m in models)
    assert [m["score"] for m in models] == sorted(m["score"] for m in models)  # worst first
    assert list(models[0]) == ["unique_id", "name", "resource_type", "path", "folder", "owner", "score", "coverage",
                               "findings", "missing"]
    assert {s["name"] for s in doc["scores"]["sources"]} >= {"raw.x"}
    no_scores = build_report(ctx, FINDINGS)
    assert json.loads(json_format.render(no_scores))["scores"] is None


def test_records_and_history_rows_come_from_the_same_columns(tmp_path):
    ctx = make_context(tmp_path, now=NOW, **shop_tables())
    scores = score_nodes(ctx, FINDINGS)
    assert [n.unique_id for n in scores.nodes] == scores.table["unique_id"].to_list()
    assert scores.to_dict()["models"] == [n.to_dict() for n in scores.nodes if n.resource_type == "model"]
    rows = history_rows(scores, 7, NOW, {"checks": {"error": 1}})
    assert rows["scope"].to_list() == ["project", *(n.resource_type for n in scores.nodes),
                                       *(["folder"] * len(scores.folders)), *(["owner"] * len(scores.owners))]
    assert rows["score"].to_list()[1:len(scores.nodes) + 1] == [n.score for n in scores.nodes]
    assert set(rows["collect_id"].to_list()) == {7}
    assert score_nodes(ctx, FINDINGS, project_only=True).project == scores.project
