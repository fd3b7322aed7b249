"""Hotspot ranking, reasons and homes; duplicated rules; consumers - on the sample story's rows."""

from __future__ import annotations

import datetime as dt

import pytest

from console.layerinitis import duplicate_rules, hotspots, items
from console.layerinitis.consumers import consumer_of
from console.layerinitis.duplicates import rule_worthy
from console.layerinitis.homes import home_of
from tests.layerinitis.story import ITEMS, lastmile_item, story_context


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return story_context(tmp_path_factory.mktemp("story"))


def _names(spots):
    return [s.id.rsplit("#", 1)[1] for s in spots]


def test_items_rank_by_logic_duplication_and_criticality(ctx):
    ranked = hotspots(ctx)
    assert _names(ranked["items"]) == [
        "Top items for Salesforce",  # 1 filter + 3 other places x 2, production sync: (1 + 6) x 2
        "size_bucket",               # 3 CASE branches x 1.5 + 6, dashboard: 10.5 x 1.25
        "Top sellers by market (full-size bottles)",  # 1 + 6, undeclared
        "CATALOG_SQL",               # 1 + 2 (the notebook), production app: 3 x 2
        "market_top_items",          # 2 CASE branches + a filter, dashboard: 4 x 1.25
        "df",                        # 1 + 2, undeclared
        "orders",                    # a filtered measure, dashboard
    ]
    top = ranked["items"][0]
    assert top.score == pytest.approx(14.0)
    assert dict(top.parts) == {"logic": 1.0, "duplication": 6.0, "bypass": 0.0, "criticality": 2.0, "age": 0.0}
    assert top.reasons[0] == "feeds `salesforce_store_pitch_sync` (production application)"
    assert top.reasons[1].startswith("the same rule as `volume_ml > 50` is also in dbt model `exp_top_items_crm`, LookML dimension `size_bucket`")
    assert top.belongs == "`exp_top_items_salesforce`, the export it reads"
    assert [e["line"] for e in top.expressions] == [10]
    # pass-through items are no hotspots
    assert not {"salesforce_store_pitch", "pitches"} & set(_names(ranked["items"]))


def test_nodes_rank_by_the_logic_resting_on_them(ctx):
    nodes = hotspots(ctx)["nodes"]
    assert [n.id.rsplit(".", 1)[1] for n in nodes] == [
        "top_selling_skus_by_market", "exp_top_items_salesforce", "exp_retailer_app_skus", "fct_orders",
    ]
    mart, export = nodes[0], nodes[1]
    assert mart.score == pytest.approx(sum(s.score for s in hotspots(ctx)["items"] if s.id.endswith(("size_bucket", "market_top_items", "(full-size bottles)"))))
    assert mart.belongs == "new exports `exp_market_top_items_lookml`, `exp_top_sellers_by_market_full_size_bottles_metabase`, one per consumer"
    assert export.reasons[1].startswith("2 consumers: `salesforce_store_pitch_sync`, notebook SQL cell `pitches`")
    assert export.belongs == (
        "`exp_top_items_salesforce` itself for Hightouch model `Top items for Salesforce`; "
        "a new export `exp_store_assortment_gaps_notebook` for the other consumers"
    )


def test_weights_are_configurable(tmp_path):
    ctx = story_context(tmp_path, settings={"hotspot_weights": {"criticality": {"production": 1.0}, "kinds": {"case": 3}}})
    assert _names(hotspots(ctx)["items"])[:2] == ["size_bucket", "market_top_items"]


def test_age_past_ttl_raises_the_score_up_to_double(tmp_path):
    base = [i for i in ITEMS if i["name"] == "Top sellers by market (full-size bottles)"]
    young = hotspots(story_context(tmp_path, items=base))["items"][0]
    older = [dict(base[0], modified_at=dt.datetime(2026, 11, 8) - dt.timedelta(days=135))]
    mid = hotspots(story_context(tmp_path, items=older))["items"][0]
    ancient = [dict(base[0], modified_at=dt.datetime(2020, 1, 1))]
    oldest = hotspots(story_context(tmp_path, items=ancient))["items"][0]
    assert mid.parts["age"] == pytest.approx(0.5)
    assert mid.score == pytest.approx(young.score * 1.5)
    assert oldest.score == pytest.approx(young.score * 2)
    assert "last changed 135 days ago, past its 90-day time-to-live" in mid.reasons


def test_a_read_of_staging_is_a_bypass_and_belongs_in_a_new_export(tmp_path):
    item = lastmile_item("python", "sql_string", "app/report.py", 3, "REPORT_SQL",
                         sql="select order_id from analytics.stg_orders where status = 'paid'", sql_line=3)
    ctx = story_context(tmp_path, items=[item])
    (spot,) = hotspots(ctx)["items"]
    assert spot.parts["bypass"] == 3.0
    assert "reads `stg_orders` (a staging model)" in spot.reasons
    assert spot.belongs == "a new export `exp_report_python` for this one use (it reads `stg_orders`, a staging model)"


def test_consumers_match_exposures_by_tool_or_kind(ctx):
    by_name = {i.name: i for i in items(ctx)}
    assert consumer_of(ctx, by_name["Top items for Salesforce"]).name == "salesforce_store_pitch_sync"
    assert consumer_of(ctx, by_name["CATALOG_SQL"]).described == "`retailer_app` (production application)"
    assert consumer_of(ctx, by_name["size_bucket"]).name == "weekly_market_dashboard"  # looker url
    assert consumer_of(ctx, by_name["Top sellers by market (full-size bottles)"]) is None  # Looker's dashboard is not Metabase
    assert consumer_of(ctx, by_name["df"]) is None  # an application exposure is not a notebook
    assert home_of(ctx, by_name["orders"]).node.endswith(".fct_orders")


def test_duplicated_rules_name_every_place(ctx):
    groups = {g.key: g for g in duplicate_rules(ctx)}
    assert set(groups) == {"volume_ml <= 50", "is_seasonal = TRUE"}
    ml = groups["volume_ml <= 50"]
    assert [(p.tool, p.path, p.line) for p in ml.places] == [
        ("dbt", "models/exports/exp_top_items_crm.sql", 3),
        ("hightouch", "lastmile/hightouch/models/top_items_for_salesforce.yaml", 10),
        ("lookml", "lastmile/lookml/market_top_items.view.lkml", 39),
        ("metabase", "lastmile/metabase/card_118_top_sellers_full_size.json", 17),
    ]
    assert ml.tools == ["dbt", "hightouch", "lookml", "metabase"]
    assert [p.sql for p in groups["is_seasonal = TRUE"].places] == ["NOT is_seasonal", "is_seasonal = FALSE"]
    assert duplicate_rules(ctx, min_places=3) == [ml]


def test_lookups_joins_and_aggregates_are_not_rules(tmp_path):
    a = lastmile_item("python", "sql_string", "app/a.py", 1, "A",
                      sql="select sum(x) from analytics.fct_orders o join analytics.exp_top_items_crm c on c.id = o.id where o.store_id = :p1", sql_line=1)
    b = dict(a, artifact_id="lastmile.python.app/b.py#B", path="app/b.py", name="B")
    ctx = story_context(tmp_path, items=[a, b])
    assert duplicate_rules(ctx) == []
    assert rule_worthy("market_rank <= 10") and not rule_worthy("store_id = ?") and not rule_worthy("")


def test_an_empty_last_mile_has_no_hotspots(tmp_path):
    ctx = story_context(tmp_path, items=[])
    assert hotspots(ctx) == {"items": [], "nodes": []}
    assert duplicate_rules(ctx) == []


def test_reads_through_a_tools_own_objects(ctx):
    from console.layerinitis.resolve import read_label, reads_of

    by_name = {i.name: i for i in items(ctx)}
    dim = [read_label(ctx, r) for r in reads_of(ctx, by_name["size_bucket"])]
    assert dim == ["`market_top_items` (LookML object)", "`top_selling_skus_by_market`"]
    nb = [read_label(ctx, r) for r in reads_of(ctx, by_name["df"])]
    assert nb == ["`exp_top_items_salesforce`"]  # through the SQL cell `pitches` it filters


def test_a_sync_filter_rests_on_what_its_model_reads(tmp_path):
    model, sync = [dict(i) for i in ITEMS if i["tool"] == "hightouch"]
    sync["literal_filters"] = [{"column": "market", "op": "!=", "value": "juneau"}]
    ctx = story_context(tmp_path, items=[model, sync])
    spot = next(h for h in hotspots(ctx)["items"] if h.id == sync["artifact_id"])
    assert "reads `top-items-for-salesforce` (Hightouch object), `exp_top_items_salesforce`" in spot.reasons
    assert spot.reasons[0] == "feeds `salesforce_store_pitch_sync` (production application)"
    assert spot.belongs == "`exp_top_items_salesforce`, the export it reads"
    assert [e["sql"] for e in spot.expressions] == ["market != 'juneau'"]


def test_odd_json_from_the_store_is_tolerated(tmp_path):
    odd = lastmile_item("metabase", "gui_question", "lastmile/metabase/odd.json", 1, "Odd", meta=["not", "a", "table"],
                        literal_filters=[{"column": "tier", "op": "=", "value": "gold", "line": "x"}, {"op": "="}, "junk"])
    ctx = story_context(tmp_path, items=[odd])
    (item,) = items(ctx)
    assert item.meta == {} and [(e.sql, e.line) for e in item.expressions] == [("tier = 'gold'", 1)]
    assert hotspots(ctx)["items"][0].belongs.startswith("a new export `exp_odd_metabase`")


def test_a_rule_in_many_places_names_four_and_counts_the_rest(tmp_path):
    many = [lastmile_item("python", "sql_string", f"app/job{n}.py", 3, "SQL", sql="select a from analytics.fct_orders where volume_ml > 50",
                          sql_line=3) for n in range(7)]
    ctx = story_context(tmp_path, items=many)
    reason = next(r for r in hotspots(ctx)["items"][0].reasons if r.startswith("the same rule"))
    assert reason.endswith("and 3 more") and reason.count("Python SQL string") == 3  # dbt first, then 3 of the 6 others
    assert len(duplicate_rules(ctx)[0].places) == 8
