"""Each tool's own objects, resolved per tool: the reading item's tool first, then dbt, never
another tool's (console/layerinitis/resolve.py ``resolve_written``), on a real store."""

from __future__ import annotations

from console.layerinitis import items
from console.layerinitis.resolve import read_label, reads_of
from tests.layerinitis.story import ITEMS, lastmile_item, story_context

#: A LookML PDT named after the dbt model it reads, and a field of its view.
PDT = "select order_id, amount, status from fct_orders where status <> 'test'"
BAND = "SELECT CASE WHEN fct_orders.amount >= 500 THEN 'big' ELSE 'small' END FROM fct_orders"
#: A Metabase question naming LookML's derived table `market_top_items` in its SQL.
QUESTION = "select market, sku_name from market_top_items where market_rank <= 3"


def _story(tmp_path):
    extra = [
        lastmile_item("lookml", "derived_table", "lastmile/lookml/fct_orders.view.lkml", 2, "fct_orders",
                      sql=PDT, sql_line=4, meta={"view": "fct_orders"}),
        lastmile_item("lookml", "dimension", "lastmile/lookml/fct_orders.view.lkml", 12, "order_band",
                      sql=BAND, sql_line=13, meta={"view": "fct_orders", "fragment": "dimension"}),
        lastmile_item("metabase", "native_question", "lastmile/metabase/card_301_top3.json", 1, "Top 3 by market",
                      sql=QUESTION, sql_line=12),
    ]
    return story_context(tmp_path, items=[*ITEMS, *extra])


def test_a_bare_name_is_the_own_tools_object_first_then_dbt_never_another_tools(tmp_path):
    ctx = _story(tmp_path)
    by_name = {i.name: i for i in items(ctx)}

    # LookML: the view `fct_orders` (its PDT) before the dbt model of that name, then what the PDT reads
    band = reads_of(ctx, by_name["order_band"])
    assert [read_label(ctx, r) for r in band] == ["`fct_orders` (LookML object)", "`fct_orders`"]
    assert [r.resolution.kind for r in band] == ["tool", "node"]
    # the PDT's own SQL names itself: the warehouse table, never the PDT
    (pdt,) = reads_of(ctx, by_name["fct_orders"])
    assert pdt.unique_id == "model.alcohol_marketplace.fct_orders"

    # Metabase: LookML's derived table `market_top_items` is no object of Metabase's; the name is
    # the warehouse's (no dbt node there: unknown), and nothing of the PDT's reads is borrowed
    (question,) = reads_of(ctx, by_name["Top 3 by market"])
    assert (question.written, question.resolution.kind, question.resolution.tool) == ("market_top_items", "unknown", None)

    # LookML's own field on the derived view still reads through it (unchanged)
    assert [read_label(ctx, r) for r in reads_of(ctx, by_name["size_bucket"])] == [
        "`market_top_items` (LookML object)", "`top_selling_skus_by_market`"]
