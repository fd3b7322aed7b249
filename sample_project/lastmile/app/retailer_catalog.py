"""Retailer app: data access for the catalogue screen store staff see every morning.

Reads the export the data team builds for us (analytics.exp_retailer_app_skus) over the
warehouse's DB-API connection (`conn` is a pooled Snowflake/DuckDB connection).
"""

from __future__ import annotations

# Merchandising asked us to hide seasonal SKUs until they have a proper season calendar.
CATALOG_SQL = """
select sku_id, sku_name, category, volume_ml, list_price, quantity_on_hand, in_stock
from analytics.exp_retailer_app_skus
where store_id = %(store_id)s
  and not is_seasonal
order by category, sku_name
"""

LOW_STOCK_THRESHOLD = 3


def catalog_for_store(conn, store_id: int) -> list[dict]:
    """Every non-seasonal SKU the store may sell, with today's stock."""
    cur = conn.cursor()
    try:
        cur.execute(CATALOG_SQL, {"store_id": store_id})
        columns = [c[0].lower() for c in cur.description]
        return [dict(zip(columns, row)) for row in cur.fetchall()]
    finally:
        cur.close()


def low_stock(items: list[dict]) -> list[dict]:
    """Items to reorder. A NULL quantity counts as 0 (the feed "never" misses a store)."""
    return [i for i in items if (i["quantity_on_hand"] or 0) < LOW_STOCK_THRESHOLD]
