connection: "warehouse"

include: "*.view.lkml"

explore: orders {
  label: "Orders"
}

explore: market_top_items {
  label: "Top sellers by market"
}
