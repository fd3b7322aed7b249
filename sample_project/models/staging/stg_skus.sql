select
    sku_id,
    sku_name,
    category,
    volume_ml,
    is_seasonal,
    season,
    cast(list_price as decimal(10, 2)) as list_price
from {{ source('marketplace', 'skus') }}
