"""The layerinitis rules on sample_project's last mile, written into a real store."""

from __future__ import annotations

import datetime as dt

from rules.base import Severity
from rules.layerinitis.duplicated_business_rule import DuplicatedBusinessRule
from rules.layerinitis.lastmile_business_logic import LastmileBusinessLogic
from rules.layerinitis.lastmile_bypasses_central_layer import LastmileBypassesCentralLayer
from rules.layerinitis.lastmile_not_understood import LastmileNotUnderstood
from rules.layerinitis.lastmile_past_ttl import LastmilePastTtl
from tests.layerinitis.story import HIGHTOUCH_SQL, ITEMS, lastmile_item, story_context

HT = "lastmile/hightouch/models/top_items_for_salesforce.yaml"


def run(rule, ctx, **opts):
    return list(rule().check(ctx, {**{k: o.default for k, o in rule.options.items()}, **opts}))


def _only(*names):
    return [i for i in ITEMS if i["name"] in names]


# -- LYR001 lastmile-business-logic ---------------------------------------------------------------

def test_lyr001_fails_on_the_hightouch_filter_naming_expression_line_and_home(tmp_path):
    ctx = story_context(tmp_path)
    found = {v.node: v for v in run(LastmileBusinessLogic, ctx)}
    ht = found[f"lastmile.hightouch.{HT}#Top items for Salesforce"]
    assert ht.message == (
        "Hightouch model `Top items for Salesforce` adds business logic on `exp_top_items_salesforce`: "
        f"`volume_ml > 50` at {HT}:10"
    )
    assert (ht.path, ht.line) == (HT, 10)
    assert ht.hint == "move it into `exp_top_items_salesforce`, the export it reads; let the tool select plain columns"
    nb = found["lastmile.notebook.lastmile/notebooks/store_assortment_gaps.ipynb#df"]
    assert "`is_seasonal = FALSE` at lastmile/notebooks/store_assortment_gaps.ipynb:4" in nb.message
    assert "a new export `exp_store_assortment_gaps_notebook` for this one use (`exp_top_items_salesforce` has 2 consumers)" in nb.hint
    # pass-through items (the sync, the notebook's SQL cell) are not flagged
    assert not any("#salesforce_store_pitch" in n or "#pitches" in n for n in found)


def test_lyr001_passes_a_pass_through_item(tmp_path):
    plain = lastmile_item("hightouch", "model", HT, 2, "Top items", sql=HIGHTOUCH_SQL.replace("where volume_ml > 50", ""), sql_line=8)
    ctx = story_context(tmp_path, items=[plain])
    assert run(LastmileBusinessLogic, ctx) == []


def test_lyr001_counts_expressions_past_the_limit(tmp_path):
    ctx = story_context(tmp_path, items=_only("market_top_items"))
    (v,) = run(LastmileBusinessLogic, ctx, max_expressions=1)
    assert v.message.endswith("at lastmile/lookml/market_top_items.view.lkml:6 and 2 more")


# -- LYR002 lastmile-past-ttl ----------------------------------------------------------------------

def test_lyr002_fails_on_logic_older_than_its_tool_ttl(tmp_path):
    old = dict(_only("Top sellers by market (full-size bottles)")[0], modified_at=dt.datetime(2026, 2, 1, 12, 0))
    ctx = story_context(tmp_path, items=[old])
    (v,) = run(LastmilePastTtl, ctx)
    assert v.message == (
        "Metabase native question `Top sellers by market (full-size bottles)` (business logic: `volume_ml > 50`) "
        "last changed on 2026-02-01, 279 days ago: past the 90-day time-to-live of metabase items"
    )
    assert v.path == "lastmile/metabase/card_118_top_sellers_full_size.json"


def test_lyr002_passes_young_logic_and_honours_a_tool_ttl(tmp_path):
    old = dict(_only("Top sellers by market (full-size bottles)")[0], modified_at=dt.datetime(2026, 2, 1, 12, 0))
    ctx = story_context(tmp_path, items=[old], settings={"lastmile_ttl_days": 30, "lastmile_ttl_days_by_tool": {"metabase": 365}})
    assert run(LastmilePastTtl, ctx) == []
    ctx = story_context(tmp_path)  # every story item changed 37 days before NOW
    assert run(LastmilePastTtl, ctx) == []
    ctx = story_context(tmp_path, settings={"lastmile_ttl_days": 30})
    assert {v.node.rsplit("#", 1)[1] for v in run(LastmilePastTtl, ctx)} == {
        "CATALOG_SQL", "Top items for Salesforce", "market_top_items", "size_bucket", "orders",
        "Top sellers by market (full-size bottles)", "df",
    }


# -- LYR003 duplicated-business-rule ----------------------------------------------------------------

def test_lyr003_fails_naming_every_place_of_the_50_ml_and_the_seasonal_rules(tmp_path):
    ctx = story_context(tmp_path)
    found = {v.key: v for v in run(DuplicatedBusinessRule, ctx)}
    assert set(found) == {"volume_ml <= 50", "is_seasonal = TRUE"}
    ml = found["volume_ml <= 50"]
    assert ml.message.startswith("Rule `volume_ml <= 50` is implemented in 4 places: dbt model `exp_top_items_crm` (`volume_ml > 50` at models/exports/exp_top_items_crm.sql:3); ")
    for place in (
        f"Hightouch model `Top items for Salesforce` (`volume_ml > 50` at {HT}:10)",
        "LookML dimension `size_bucket` (`WHEN market_top_items.volume_ml <= 50 THEN 'miniature'` at lastmile/lookml/market_top_items.view.lkml:39)",
        "Metabase native question `Top sellers by market (full-size bottles)` (`volume_ml > 50` at lastmile/metabase/card_118_top_sellers_full_size.json:17)",
    ):
        assert place in ml.message
    assert (ml.path, ml.line) == (HT, 10)  # the first last-mile place
    assert "dbt model `exp_top_items_crm`" in ml.hint
    seasonal = found["is_seasonal = TRUE"]
    assert "Python SQL string `CATALOG_SQL` (`NOT is_seasonal` at lastmile/app/retailer_catalog.py:14)" in seasonal.message
    assert "notebook dataframe filter `df` (`is_seasonal = FALSE` at lastmile/notebooks/store_assortment_gaps.ipynb:4)" in seasonal.message


def test_lyr003_passes_a_rule_in_one_place_or_only_in_dbt(tmp_path):
    ctx = story_context(tmp_path, items=_only("Top items for Salesforce", "market_top_items"), settings={})
    found = run(DuplicatedBusinessRule, ctx)
    assert [v.key for v in found] == ["volume_ml <= 50"]  # with dbt's exp_top_items_crm: 2 places
    assert run(DuplicatedBusinessRule, ctx, min_places=3) == []
    ctx = story_context(tmp_path, items=_only("market_top_items"))  # nothing shared with dbt
    assert run(DuplicatedBusinessRule, ctx) == []


# -- LYR004 lastmile-bypasses-central-layer ---------------------------------------------------------

def test_lyr004_fails_on_staging_source_and_unknown_raw_reads(tmp_path):
    item = lastmile_item("metabase", "native_question", "lastmile/metabase/orders.json", 1, "Orders by day",
                         sql="select o.order_day, count(*) from analytics.stg_orders o join raw.orders r on r.id = o.id "
                             "join raw.refunds f on f.id = o.id group by 1", sql_line=5)
    ctx = story_context(tmp_path, items=[item])
    (v,) = run(LastmileBypassesCentralLayer, ctx)
    assert v.message == (
        "Metabase native question `Orders by day` reads `stg_orders` (a staging model), "
        "`marketplace.orders` (a raw table dbt reads as a source), `raw.refunds` (a raw table dbt does not know) "
        "at lastmile/metabase/orders.json:1"
    )
    assert v.hint == "add an export `exp_orders_by_day_metabase` for this consumer to dbt and read it instead"


def test_lyr004_passes_reads_of_marts_and_exports(tmp_path):
    ctx = story_context(tmp_path)
    assert run(LastmileBypassesCentralLayer, ctx) == []


# -- LYR005 lastmile-not-understood -----------------------------------------------------------------

def test_lyr005_fails_on_an_item_whose_sql_does_not_parse(tmp_path):
    broken = lastmile_item("lookml", "derived_table", "lastmile/lookml/broken.view.lkml", 3, "broken",
                           sql="select from from where (", sql_line=4)
    ctx = story_context(tmp_path, items=[broken])
    (v,) = run(LastmileNotUnderstood, ctx)
    assert v.message.startswith("LookML derived table `broken`: its SQL could not be parsed at lastmile/lookml/broken.view.lkml:3: ")
    assert LastmileNotUnderstood.severity is Severity.INFO


def test_lyr005_passes_when_everything_was_read(tmp_path):
    assert run(LastmileNotUnderstood, story_context(tmp_path)) == []


def test_lyr005_fails_on_a_file_the_collect_skipped(tmp_path):
    ctx = story_context(tmp_path, lastmile_skips=[
        {"path": "lastmile/lookml/broken.view.lkml", "line": 12, "tool": "lookml", "reason": "Unexpected token '}'"},
        {"path": "lastmile/notebooks/x.ipynb", "line": None, "tool": "notebook", "reason": "not JSON"},
    ])
    found = run(LastmileNotUnderstood, ctx)
    assert [(v.message, v.path, v.line) for v in found] == [
        ("LookML file lastmile/lookml/broken.view.lkml could not be read at line 12: Unexpected token '}'",
         "lastmile/lookml/broken.view.lkml", 12),
        ("notebook file lastmile/notebooks/x.ipynb could not be read: not JSON", "lastmile/notebooks/x.ipynb", None),
    ]
    assert len({v.key for v in found}) == 2


def test_lyr001_findings_can_be_accepted_by_artifact_id_glob(tmp_path):
    from console.config import Config, RuleException
    from rules.engine import evaluate

    ctx = story_context(tmp_path)
    config = Config(select=("layerinitis",), exceptions=(
        RuleException("LYR001", "lastmile.lookml.lastmile/lookml/*", "LookML moves to dbt in Q1", dt.date(2027, 3, 31)),
    ))
    found = [f for f in evaluate(ctx, config, today=dt.date(2026, 11, 8)).findings if f.rule == "LYR001"]
    assert found and not any(f.node.startswith("lastmile.lookml.") for f in found)
    assert any(f.node.startswith("lastmile.hightouch.") for f in found)
