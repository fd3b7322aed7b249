select
    sku_id,
    sku_name,
    category,
    volume_ml,
    is_seasonal,
    season,
    list_price
from {{ ref('stg_skus') }}
