select
    store_id,
    store_name,
    market,
    store_type,
    cast(opened_on as date) as opened_on
from {{ source('marketplace', 'stores') }}
