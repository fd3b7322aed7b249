with ranked as (
    select
        market,
        sku_id,
        units_sold,
        revenue,
        row_number() over (partition by market order by units_sold desc, sku_id) as market_rank
    from {{ ref('int_sku_sales_by_market') }}
)

select
    r.market,
    r.market_rank,
    r.sku_id,
    k.sku_name,
    k.category,
    k.volume_ml,
    k.is_seasonal,
    r.units_sold,
    r.revenue
from ranked as r
join {{ ref('dim_skus') }} as k on k.sku_id = r.sku_id
where r.market_rank <= 10
