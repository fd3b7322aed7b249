-- for the CRM email tool only: the three best items each store is missing, no miniatures
with ranked as (
    select
        *,
        row_number() over (partition by store_id order by market_rank) as pick
    from {{ ref('top_items_not_carried') }}
    where volume_ml > 50
)

select
    store_id,
    store_name,
    market,
    pick,
    sku_id,
    sku_name,
    volume_ml,
    quantity_on_hand
from ranked
where pick <= 3
