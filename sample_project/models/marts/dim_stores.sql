select
    s.store_id,
    s.store_name,
    s.market,
    m.state,
    m.region,
    s.store_type,
    cast(s.opened_on as date) as opened_on
from {{ source('marketplace', 'stores') }} as s
left join {{ ref('markets') }} as m on m.market = s.market
