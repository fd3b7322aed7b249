-- a table, not a view: the cast below runs when dbt builds it, so bad prices fail here
{{ config(materialized='table') }}

select
    order_item_id,
    order_id,
    sku_id,
    quantity,
    cast(unit_price as decimal(10, 2)) as unit_price
from {{ source('marketplace', 'order_items') }}
