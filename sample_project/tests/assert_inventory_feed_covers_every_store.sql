{{ config(severity='warn') }}
-- every store sends a snapshot each morning; a store that carries nothing today did not
select store_id
from {{ ref('int_store_sku_availability') }}
group by store_id
having not bool_or(is_carried)
