"""sample_project's last mile, end to end: a real collect of a copy, then the layerinitis judging.

Every last-mile file of the story is found, the <= 50 ml rule is found in all its places
(Hightouch, Metabase, LookML's size_bucket CASE, dbt's exp_top_items_crm), each named with its
file and line, and the seasonal-SKU rule in the app and the notebook.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli.options import resolve_locations
from console.layerinitis import duplicate_rules, hotspots, items
from rules.context import Context
from rules.engine import evaluate

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
STORY_FILES = {
    "lastmile/hightouch/models/top_items_for_salesforce.yaml",
    "lastmile/hightouch/syncs/salesforce_store_pitch.yaml",
    "lastmile/lookml/market_top_items.view.lkml",
    "lastmile/lookml/orders.view.lkml",
    "lastmile/metabase/card_118_top_sellers_full_size.json",
    "lastmile/app/retailer_catalog.py",
    "lastmile/notebooks/store_assortment_gaps.ipynb",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    from collectors.pipeline import collect

    root = tmp_path_factory.mktemp("sample") / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".console"))
    loc = resolve_locations(root, lastmile=(root / "lastmile",), query_logs=(root / "query_logs",))
    collect(loc, progress=False)
    ctx = Context.from_store(loc.store, settings=loc.config.settings())
    return root, loc, ctx


def test_every_last_mile_file_of_the_story_is_found(collected):
    _, _, ctx = collected
    assert STORY_FILES <= {i.path for i in items(ctx)}


def test_the_50_ml_rule_is_found_in_all_its_places(collected):
    _, _, ctx = collected
    groups = {g.key: g for g in duplicate_rules(ctx)}
    places = {(p.tool, p.path) for p in groups["volume_ml <= 50"].places}
    assert places >= {
        ("dbt", "models/exports/exp_top_items_crm.sql"),
        ("hightouch", "lastmile/hightouch/models/top_items_for_salesforce.yaml"),
        ("metabase", "lastmile/metabase/card_118_top_sellers_full_size.json"),
        ("lookml", "lastmile/lookml/market_top_items.view.lkml"),
    }
    lookml = next(p for p in groups["volume_ml <= 50"].places if p.tool == "lookml")
    assert "size_bucket" in lookml.label and lookml.line == 39
    hightouch = next(p for p in groups["volume_ml <= 50"].places if p.tool == "hightouch")
    assert (hightouch.sql, hightouch.line) == ("volume_ml > 50", 10)


def test_the_seasonal_rule_is_found_in_the_app_and_the_notebook(collected):
    _, _, ctx = collected
    seasonal = next(g for g in duplicate_rules(ctx) if g.key == "is_seasonal = TRUE")
    assert {(p.tool, p.path) for p in seasonal.places} == {
        ("python", "lastmile/app/retailer_catalog.py"),
        ("notebook", "lastmile/notebooks/store_assortment_gaps.ipynb"),
    }


def test_the_top_hotspot_is_the_hightouch_filter_in_front_of_salesforce(collected):
    _, _, ctx = collected
    ranked = hotspots(ctx)
    top = ranked["items"][0]
    assert top.label == "Hightouch model `Top items for Salesforce`"
    assert top.belongs == "`exp_top_items_salesforce`, the export it reads"
    assert ranked["nodes"][0].id == "model.alcohol_marketplace.top_selling_skus_by_market"
    export = next(n for n in ranked["nodes"] if n.id == "model.alcohol_marketplace.exp_top_items_salesforce")
    assert "the query log shows 2 readers: `HIGHTOUCH_SVC` (Hightouch), `MAYA_CHEN` (person, undeclared)" in export.reasons


def test_the_rules_report_it_with_files_and_lines(collected):
    _, loc, ctx = collected
    findings = [f for f in evaluate(ctx, loc.config).findings if f.category == "layerinitis"]
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    assert {"LYR001", "LYR003"} <= set(by_rule)
    dup = next(f for f in by_rule["LYR003"] if "volume_ml <= 50" in f.message)
    assert "dbt model `exp_top_items_crm`" in dup.message and "LookML dimension" in dup.message
    assert all(f.path and f.path.startswith("lastmile/") for f in findings)


def test_console_hotspots_on_the_sample(collected):
    root, _, _ = collected
    out = subprocess.run([sys.executable, "-m", "console", "hotspots", str(root), "--no-collect", "--format", "json", "--limit", "3",
                          "--store", str(root / ".console" / "store.duckdb")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert len(doc["items"]) == 3 and doc["items"][0]["tools"] == ["hightouch"]
