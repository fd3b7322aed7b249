-- Monte Carlo demand simulation. Someone made the scenario count grow with the days since
-- launch (env var SIM_DAY) "for accuracy": the model gets slower every run.
with daily_orders as (
    select s.market, o.order_date, count(*) as orders
    from {{ ref('stg_orders') }} as o
    join {{ ref('stg_stores') }} as s on s.store_id = o.store_id
    group by s.market, o.order_date
),

scenarios as (
    select range as scenario from range({{ (env_var('SIM_DAY', '7') | int) ** 2 * 5000 }})
)

select
    d.market,
    count(distinct d.order_date) as days_observed,
    avg(d.orders * (0.8 + (hash(sc.scenario, d.order_date) % 400) / 1000.0)) as expected_daily_orders,
    quantile_cont(d.orders * (0.8 + (hash(sc.scenario, d.order_date) % 400) / 1000.0), 0.95) as p95_daily_orders
from daily_orders as d
cross join scenarios as sc
group by d.market
