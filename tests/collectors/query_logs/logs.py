"""Small real query-log files of every shape the console reads, written as the tools write them.

Each writer takes a folder and rows, and writes the file the warehouse's own export would:
Snowflake's QUERY_HISTORY as CSV (Python's csv module quotes like Snowsight's download: only
when needed, quotes doubled) and ACCESS_HISTORY as a JSON array, BigQuery's JOBS as
newline-delimited JSON (``bq query --format=json`` / an export to GCS), pg_stat_statements as
psql's ``\\copy (...) TO 'f.csv' WITH (FORMAT csv, HEADER)`` writes it, and a plain CSV.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

SNOWFLAKE_COLUMNS = ["QUERY_ID", "QUERY_TEXT", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TYPE", "USER_NAME",
                     "ROLE_NAME", "WAREHOUSE_NAME", "EXECUTION_STATUS", "START_TIME", "END_TIME",
                     "TOTAL_ELAPSED_TIME", "ROWS_PRODUCED", "QUERY_TAG"]
PG_COLUMNS = ["userid", "dbid", "toplevel", "queryid", "query", "plans", "total_plan_time", "calls",
              "total_exec_time", "rows", "shared_blks_hit"]


def snowflake_history(folder: Path, rows: list[dict], name: str = "query_history.csv") -> Path:
    path = folder / name
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SNOWFLAKE_COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({"DATABASE_NAME": "WAREHOUSE", "SCHEMA_NAME": "ANALYTICS", "QUERY_TYPE": "SELECT",
                             "EXECUTION_STATUS": "SUCCESS", "END_TIME": r["START_TIME"], "TOTAL_ELAPSED_TIME": 120,
                             "ROWS_PRODUCED": 10, "QUERY_TAG": "", **r})
    return path


def access_object(name: str, domain: str = "Table") -> dict:
    return {"objectDomain": domain, "objectId": abs(hash(name)) % 100000, "objectName": name,
            "columns": [{"columnId": 1, "columnName": "id"}]}


def snowflake_access(folder: Path, rows: list[dict], name: str = "access_history.json") -> Path:
    path = folder / name
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n")
    return path


def bigquery_jobs(folder: Path, rows: list[dict], name: str = "jobs.json") -> Path:
    path = folder / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def pg_stat_statements(folder: Path, rows: list[dict], name: str = "pg_stat_statements.csv") -> Path:
    path = folder / name
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=PG_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({"dbid": 16384, "toplevel": "t", "plans": 0, "total_plan_time": 0, "total_exec_time": 1.5,
                             "rows": 3, "shared_blks_hit": 12, **r})
    return path


def plain_csv(folder: Path, rows: list[tuple[str, str, str]], name: str = "queries.csv", header=("time", "user", "query")) -> Path:
    path = folder / name
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path
