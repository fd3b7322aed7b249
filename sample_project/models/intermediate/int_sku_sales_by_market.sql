select
    st.market,
    l.sku_id,
    sum(l.quantity) as units_sold,
    sum(l.line_revenue) as revenue,
    count(distinct l.order_id) as orders
from {{ ref('int_order_lines') }} as l
join {{ ref('stg_stores') }} as st on st.store_id = l.store_id
join {{ ref('stg_skus') }} as k on k.sku_id = l.sku_id
where l.order_date >= date '{{ env_var("SIM_RUN_DATE", "2026-11-07") }}' - interval 28 day
group by st.market, l.sku_id
