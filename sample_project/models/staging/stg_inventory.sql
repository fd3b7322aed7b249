select
    store_id,
    sku_id,
    quantity_on_hand,
    feed_date
from {{ source('inventory_feed', 'inventory') }}
