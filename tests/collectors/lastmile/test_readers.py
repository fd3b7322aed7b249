"""Every last-mile reader on real-looking files."""

from __future__ import annotations

import json

from collectors.lastmile.discover import read_payload
from collectors.lastmile.lookml import lookml_items


def _read(rel: str, text: str, kind: str) -> dict:
    return read_payload(rel, text.encode(), kind, "duckdb")


def _by_name(items):
    return {i["name"]: i for i in items}


LOOKML_VIEW = """view: orders {
  sql_table_name: analytics.fct_orders ;;

  dimension: order_id { primary_key: yes sql: ${TABLE}.order_id ;; }
  dimension: status { sql: ${TABLE}.status ;; }
  dimension: volume_ml { type: number sql: ${TABLE}.volume_ml ;; }
  dimension: size_bucket {
    sql: CASE WHEN ${volume_ml} <= 50 THEN 'mini' ELSE 'full' END ;;
  }
  measure: revenue {
    type: sum
    sql: ${TABLE}.order_total ;;
    filters: [status: "completed", volume_ml: ">50"]
  }
}

view: top_items {
  derived_table: {
    sql: select sku_id, sum(units) as units from analytics.order_lines group by 1 ;;
    sql_trigger_value: select max(loaded_at) from analytics.order_lines ;;
  }
  dimension: sku_id { sql: ${TABLE}.sku_id ;; }
}
"""
LOOKML_MODEL = """connection: "warehouse"
explore: orders {
  sql_always_where: ${orders.status} <> 'test' ;;
  always_filter: { filters: [orders.status: "-cancelled"] }
  join: top_items {
    sql_on: ${orders.order_id} = ${top_items.sku_id} ;;
    relationship: many_to_one
  }
}
"""


def test_lookml_every_construct():
    docs = {}
    for rel, text in (("lkml/orders.view.lkml", LOOKML_VIEW), ("lkml/shop.model.lkml", LOOKML_MODEL)):
        payload = _read(rel, text, "lookml")
        assert payload["tool"] == "lookml" and payload["skips"] == []
        docs[rel] = payload["doc"]
    out = lookml_items(docs, "duckdb")
    view_items = _by_name(out["lkml/orders.view.lkml"][0])
    assert view_items["orders"]["kind"] == "view" and view_items["orders"]["relations_read"] == ["analytics.fct_orders"]
    bucket = view_items["orders.size_bucket"]
    assert bucket["kind"] == "dimension" and bucket["meta"]["fragment"] == "dimension"
    assert "orders.volume_ml <= 50" in bucket["sql"] and "FROM analytics.fct_orders AS orders" in bucket["sql"]
    assert bucket["line"] == 7 and bucket["sql_line"] == 8 and bucket["parse_error"] is None
    revenue = view_items["orders.revenue"]
    assert revenue["literal_filters"] == [
        {"column": "status", "op": "=", "value": "completed"}, {"column": "volume_ml", "op": ">", "value": 50}]
    assert "orders.order_id" not in view_items  # a bare column holds no logic
    derived = view_items["top_items"]
    assert derived["kind"] == "derived_table" and "group by 1" in derived["sql"] and derived["sql_line"] == 19
    assert view_items["top_items.sql_trigger_value"]["kind"] == "trigger"
    model_items = _by_name(out["lkml/shop.model.lkml"][0])
    where = model_items["orders.sql_always_where"]
    assert where["sql"] == "SELECT * FROM analytics.fct_orders AS orders WHERE orders.status <> 'test'"
    assert model_items["orders.always_filter"]["literal_filters"] == [{"column": "status", "op": "!=", "value": "cancelled"}]
    join = model_items["orders.top_items"]
    assert join["kind"] == "explore_join" and "ON orders.order_id = top_items.sku_id" in join["sql"]
    assert join["meta"]["connection"] == "warehouse" and join["parse_error"] is None


HIGHTOUCH_MODEL = """name: Big spenders
slug: big-spenders
source: warehouse
type: raw_sql
primaryKey: customer_id
raw_sql: |-
  select customer_id, email
  from analytics.exp_customers
  where lifetime_value > 1000
"""
HIGHTOUCH_TABLE = "name: Accounts\nslug: accounts\ntype: table\nprimaryKey: id\ntable: analytics.dim_accounts\n"
HIGHTOUCH_DBT = "name: Leads\nslug: leads\ntype: dbt_model\nprimaryKey: id\ndbtModel: {name: exp_leads_crm}\n"
HIGHTOUCH_SYNC = """model: big-spenders
destination: braze
type: object
filters:
  - {field: country, operator: equals, value: US}
  - {field: email, operator: is_not_null}
config:
  mappings:
    - {from: email, to: email}
schedule: {type: interval, schedule: {interval: {quantity: 1, unit: day}}}
"""


def test_hightouch_models_and_syncs():
    model = _read("ht/models/big.yaml", HIGHTOUCH_MODEL, "structured")
    assert model["tool"] == "hightouch"
    [m] = model["items"]
    assert m["kind"] == "model" and m["name"] == "big-spenders" and m["sql_line"] == 7
    assert "lifetime_value > 1000" in m["sql"] and m["parse_error"] is None
    assert _read("x/a.yaml", HIGHTOUCH_TABLE, "structured")["items"][0]["relations_read"] == ["analytics.dim_accounts"]
    assert _read("x/b.yaml", HIGHTOUCH_DBT, "structured")["items"][0]["relations_read"] == ["ref:exp_leads_crm"]
    [s] = _read("somewhere/sync.yaml", HIGHTOUCH_SYNC, "structured")["items"]
    assert s["kind"] == "sync" and s["meta"]["model"] == "big-spenders" and s["meta"]["destination"] == "braze"
    assert s["literal_filters"] == [{"column": "country", "op": "=", "value": "US"}, {"column": "email", "op": "not_null", "value": None}]
    assert s["meta"]["field_mappings"] == [{"from": "email", "to": "email"}]


CENSUS_SYNC = """source_attributes:
  connection_id: 3
  object: {type: table, table_schema: analytics, table_name: exp_accounts_sfdc}
destination_attributes:
  connection_id: 9
  object: Account
operation: upsert
mappings:
  - {from: {type: column, data: domain}, to: Website}
"""


def test_census_yaml_and_sql():
    [s] = _read("reverse/census_sync.yaml", CENSUS_SYNC, "structured")["items"]
    assert s["kind"] == "sync" and s["relations_read"] == ["analytics.exp_accounts_sfdc"]
    assert s["meta"]["operation"] == "upsert" and s["meta"]["destination"] == "Account"
    payload = _read("census/models/churn.sql", "\n\nselect * from analytics.customers where churned\n", "sql")
    assert payload["tool"] == "census" and payload["items"][0]["sql_line"] == 3
    assert _read("elsewhere/a.sql", "select 1", "sql")["tool"] is None  # a .sql file outside a tool's folder


METABASE_YAML = """name: Full-size sellers
entity_id: abc123
query_type: native
dataset_query:
  database: Warehouse
  type: native
  native:
    query: |-
      select sku, units from analytics.top_skus
      where volume_ml > 50
      [[and market = {{market}}]]
      and {{store}}
    template-tags:
      market: {name: market, type: text}
      store: {name: store, type: dimension, dimension: [field, [Warehouse, analytics, top_skus, store_id], null]}
serdes/meta:
  - {id: abc123, model: Card}
"""
METABASE_GUI = {
    "id": 7, "name": "Big orders", "query_type": "query",
    "dataset_query": {"database": 2, "type": "query", "query": {
        "source-table": 12,
        "filter": ["and", [">", ["field", 101, None], 100], ["=", ["field", 102, None], "open", "paid"]]}},
    "result_metadata": [{"id": 101, "name": "order_total"}, {"id": 102, "name": "status"}],
}


def test_metabase_native_yaml_and_gui_json():
    [q] = _read("mb/cards/full.yaml", METABASE_YAML, "structured")["items"]
    assert q["kind"] == "native_question" and q["parse_error"] is None and q["sql_line"] == 9
    assert "and market = :market" in q["sql"] and "and store_id = :store" in q["sql"] and "[[" not in q["sql"]
    [g] = _read("mb/big.json", json.dumps(METABASE_GUI, indent=1), "structured")["items"]
    assert g["kind"] == "gui_question" and g["meta"]["source_table_id"] == 12
    assert g["literal_filters"] == [
        {"column": "order_total", "op": ">", "value": 100}, {"column": "status", "op": "in", "value": ["open", "paid"]}]


PYTHON_APP = '''"""Docstring: select a from b is prose here."""
SCHEMA = "analytics"
BASE = "select sku_id from " + SCHEMA + ".skus"

def seasonal(conn, market):
    conn.execute(f"select sku_id from analytics.skus where market = {market} and not is_seasonal")
    q = "select * from analytics.orders where total > {} and status = {}".format(50, "x")
    conn.execute("select id from analytics.stores where id = %(store)s and name like '%s%'", {"store": 1})
    return df[df["volume_ml"] > 50]
'''


def test_python_strings_fstrings_format_concat_and_filters():
    items = _read("app/x.py", PYTHON_APP, "python")["items"]
    sqls = [i["sql"] for i in items if i["kind"] == "sql_string"]
    assert "select sku_id from analytics.skus" in sqls  # concatenation with a module constant
    assert "select sku_id from analytics.skus where market = :p1 and not is_seasonal" in sqls
    assert any(s.startswith("select * from analytics.orders where total >") for s in sqls)
    assert "select id from analytics.stores where id = :store and name like '%s%'" in sqls
    assert not any("prose" in s for s in sqls)
    [f] = [i for i in items if i["kind"] == "dataframe_filter"]
    assert f["literal_filters"] == [{"column": "volume_ml", "op": ">", "value": 50}] and f["line"] == 9


JS = """const sql = require('sql');
const q = `select id, email from analytics.customers where tier = ${tier} and not is_test`;
const r = "select sku from analytics.skus " +
  "where volume_ml > 50";
db.query(sql`select 1 from analytics.x where y = ${y}`);
const greeting = "Select a store to begin";
"""


def test_javascript_and_typescript_template_literals():
    items = _read("web/a.js", JS, "javascript")["items"]
    by = {i["name"]: i for i in items}
    assert by["q"]["sql"] == "select id, email from analytics.customers where tier = :p1 and not is_test"
    assert by["r"]["sql"] == "select sku from analytics.skus where volume_ml > 50" and by["r"]["line"] == 3
    assert any(i["meta"].get("tag") == "sql" for i in items)
    assert len(items) == 3
    ts = "interface Row { id: number }\nexport const LOW: string = `select id from analytics.stock where qty < ${n}`;\n"
    [t] = _read("web/b.ts", ts, "typescript")["items"]
    assert t["name"] == "LOW" and t["line"] == 2


def test_notebook_sql_cells_line_magic_strings_and_pandas_filter():
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%%sql top <<\n", "select sku, is_seasonal from analytics.exp_top"]},
        {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%sql select count(*) from analytics.orders where status = 'open'\n", "df = top.DataFrame()\n",
                    "df = df[~df[\"is_seasonal\"]]\n", "x = pd.read_sql(\"select a from analytics.b where c > 1\", con)"]},
    ]}
    text = json.dumps(nb, indent=1)
    items = _read("nb/a.ipynb", text, "notebook")["items"]
    kinds = sorted(i["kind"] for i in items)
    assert kinds == ["dataframe_filter", "sql_cell", "sql_cell", "sql_string"]
    cell = next(i for i in items if i["name"] == "top")
    lines = text.splitlines()
    assert lines[cell["sql_line"] - 1].strip().startswith('"select sku')
    f = next(i for i in items if i["kind"] == "dataframe_filter")
    assert f["meta"]["from_sql"] == "top" and f["literal_filters"] == [{"column": "is_seasonal", "op": "=", "value": False}]
    assert lines[f["line"] - 1].strip().startswith('"df = df[~df')


def test_notebook_nbformat_cannot_convert_is_a_skip():
    # An nbformat 1 notebook with a cell of no known type: nbformat's own upgrade raises
    # UnboundLocalError (found by the slow fuzz run); the notebook is a counted skip.
    text = json.dumps({"nbformat": 1, "cells": [{"cell_type": "weird"}]})
    payload = _read("nb/old.ipynb", text, "notebook")
    assert payload["items"] == []
    assert [s["reason"] for s in payload["skips"]] == ["not a notebook: nbformat cannot read it (UnboundLocalError)"]


def test_lookml_lone_semicolon_is_a_skip_not_a_hang():
    # lkml's own lexer loops forever on a lone `;` (it waits for `;;`): found by the slow fuzz run
    payload = _read("lookml/v.view.lkml", "view: v {\n  dimension: d { type: string ; }\n}\n", "lookml")
    assert payload["items"] == []
    assert [s["reason"] for s in payload["skips"]] == ["malformed LookML: Unexpected character ';' on line 2"]
