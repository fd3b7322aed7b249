"""Every query-log format read from a real file of its shape, with DuckDB's own readers."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from collectors.query_logs.load import connect, load_file, sniff
from console.errors import InputError
from tests.collectors.query_logs import logs

TABLEAU_SQL = 'SELECT "crm"."market" AS "market"\nFROM "ANALYTICS"."EXP_CRM" "crm"\nGROUP BY 1'


def _load(path, dialect="duckdb"):
    con = connect()
    fmt, columns, header = sniff(con, path)
    skips = load_file(con, path, fmt, columns, header, "f", fmt.dialect or dialect)
    rows = con.execute("SELECT * EXCLUDE (query_text) FROM f ORDER BY query_id").fetchall()
    names = [d[0] for d in con.execute("SELECT * EXCLUDE (query_text) FROM f LIMIT 0").description]
    texts = [r[0] for r in con.execute("SELECT query_text FROM f ORDER BY query_id").fetchall()]
    con.close()
    return fmt.name, [dict(zip(names, r)) for r in rows], texts, skips


def test_snowflake_query_history_csv_with_multiline_texts_and_tags(tmp_path):
    path = logs.snowflake_history(tmp_path, [
        {"QUERY_ID": "q1", "QUERY_TEXT": TABLEAU_SQL, "USER_NAME": "TABLEAU_SVC", "ROLE_NAME": "TABLEAU_READER",
         "WAREHOUSE_NAME": "BI_WH", "START_TIME": "2026-11-01 09:15:02.123 -0800"},
        {"QUERY_ID": "q2", "QUERY_TEXT": "select 1", "USER_NAME": "LOOKER_SVC", "START_TIME": "2026-11-01 10:00:00.000 +0000",
         "QUERY_TAG": '{"app": "Looker", "dashboard": 42}', "EXECUTION_STATUS": "FAILED_WITH_ERROR"},
        {"QUERY_ID": "q3", "QUERY_TEXT": "/* {\"app\": \"dbt\", \"node_id\": \"model.x.y\"} */ create table t as select 1",
         "USER_NAME": "TRANSFORMER", "START_TIME": "2026-11-01 11:00:00"},
    ])
    fmt, rows, texts, skips = _load(path)
    assert fmt == "snowflake_history" and skips.count == 0
    tableau, looker, dbt = rows
    assert texts[0] == TABLEAU_SQL
    assert tableau["started_at"] == dt.datetime(2026, 11, 1, 17, 15, 2, 123000)  # -08:00 to UTC
    assert (tableau["user_name"], tableau["role_name"], tableau["warehouse_name"], tableau["database_name"]) == (
        "TABLEAU_SVC", "TABLEAU_READER", "BI_WH", "WAREHOUSE")
    assert tableau["objects_read"] is None and tableau["ok"] and len(tableau["query_hash"]) == 16
    assert (looker["app"], looker["ok"]) == ("looker", False)
    assert dbt["app"] == "dbt"


def test_snowflake_access_history_json_gives_the_objects_read(tmp_path):
    path = logs.snowflake_access(tmp_path, [
        {"QUERY_ID": "q1", "QUERY_START_TIME": "2026-11-01 09:15:02.123+00:00", "USER_NAME": "TABLEAU_SVC",
         "DIRECT_OBJECTS_ACCESSED": [logs.access_object("WAREHOUSE.ANALYTICS.EXP_CRM", "View"),
                                     logs.access_object("WAREHOUSE.PUBLIC.MY_STAGE", "Stage")],
         "BASE_OBJECTS_ACCESSED": [logs.access_object("WAREHOUSE.ANALYTICS.BASE_TABLE")], "OBJECTS_MODIFIED": []},
    ])
    fmt, rows, _, _ = _load(path)
    assert fmt == "snowflake_access"
    assert rows[0]["objects_read"] == ["WAREHOUSE.ANALYTICS.EXP_CRM"]  # direct objects; stages are no relations


def test_snowflake_history_joined_with_access_in_one_csv(tmp_path):
    path = tmp_path / "joined.csv"
    objects = json.dumps([logs.access_object("WAREHOUSE.ANALYTICS.EXP_CRM")])
    path.write_text(
        "QUERY_ID,QUERY_TEXT,USER_NAME,START_TIME,DIRECT_OBJECTS_ACCESSED\n"
        f'q1,select 1,BRAZE_INGEST,2026-11-01 08:00:00,"{objects.replace(chr(34), chr(34) * 2)}"\n'
    )
    fmt, rows, _, _ = _load(path)
    assert fmt == "snowflake_history" and rows[0]["objects_read"] == ["WAREHOUSE.ANALYTICS.EXP_CRM"]


def test_bigquery_jobs_with_referenced_tables_labels_and_errors(tmp_path):
    table = {"project_id": "acme-prod", "dataset_id": "analytics", "table_id": "exp_crm"}
    path = logs.bigquery_jobs(tmp_path, [
        {"project_id": "acme-prod", "job_id": "bquxjob_1", "creation_time": "2026-11-01 09:00:00.123 UTC",
         "user_email": "looker@acme-prod.iam.gserviceaccount.com", "query": "SELECT market FROM `acme-prod.analytics.exp_crm`",
         "statement_type": "SELECT", "state": "DONE", "referenced_tables": [table],
         "labels": [{"key": "app", "value": "Looker"}], "error_result": None},
        {"project_id": "acme-prod", "job_id": "bquxjob_2", "creation_time": "2026-11-01 10:00:00 UTC",
         "user_email": "maya@acme.com", "query": "SELECT * FROM analytics.missing", "statement_type": "SELECT",
         "state": "DONE", "referenced_tables": [], "labels": [],
         "error_result": {"reason": "notFound", "message": "Not found: Table acme-prod:analytics.missing"}},
    ])
    fmt, rows, _, _ = _load(path)
    assert fmt == "bigquery_jobs"
    looker, failed = rows
    assert looker["query_id"] == "acme-prod:bquxjob_1" and looker["database_name"] == "acme-prod"
    assert looker["objects_read"] == ["acme-prod.analytics.exp_crm"] and looker["app"] == "looker" and looker["ok"]
    assert looker["started_at"] == dt.datetime(2026, 11, 1, 9, 0, 0, 123000)
    assert (failed["ok"], failed["execution_status"]) == (False, "ERROR")


def test_pg_stat_statements_dump_counts_calls_without_times(tmp_path):
    path = logs.pg_stat_statements(tmp_path, [
        {"userid": 16390, "queryid": -4425310853170741563, "query": "SELECT sku_id, sku_name\nFROM analytics.exp_crm\nWHERE market = $1", "calls": 1840},
        {"userid": 10, "queryid": 77, "query": "SELECT 1", "calls": 3},
    ])
    fmt, rows, texts, _ = _load(path)
    assert fmt == "pg_stat_statements"
    app = next(r for r in rows if r["calls"] == 1840)
    assert app["user_name"] == "oid 16390" and app["started_at"] is None
    assert app["query_id"] == "pg:16384:oid 16390:-4425310853170741563:t"
    assert "FROM analytics.exp_crm" in texts[[r["calls"] for r in rows].index(1840)]


def test_pg_stat_statements_with_role_names_joined_in(tmp_path):
    path = tmp_path / "pgss.csv"
    path.write_text('rolname,datname,queryid,query,calls\nmetabase,shop,12,"select * from public.orders",40\n')
    _, rows, _, _ = _load(path)
    assert (rows[0]["user_name"], rows[0]["role_name"], rows[0]["database_name"], rows[0]["calls"]) == ("metabase", "metabase", "shop", 40)


@pytest.mark.parametrize("header", [("time", "user", "query"), ("Timestamp", "UserName", "SQL"), None])
def test_plain_csv_of_time_user_query_with_any_usual_header_or_none(tmp_path, header):
    path = logs.plain_csv(tmp_path, [("2026-11-01T09:00:00Z", "maya", "select * from analytics.exp_crm"),
                                     ("2026-11-01T09:00:00Z", "maya", "select * from analytics.exp_crm"),
                                     ("2026-11-02T09:00:00Z", "sam", "select 1")], header=header)
    fmt, rows, _, skips = _load(path)
    assert fmt == "plain" and skips.count == 0
    assert sorted(r["user_name"] for r in rows) == ["maya", "maya", "sam"]
    assert len({r["query_id"] for r in rows}) == 3  # the same query twice at the same time is two queries


def test_rows_a_reader_cannot_take_are_counted_by_line(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "time,user,query\n"
        "2026-11-01 09:00:00,maya,\"select *\nfrom a\"\n"   # lines 2-3
        "yesterday,sam,select 1\n"                          # line 4: not a time
        "2026-11-01 10:00:00,sam,select 2,extra\n"          # line 5: a field too many
        "2026-11-01 11:00:00,,select 3\n"                   # no user
        "2026-11-01 12:00:00,ann,select 4\n"
    )
    _, rows, _, skips = _load(path)
    assert sorted(r["user_name"] for r in rows) == ["ann", "maya"]
    assert skips.count == 3
    assert skips.where[:2] == ["line 4", "line 5"]


def test_a_file_of_no_known_format_names_its_columns_and_the_expected_ones(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id,when,who,what,where\n1,2,3,4,5\n")
    with pytest.raises(InputError) as e:
        sniff(connect(), path)
    message = str(e.value)
    assert message.startswith(f"{path}: not a query log this console recognises: its columns are id, when, who, what, where")
    for expected in ("Snowflake QUERY_HISTORY (query_id, query_text, user_name, start_time", "ACCESS_HISTORY",
                     "BigQuery INFORMATION_SCHEMA.JOBS (job_id, query, user_email, creation_time",
                     "pg_stat_statements (query, calls, userid", "plain CSV of (time, user, query)"):
        assert expected in message


def test_json_that_does_not_parse_is_an_input_error(tmp_path):
    path = tmp_path / "jobs.json"
    path.write_text('[{"job_id": "x", ')
    with pytest.raises(InputError, match="cannot be read as a JSON query log"):
        sniff(connect(), path)


def test_the_comment_a_tool_adds_to_its_sql_names_the_tool(tmp_path):
    metabase = "-- Metabase:: userID: 7 queryType: native queryHash: 9f2c\nselect * from analytics.exp_crm"
    looker = "SELECT 1 FROM analytics.fct_orders\n-- Looker Query Context '{\"user_id\":3,\"history_slug\":\"ab\"}'"
    path = logs.plain_csv(tmp_path, [("2026-11-01T09:00:00Z", "bi_ro", metabase), ("2026-11-01T09:05:00Z", "bi_ro", looker),
                                     ("2026-11-01T09:10:00Z", "bi_ro", "select 2")])
    _, rows, texts, _ = _load(path)
    apps = {text.splitlines()[0][:12]: row["app"] for row, text in zip(rows, texts)}
    assert sorted(apps.values(), key=str) == sorted(["metabase", "looker", None], key=str)


def test_bigquery_jobs_exported_as_csv_with_json_text_columns(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text(
        "project_id,job_id,creation_time,user_email,query,statement_type,state,referenced_tables,labels,error_result\n"
        'acme-prod,j1,2026-11-01 09:00:00.123000 UTC,looker@acme-prod.iam.gserviceaccount.com,SELECT 1,SELECT,DONE,'
        '"[{""project_id"":""acme-prod"",""dataset_id"":""analytics"",""table_id"":""exp_crm""}]",'
        '"[{""key"":""app"",""value"":""looker""}]",\n'
        'acme-prod,j2,2026-11-01 10:00:00 UTC,maya@acme.com,SELECT 2,SELECT,DONE,[],[],"{""reason"":""notFound""}"\n'
    )
    fmt, rows, _, skips = _load(path)
    assert fmt == "bigquery_jobs" and skips.count == 0
    assert [(r["objects_read"], r["app"], r["ok"], r["execution_status"]) for r in rows] == [
        (["acme-prod.analytics.exp_crm"], "looker", True, "DONE"), ([], None, False, "ERROR")]
