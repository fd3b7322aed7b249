-- every market should have orders on the latest order date; a market with none means
-- its stores' order feed is broken (or the market is genuinely quiet: this test flips)
with latest as (
    select max(order_date) as order_date from {{ ref('fct_orders') }}
),

markets as (
    select distinct market from {{ ref('fct_orders') }}
)

select m.market
from markets as m
where not exists (
    select 1
    from {{ ref('fct_orders') }} as o, latest
    where o.market = m.market and o.order_date = latest.order_date
)
