-- TODO: use ref('stg_orders'); joined to the raw table while prototyping in a notebook
select
    li.order_item_id,
    li.order_id,
    o.store_id,
    cast(o.ordered_at as date) as order_date,
    li.sku_id,
    li.quantity,
    li.unit_price,
    li.quantity * li.unit_price as line_revenue
from {{ ref('stg_order_items') }} as li
join raw.orders as o on o.order_id = li.order_id
where o.status = 'completed'
