"""A warehouse query log for the simulated week, in the shape of Snowflake's exports.

query_logs/query_history.csv   columns of SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (a subset)
query_logs/access_history.json rows of ACCESS_HISTORY; *_OBJECTS_ACCESSED are JSON arrays

Synthetic but consistent with the real build: dbt's own statements come from the archived
run_results and the manifest (same invocations, timings and relations), every consumer's
query runs against the built warehouse (row counts are real), and every column listed in
ACCESS_HISTORY exists there. Who reads what (see docs/sample_project.md):
  HIGHTOUCH_SVC     exp_top_items_salesforce  declared (exposure salesforce_store_pitch_sync)
  MAYA_CHEN         exp_top_items_salesforce  a data scientist's notebook: a second consumer
  BRAZE_INGEST      exp_top_items_crm         declared (exposure crm_missing_items_campaign)
  TABLEAU_SVC       exp_top_items_crm         a tool no exposure declares
  RETAILER_APP_SVC  exp_retailer_app_skus     declared (exposure retailer_app)
  LOOKER_SVC        fct_orders, top_selling_skus_by_market (exposure weekly_market_dashboard)
  METABASE_SVC      top_selling_skus_by_market
"""

from __future__ import annotations

import csv
import json
import random
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

DATABASE, SCHEMA = "warehouse", "analytics"
COLUMNS = ["QUERY_ID", "QUERY_TEXT", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TYPE", "USER_NAME",
           "ROLE_NAME", "WAREHOUSE_NAME", "EXECUTION_STATUS", "START_TIME", "END_TIME",
           "TOTAL_ELAPSED_TIME", "ROWS_PRODUCED", "QUERY_TAG"]

HIGHTOUCH_SQL = """select pitch_id, store_id, store_name, market, sku_id, sku_name, market_rank, market_units_sold
from analytics.exp_top_items_salesforce
where volume_ml > 50 -- minis are not worth a sales call"""
NOTEBOOK_SQL = """select store_id, market, sku_id, sku_name, market_rank, is_seasonal, market_units_sold
from analytics.exp_top_items_salesforce"""
BRAZE_SQL = """SELECT store_id, store_name, market, pick, sku_id, sku_name, volume_ml, quantity_on_hand
FROM analytics.exp_top_items_crm"""
TABLEAU_SQL = """SELECT "exp_top_items_crm"."market" AS "market", "exp_top_items_crm"."sku_name" AS "sku_name",
  COUNT(DISTINCT "exp_top_items_crm"."store_id") AS "ctd:store_id:ok"
FROM "analytics"."exp_top_items_crm" "exp_top_items_crm"
GROUP BY 1, 2"""
APP_SQL = """select sku_id, sku_name, category, volume_ml, list_price, quantity_on_hand, in_stock
from analytics.exp_retailer_app_skus
where store_id = {store_id}
  and not is_seasonal
order by category, sku_name"""
LOOKER_ORDERS_SQL = """SELECT orders.market AS "orders.market", COUNT(*) AS "orders.order_count",
  COALESCE(SUM(CASE WHEN orders.status = 'completed' THEN orders.order_total END), 0) AS "orders.revenue"
FROM analytics.fct_orders AS orders
WHERE orders.ordered_at >= TIMESTAMP '{since}'
GROUP BY 1 ORDER BY 3 DESC"""
LOOKER_TOP_SQL = """WITH market_top_items AS (select
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
      where market_rank <= 10 )
SELECT market_top_items.market AS "market_top_items.market", market_top_items.department AS "market_top_items.department",
  COALESCE(SUM(market_top_items.units_sold), 0) AS "market_top_items.units_sold"
FROM market_top_items
GROUP BY 1, 2 ORDER BY 3 DESC"""
METABASE_SQL = """select market, market_rank, sku_name, volume_ml, units_sold
from analytics.top_selling_skus_by_market
where volume_ml > 50
  and market = '{market}'
order by market_rank"""

# consumer -> (role, warehouse, query tag, [(sql, {relation: [columns read]})])
CONSUMERS = {
    "HIGHTOUCH_SVC": ("REVERSE_ETL", "HIGHTOUCH_WH",
                      '{"app": "hightouch", "model": "top-items-for-salesforce", "sync_id": 1127}'),
    "MAYA_CHEN": ("DATA_SCIENCE", "ADHOC_WH", ""),
    "BRAZE_INGEST": ("CRM_INGEST", "BRAZE_WH", '{"app": "braze_cloud_data_ingestion"}'),
    "TABLEAU_SVC": ("TABLEAU_READER", "BI_WH", ""),
    "RETAILER_APP_SVC": ("APP_READER", "APP_WH", '{"app": "retailer-app", "service": "catalog"}'),
    "LOOKER_SVC": ("BI_READER", "BI_WH", '{"app": "looker", "dashboard": 42}'),
    "METABASE_SVC": ("BI_READER", "BI_WH", '{"app": "metabase", "card": 118}'),
    "DBT_PROD": ("TRANSFORMER", "TRANSFORMING_WH", ""),
}
COLUMNS_READ = {  # the columns each consumer query reads, by table
    HIGHTOUCH_SQL: {"exp_top_items_salesforce": ["pitch_id", "store_id", "store_name", "market", "sku_id",
                                                  "sku_name", "market_rank", "market_units_sold", "volume_ml"]},
    NOTEBOOK_SQL: {"exp_top_items_salesforce": ["store_id", "market", "sku_id", "sku_name", "market_rank",
                                                 "is_seasonal", "market_units_sold"]},
    BRAZE_SQL: {"exp_top_items_crm": ["store_id", "store_name", "market", "pick", "sku_id", "sku_name",
                                      "volume_ml", "quantity_on_hand"]},
    TABLEAU_SQL: {"exp_top_items_crm": ["market", "sku_name", "store_id"]},
    APP_SQL: {"exp_retailer_app_skus": ["sku_id", "sku_name", "category", "volume_ml", "list_price",
                                        "quantity_on_hand", "in_stock", "store_id", "is_seasonal"]},
    LOOKER_ORDERS_SQL: {"fct_orders": ["market", "status", "order_total", "ordered_at"]},
    LOOKER_TOP_SQL: {"top_selling_skus_by_market": ["market", "market_rank", "sku_id", "sku_name", "volume_ml",
                                                    "units_sold", "revenue", "category"]},
    METABASE_SQL: {"top_selling_skus_by_market": ["market", "market_rank", "sku_name", "volume_ml", "units_sold"]},
}


class Log:
    def __init__(self, con, rng: random.Random) -> None:
        self.con, self.rng = con, rng
        self.history: list[dict] = []
        self.access: list[dict] = []
        self.columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns "
                f"where table_catalog = '{DATABASE}' order by ordinal_position").fetchall():
            self.columns.setdefault((schema, table), []).append(column)
        self.views = {(s, v): self.tables(sql.split(" AS ", 1)[1]) for s, v, sql in con.execute(
            "select schema_name, view_name, sql from duckdb_views() where not internal").fetchall()}

    def tables(self, sql: str) -> set[tuple[str, str]]:
        """(schema, table) of every relation a query reads, as DuckDB's parser sees it."""
        out = set()
        for name in duckdb.get_table_names(sql, qualified=True):
            parts = name.split(" AS ")[0].replace('"', "").split(".")
            out.add((parts[-2] if len(parts) > 1 else SCHEMA, parts[-1]))
        return out

    def objects(self, reads: dict[tuple[str, str], list[str]]) -> list[dict]:
        out = []
        for (schema, table), cols in sorted(reads.items()):
            missing = set(cols) - set(self.columns.get((schema, table), []))
            assert not missing, f"{schema}.{table} lacks {missing}: the query log must match the warehouse"
            out.append({
                "objectDomain": "View" if (schema, table) in self.views else "Table",
                "objectId": zlib.crc32(f"{schema}.{table}".encode()) % 900000 + 100000,
                "objectName": f"{DATABASE}.{schema}.{table}",
                "columns": [{"columnId": zlib.crc32(f"{schema}.{table}.{c}".encode()) % 9000000 + 1000000,
                             "columnName": c} for c in cols],
            })
        return out

    def base(self, reads: dict[tuple[str, str], list[str]]) -> dict[tuple[str, str], list[str]]:
        """Views replaced by the tables under them (ACCESS_HISTORY's BASE_OBJECTS_ACCESSED)."""
        out = {}
        for rel, cols in reads.items():
            for under in self.views.get(rel, [rel]):
                out[under] = cols if under == rel else self.columns[under]
        return out

    def add(self, user: str, sql: str, start: datetime, reads: dict | None = None, *,
            seconds: float | None = None, query_type: str = "SELECT", modified: tuple | None = None,
            select: str | None = None, tag: str | None = None, status: str = "SUCCESS") -> None:
        """One query; `reads` maps table name to the columns read (default: all columns);
        `select` is the query inside a CREATE statement."""
        role, warehouse, default_tag = CONSUMERS[user]
        qid = "01c0{:04x}-0{:03x}-{:04x}-0000-{:012x}".format(
            start.day * 256 + start.hour, self.rng.getrandbits(12), self.rng.getrandbits(16),
            self.rng.getrandbits(48))
        rows = 0
        if query_type == "SELECT" and status == "SUCCESS":
            rows = len(self.con.execute(sql).fetchall())  # real rows, from the built warehouse
        if seconds is None:
            seconds = self.rng.uniform(0.08, 1.9)
        end = start + timedelta(seconds=seconds)
        self.history.append({
            "QUERY_ID": qid, "QUERY_TEXT": sql, "DATABASE_NAME": DATABASE, "SCHEMA_NAME": SCHEMA,
            "QUERY_TYPE": query_type, "USER_NAME": user, "ROLE_NAME": role, "WAREHOUSE_NAME": warehouse,
            "EXECUTION_STATUS": status, "START_TIME": stamp(start), "END_TIME": stamp(end),
            "TOTAL_ELAPSED_TIME": round(seconds * 1000), "ROWS_PRODUCED": rows,
            "QUERY_TAG": default_tag if tag is None else tag,
        })
        if status != "SUCCESS":
            return
        direct = {rel: (reads or {}).get(rel[1]) or self.columns[rel]
                  for rel in self.tables(select or sql)}
        self.access.append({
            "QUERY_ID": qid, "QUERY_START_TIME": stamp(start), "USER_NAME": user,
            "DIRECT_OBJECTS_ACCESSED": self.objects(direct),
            "BASE_OBJECTS_ACCESSED": self.objects(self.base(direct)),
            "OBJECTS_MODIFIED": self.objects({modified: self.columns[modified]}) if modified else [],
        })


def stamp(t: datetime) -> str:
    return t.isoformat(sep=" ", timespec="milliseconds")


def dbt_statements(log: Log, project: Path) -> None:
    """dbt's CREATE statements, from the archived run_results of each build and the manifest."""
    nodes = json.loads((project / "target" / "manifest.json").read_text())["nodes"]
    for run in sorted((project / "archive").glob("*_build/run_results.json")):
        results = json.loads(run.read_text())
        tag = json.dumps({"app": "dbt", "invocation_id": results["metadata"]["invocation_id"]})
        for r in results["results"]:
            node = nodes.get(r["unique_id"], {})
            if node.get("resource_type") != "model" or r["status"] != "success":
                continue
            execute = next(t for t in r["timing"] if t["name"] == "execute")
            start = datetime.fromisoformat(execute["started_at"].replace("Z", "+00:00"))
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            # compiled_code of the last build; earlier days differ only in SIM_* values
            sql = f"create or replace {kind} {DATABASE}.{SCHEMA}.{node['name']} as (\n{node['compiled_code'].strip()}\n)"
            log.add("DBT_PROD", sql, start, seconds=r["execution_time"], tag=tag,
                    query_type="CREATE_TABLE_AS_SELECT" if kind == "table" else "CREATE_VIEW",
                    modified=(SCHEMA, node["name"]), select=node["compiled_code"])


def write(project: Path) -> int:
    rng = random.Random(20261107)
    con = duckdb.connect(str(project / "warehouse.duckdb"), read_only=True)
    log = Log(con, rng)
    dbt_statements(log, project)
    first = datetime(2026, 11, 1, tzinfo=timezone.utc)
    stores = [r[0] for r in con.execute("select store_id from analytics.dim_stores order by 1").fetchall()]
    for day in range(7):
        d = first + timedelta(days=day)
        at = lambda h, m=0: d + timedelta(hours=h, minutes=m, seconds=rng.randrange(60))  # noqa: E731
        log.add("HIGHTOUCH_SVC", HIGHTOUCH_SQL, at(7, 30), COLUMNS_READ[HIGHTOUCH_SQL])
        log.add("BRAZE_INGEST", BRAZE_SQL, at(8), COLUMNS_READ[BRAZE_SQL])
        if day % 7 != 5:  # the Tableau workbook refreshes on weekdays... and Sundays
            log.add("TABLEAU_SVC", TABLEAU_SQL, at(9, 15), COLUMNS_READ[TABLEAU_SQL])
        for store in sorted(rng.sample(stores, 6)):
            log.add("RETAILER_APP_SVC", APP_SQL.format(store_id=store), at(rng.randrange(8, 20)),
                    COLUMNS_READ[APP_SQL], seconds=rng.uniform(0.05, 0.3))
        since = (d - timedelta(days=28)).strftime("%Y-%m-%d")
        log.add("LOOKER_SVC", LOOKER_ORDERS_SQL.format(since=since), at(9, 5), COLUMNS_READ[LOOKER_ORDERS_SQL])
        log.add("LOOKER_SVC", LOOKER_TOP_SQL, at(9, 6), COLUMNS_READ[LOOKER_TOP_SQL])
        log.add("METABASE_SVC", METABASE_SQL.format(market=rng.choice(["seattle", "denver", "austin"])),
                at(10, 40), COLUMNS_READ[METABASE_SQL])
        if day in (1, 2, 4, 5):
            log.add("MAYA_CHEN", NOTEBOOK_SQL, at(14, rng.randrange(60)), COLUMNS_READ[NOTEBOOK_SQL])
        if day == 4:  # a typo, then the real thing
            log.add("MAYA_CHEN", NOTEBOOK_SQL.replace("exp_top_items_salesforce", "exp_top_item_salesforce"),
                    at(13, 55), status="FAIL", tag="")
    con.close()

    out = project / "query_logs"
    out.mkdir(exist_ok=True)
    history = sorted(log.history, key=lambda r: r["START_TIME"])
    with open(out / "query_history.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(history)
    access = sorted(log.access, key=lambda r: r["QUERY_START_TIME"])
    # a JSON array, one query per line
    (out / "access_history.json").write_text("[\n" + ",\n".join(json.dumps(r) for r in access) + "\n]\n")
    return len(history)
