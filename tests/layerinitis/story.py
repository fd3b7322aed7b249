"""sample_project's last mile as store rows: nodes, exposures, last-mile items and logic facts.

Rows are shaped as ``console/store/schema.py`` documents them; logic facts come from the real
``collectors.sql_logic.analyse`` on the real SQL of each sample file, so keys and lines are
what a collect would store. ``story_context(tmp_path, ...)`` writes them into a real store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from collectors.sql_logic import analyse
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 8, 9, 0)
P = "alcohol_marketplace"


def _model(name: str, layer: str, **kw: Any) -> dict[str, Any]:
    folder = {"export": "exports", "mart": "marts", "staging": "staging", "intermediate": "intermediate"}[layer]
    return node(
        f"model.{P}.{name}", database="warehouse", schema="analytics", alias=name,
        relation_name=f'"warehouse"."analytics"."{name}"', layer=layer, materialized="table",
        path=f"models/{folder}/{name}.sql", **kw,
    )


NODES = [
    _model("exp_top_items_salesforce", "export"),
    _model("exp_top_items_crm", "export"),
    _model("exp_retailer_app_skus", "export"),
    _model("top_selling_skus_by_market", "mart"),
    _model("top_items_not_carried", "mart"),
    _model("fct_orders", "mart"),
    _model("stg_orders", "staging"),
    _model("int_order_lines", "intermediate"),
    node(f"source.{P}.marketplace.orders", name="orders", source_name="marketplace", database="warehouse",
         schema="raw", identifier="orders", relation_name='"warehouse"."raw"."orders"', layer="source"),
    node(f"exposure.{P}.weekly_market_dashboard", exposure_type="dashboard", url="https://looker.marketplace.example/dashboards/42"),
    node(f"exposure.{P}.salesforce_store_pitch_sync", exposure_type="application", url="https://app.hightouch.com/marketplace/syncs/1127"),
    node(f"exposure.{P}.crm_missing_items_campaign", exposure_type="application"),
    node(f"exposure.{P}.retailer_app", exposure_type="application", url="https://retailers.marketplace.example", meta={"production": True}),
]
EDGES = [
    {"parent_id": f"model.{P}.fct_orders", "child_id": f"exposure.{P}.weekly_market_dashboard"},
    {"parent_id": f"model.{P}.top_selling_skus_by_market", "child_id": f"exposure.{P}.weekly_market_dashboard"},
    {"parent_id": f"model.{P}.exp_top_items_salesforce", "child_id": f"exposure.{P}.salesforce_store_pitch_sync"},
    {"parent_id": f"model.{P}.exp_top_items_crm", "child_id": f"exposure.{P}.crm_missing_items_campaign"},
    {"parent_id": f"model.{P}.exp_retailer_app_skus", "child_id": f"exposure.{P}.retailer_app"},
    {"parent_id": f"model.{P}.top_items_not_carried", "child_id": f"model.{P}.exp_top_items_crm"},
]

CRM_SQL = """select store_id, sku_id, sku_name, volume_ml
from "warehouse"."analytics"."top_items_not_carried"
where volume_ml > 50"""

HIGHTOUCH_SQL = """select pitch_id, store_id, store_name, market, sku_id, sku_name, market_rank, market_units_sold
from analytics.exp_top_items_salesforce
where volume_ml > 50 -- minis are not worth a sales call"""

METABASE_SQL = """select market, market_rank, sku_name, volume_ml, units_sold
from analytics.top_selling_skus_by_market
where volume_ml > 50
  and market = :market
order by market_rank"""

LOOKML_DERIVED = """select market, market_rank, sku_id, sku_name, volume_ml, units_sold, revenue,
  case
    when category in ('whiskey', 'vodka', 'tequila', 'gin', 'rum') then 'spirits'
    when category in ('red_wine', 'white_wine', 'sparkling') then 'wine'
    else 'beer & seltzer'
  end as department
from analytics.top_selling_skus_by_market
where market_rank <= 10"""

LOOKML_SIZE = """SELECT CASE
           WHEN market_top_items.volume_ml <= 50 THEN 'miniature'
           WHEN market_top_items.volume_ml < 750 THEN 'small'
           WHEN market_top_items.volume_ml = 750 THEN 'standard'
           ELSE 'large'
         END FROM market_top_items"""  # ${TABLE} of a derived-table view is the view

APP_SQL = """
select sku_id, sku_name, category, volume_ml, list_price, quantity_on_hand, in_stock
from analytics.exp_retailer_app_skus
where store_id = :p1
  and not is_seasonal
order by category, sku_name
"""

NOTEBOOK_SQL = """select store_id, market, sku_id, sku_name, market_rank, is_seasonal, market_units_sold
from analytics.exp_top_items_salesforce"""


def lastmile_item(tool: str, kind: str, path: str, line: int, name: str, *, sql: str | None = None,
                  sql_line: int | None = None, modified_at: dt.datetime | None = None, **kw: Any) -> dict[str, Any]:
    """A ``lastmile_artifacts`` row (plus ``_sql`` for its logic facts)."""
    return {
        "artifact_id": f"lastmile.{tool}.{path}#{name}", "tool": tool, "kind": kind, "path": path, "line": line,
        "name": name, "owner": kw.pop("owner", "growth-team"), "sql": sql, "dialect": "duckdb", "sql_line": sql_line,
        "modified_at": modified_at or dt.datetime(2026, 10, 2, 8, 3), "owner_source": "git", **kw,
    }


ITEMS = [
    lastmile_item("hightouch", "model", "lastmile/hightouch/models/top_items_for_salesforce.yaml", 2,
                  "Top items for Salesforce", sql=HIGHTOUCH_SQL, sql_line=8, meta={"slug": "top-items-for-salesforce"}),
    lastmile_item("hightouch", "sync", "lastmile/hightouch/syncs/salesforce_store_pitch.yaml", 2,
                  "salesforce_store_pitch", relations_read=[], meta={"model": "top-items-for-salesforce"}),
    lastmile_item("metabase", "native_question", "lastmile/metabase/card_118_top_sellers_full_size.json", 1,
                  "Top sellers by market (full-size bottles)", sql=METABASE_SQL, sql_line=15),
    lastmile_item("lookml", "derived_table", "lastmile/lookml/market_top_items.view.lkml", 2,
                  "market_top_items", sql=LOOKML_DERIVED, sql_line=4, meta={"view": "market_top_items"}),
    lastmile_item("lookml", "dimension", "lastmile/lookml/market_top_items.view.lkml", 36,
                  "size_bucket", sql=LOOKML_SIZE, sql_line=38, meta={"view": "market_top_items", "fragment": "dimension"}),
    lastmile_item("lookml", "view", "lastmile/lookml/orders.view.lkml", 1, "orders",
                  relations_read=["analytics.fct_orders"],
                  literal_filters=[{"column": "status", "op": "=", "value": "completed"}]),
    lastmile_item("python", "sql_string", "lastmile/app/retailer_catalog.py", 10, "CATALOG_SQL",
                  sql=APP_SQL, sql_line=10, owner="retail-eng"),
    lastmile_item("notebook", "sql_cell", "lastmile/notebooks/store_assortment_gaps.ipynb", 3, "pitches",
                  sql=NOTEBOOK_SQL, sql_line=3, owner="maya"),
    lastmile_item("notebook", "dataframe_filter", "lastmile/notebooks/store_assortment_gaps.ipynb", 4,
                  "df", meta={"dataframe": "df", "from_sql": "pitches"}, owner="maya",
                  literal_filters=[{"column": "is_seasonal", "op": "=", "value": False}]),
]


def logic_row(subject_id: str, subject_type: str, sql: str, line_offset: int = 1) -> dict[str, Any]:
    facts = analyse(sql, "duckdb", line_offset=line_offset)
    return {"subject_id": subject_id, "subject_type": subject_type, "dialect": "duckdb", **facts}


def story_rows(items: list[dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The tables of the story (items may be replaced)."""
    chosen = ITEMS if items is None else items
    artifacts, facts = [], [logic_row(f"model.{P}.exp_top_items_crm", "model", CRM_SQL, 1)]
    for row in chosen:
        row = dict(row)
        sql = row.pop("sql")
        artifacts.append(row)
        if sql:
            facts.append(logic_row(row["artifact_id"], "lastmile", sql, row["sql_line"]))
    return {"nodes": NODES, "edges": EDGES, "lastmile_artifacts": artifacts, "logic_facts": facts}


def story_context(tmp_path: Path, *, items: list[dict[str, Any]] | None = None, settings: dict | None = None,
                  now: dt.datetime = NOW, **extra: list[dict[str, Any]]):
    """A real store holding the story, as a rule Context."""
    tables = story_rows(items)
    tables.update(extra)
    return make_context(tmp_path, now=now, settings=settings or {}, project=[{"name": P, "adapter": "duckdb"}], **tables)
