select
    o.order_id,
    o.customer_id,
    o.store_id,
    s.market,
    o.ordered_at,
    o.order_date,
    o.status,
    o.order_total
from {{ ref('stg_orders') }} as o
join {{ ref('stg_stores') }} as s on s.store_id = o.store_id
