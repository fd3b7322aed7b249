view: market_top_items {
  derived_table: {
    sql:
      select
        market,
        market_rank,
        sku_id,
        sku_name,
        volume_ml,
        units_sold,
        revenue,
        case
          when category in ('whiskey', 'vodka', 'tequila', 'gin', 'rum') then 'spirits'
          when category in ('red_wine', 'white_wine', 'sparkling') then 'wine'
          else 'beer & seltzer'
        end as department
      from analytics.top_selling_skus_by_market
      where market_rank <= 10 ;;
  }

  dimension: market {
    type: string
    sql: ${TABLE}.market ;;
  }

  dimension: sku_name {
    type: string
    sql: ${TABLE}.sku_name ;;
  }

  dimension: department {
    type: string
    sql: ${TABLE}.department ;;
  }

  dimension: size_bucket {
    type: string
    sql: CASE
           WHEN ${TABLE}.volume_ml <= 50 THEN 'miniature'
           WHEN ${TABLE}.volume_ml < 750 THEN 'small'
           WHEN ${TABLE}.volume_ml = 750 THEN 'standard'
           ELSE 'large'
         END ;;
  }

  measure: units_sold {
    type: sum
    sql: ${TABLE}.units_sold ;;
  }
}
