-- the market's best sellers that a store may sell but does not stock (or has run out of)
select
    st.store_id,
    st.store_name,
    st.market,
    t.market_rank,
    t.sku_id,
    t.sku_name,
    t.category,
    t.volume_ml,
    t.is_seasonal,
    t.units_sold as market_units_sold,
    a.quantity_on_hand
from {{ ref('top_selling_skus_by_market') }} as t
join {{ ref('dim_stores') }} as st on st.market = t.market
join {{ ref('int_store_sku_availability') }} as a
    on a.store_id = st.store_id and a.sku_id = t.sku_id
where coalesce(a.quantity_on_hand, 0) = 0
