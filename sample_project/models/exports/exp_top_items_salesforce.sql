-- for the Salesforce sync only: one row per account (store) and SKU to pitch
select
    store_id || '-' || sku_id as pitch_id,
    store_id,
    store_name,
    market,
    market_rank,
    sku_id,
    sku_name,
    category,
    volume_ml,
    is_seasonal,
    market_units_sold,
    quantity_on_hand
from {{ ref('top_items_not_carried') }}
