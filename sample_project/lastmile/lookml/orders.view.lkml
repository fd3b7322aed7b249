view: orders {
  sql_table_name: analytics.fct_orders ;;

  dimension: order_id {
    primary_key: yes
    type: number
    sql: ${TABLE}.order_id ;;
  }

  dimension: market {
    type: string
    sql: ${TABLE}.market ;;
  }

  dimension_group: ordered {
    type: time
    timeframes: [date, week, month]
    sql: ${TABLE}.ordered_at ;;
  }

  dimension: status {
    type: string
    sql: ${TABLE}.status ;;
  }

  measure: order_count {
    type: count
  }

  measure: revenue {
    type: sum
    value_format_name: usd
    sql: ${TABLE}.order_total ;;
    filters: [status: "completed"]
  }
}
