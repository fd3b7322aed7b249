-- every SKU a store's licence allows, with today's stock from the inventory feed
with todays_inventory as (
    select * from {{ ref('stg_inventory') }}
    where feed_date = date '{{ env_var("SIM_RUN_DATE", "2026-11-07") }}'
)

select
    s.store_id,
    s.market,
    s.store_type,
    k.sku_id,
    inv.quantity_on_hand,
    inv.quantity_on_hand is not null as is_carried
from {{ ref('stg_stores') }} as s
cross join {{ ref('stg_skus') }} as k
left join todays_inventory as inv
    on inv.store_id = s.store_id and inv.sku_id = k.sku_id
where s.store_type = 'liquor'
   or k.category not in ('whiskey', 'vodka', 'tequila', 'gin', 'rum')
