select
    a.store_id,
    a.sku_id,
    k.sku_name,
    k.category,
    k.volume_ml,
    k.is_seasonal,
    k.list_price,
    a.quantity_on_hand,
    a.quantity_on_hand > 0 as in_stock
from {{ ref('int_store_sku_availability') }} as a
join {{ ref('dim_skus') }} as k on k.sku_id = a.sku_id
