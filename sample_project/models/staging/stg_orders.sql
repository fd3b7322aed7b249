select
    order_id,
    customer_id,
    store_id,
    ordered_at,
    cast(ordered_at as date) as order_date,
    status,
    cast(order_total as decimal(12, 2)) as order_total
from {{ source('marketplace', 'orders') }}
