"""Query logs in a real collect: the store they fill, the caches that make a second collect free,
bad input as counted skips or one line and exit 2, and the sample project's story end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from collectors.pipeline import collect
from console.cli.options import resolve_locations
from tests.collectors.query_logs import logs

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_project"


def _collect(project: Path, store: Path, *logs_paths: Path):
    return collect(resolve_locations(project, query_logs=tuple(logs_paths), store=store))


def _rows(store: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _notes(summary) -> str:
    return "\n".join(summary.notes)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: shop\n")
    (root / "models" / "exp_crm.sql").write_text("select 1 as id\n")
    return root


def _history(folder: Path, n: int, name="query_history.csv", start=0):
    return logs.snowflake_history(folder, [
        {"QUERY_ID": f"q{i}", "QUERY_TEXT": f"select * from analytics.exp_crm where id = {i % 3}",
         "USER_NAME": "TABLEAU_SVC", "ROLE_NAME": "TABLEAU_READER", "START_TIME": f"2026-11-0{1 + i % 7} 09:00:00"}
        for i in range(start, start + n)
    ], name=name)


def test_a_log_collected_twice_is_read_once_and_adds_nothing(project, tmp_path):
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    _history(logs_dir, 30)
    store = tmp_path / "store.duckdb"
    first = _collect(project, store, logs_dir)
    assert "query logs: 1 file read, 30 rows added, 3 texts parsed, 0 cached" in _notes(first)
    assert _rows(store, "SELECT user_name, relation, query_count FROM query_consumers") == [
        ("TABLEAU_SVC", "analytics.exp_crm", 30)]
    second = _collect(project, store, logs_dir)
    assert "query logs: 0 files read, 1 unchanged, 0 rows added" in _notes(second)
    assert _rows(store, "SELECT count(*) FROM query_log") == [(30,)]


def test_each_distinct_text_is_parsed_once_ever(project, tmp_path):
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    store = tmp_path / "store.duckdb"
    _history(logs_dir, 30, name="day1.csv")
    _collect(project, store, logs_dir)
    _history(logs_dir, 30, name="day2.csv", start=30)  # new queries, the same three texts
    second = _collect(project, store, logs_dir)
    assert "1 unchanged, 30 rows added, 0 texts parsed, 3 cached" in _notes(second)
    assert _rows(store, "SELECT count(*), sum(query_count) FROM query_consumers") == [(1, 60)]
    assert _rows(store, "SELECT count(*) FROM query_texts") == [(3,)]


def test_overlapping_exports_count_each_query_once(project, tmp_path):
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    _history(logs_dir, 20, name="a.csv")
    _history(logs_dir, 20, name="b.csv", start=10)  # q10..q19 in both
    store = tmp_path / "store.duckdb"
    _collect(project, store, logs_dir)
    assert _rows(store, "SELECT count(*) FROM query_log") == [(30,)]
    assert _rows(store, "SELECT sum(query_count) FROM query_consumers") == [(30,)]


def test_snowflake_history_and_access_files_are_joined_on_query_id(project, tmp_path):
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    logs.snowflake_history(logs_dir, [
        {"QUERY_ID": "q1", "QUERY_TEXT": "select * from v_orders", "USER_NAME": "LOOKER_SVC", "START_TIME": "2026-11-01 09:00:00"},
        {"QUERY_ID": "q2", "QUERY_TEXT": "select * from analytics.exp_crm", "USER_NAME": "MAYA", "START_TIME": "2026-11-01 10:00:00"},
    ])
    logs.snowflake_access(logs_dir, [
        {"QUERY_ID": "q1", "QUERY_START_TIME": "2026-11-01 09:00:00", "USER_NAME": "LOOKER_SVC",
         "DIRECT_OBJECTS_ACCESSED": [logs.access_object("WAREHOUSE.ANALYTICS.FCT_ORDERS")]},
    ])
    store = tmp_path / "store.duckdb"
    _collect(project, store, logs_dir)
    assert _rows(store, "SELECT user_name, relation, database_name FROM query_consumers ORDER BY 1") == [
        ("LOOKER_SVC", "WAREHOUSE.ANALYTICS.FCT_ORDERS", "WAREHOUSE"),  # the log's objects, not the text's view
        ("MAYA", "analytics.exp_crm", "WAREHOUSE"),
    ]


def test_a_newer_pg_stat_statements_dump_replaces_the_counters(project, tmp_path):
    store = tmp_path / "store.duckdb"
    for calls in (10, 25):
        dump = tmp_path / f"dump{calls}"
        dump.mkdir()
        logs.pg_stat_statements(dump, [{"userid": 16390, "queryid": 7, "query": "select * from analytics.exp_crm", "calls": calls}])
        _collect(project, store, dump)
    assert _rows(store, "SELECT user_name, query_count, last_seen FROM query_consumers") == [("oid 16390", 25, None)]


def _consumers(store: Path) -> list[tuple]:
    return _rows(store, "SELECT user_name, role_name, warehouse_name, app, database_name, schema_name, relation, "
                        "query_count, first_seen, last_seen FROM query_consumers ORDER BY ALL")


def _recomputed(store: Path) -> list[tuple]:
    """``query_consumers`` as a full recompute from the stored ``query_log`` makes it."""
    import polars as pl

    from collectors.querylog_phase import consumers_summary

    con = duckdb.connect(str(store), read_only=True)
    try:
        log = con.sql("SELECT * FROM query_log").pl()
    finally:
        con.close()
    columns = ["user_name", "role_name", "warehouse_name", "app", "database_name", "schema_name", "relation",
               "query_count", "first_seen", "last_seen"]
    return sorted(consumers_summary(log).select(columns).with_columns(pl.col("query_count").cast(pl.Int64)).rows(),
                  key=lambda r: tuple((v is None, v if v is not None else 0) for v in r))


def test_newer_counters_update_consumers_by_difference_as_a_full_recompute_would(project, tmp_path):
    """Each new dump of pg_stat_statements replaces its statements' rows (cumulative counters):
    the consumers follow by difference (replaced rows out, new rows in) beside a Snowflake log
    with times, and equal a recompute from the whole log after every collect: a statement
    forgotten by the server keeps its last count, one never executed (calls 0) reads nothing."""
    store = tmp_path / "store.duckdb"
    history = tmp_path / "history"
    history.mkdir()
    _history(history, 6)
    _collect(project, store, history)
    texts = {7: "select * from analytics.exp_crm", 8: "select * from analytics.orders o join analytics.exp_crm c using (id)",
             9: "select * from raw.events", 10: "select count(*) from analytics.orders"}
    dumps = [  # (user oid, query id, calls) per collect
        [(16390, 7, 10), (16391, 8, 4), (16390, 9, 2)],
        [(16390, 7, 25), (16390, 9, 0), (16392, 10, 1)],  # 8 forgotten, 9 reset and planned only, 10 new
        [(16390, 7, 26), (16392, 10, 3), (16391, 8, 1)],  # 8 back after a reset
    ]
    expected = [
        {("oid 16390", "analytics.exp_crm"): 10, ("oid 16391", "analytics.orders"): 4, ("oid 16391", "analytics.exp_crm"): 4,
         ("oid 16390", "raw.events"): 2},
        {("oid 16390", "analytics.exp_crm"): 25, ("oid 16391", "analytics.orders"): 4, ("oid 16391", "analytics.exp_crm"): 4,
         ("oid 16392", "analytics.orders"): 1},
        {("oid 16390", "analytics.exp_crm"): 26, ("oid 16391", "analytics.orders"): 1, ("oid 16391", "analytics.exp_crm"): 1,
         ("oid 16392", "analytics.orders"): 3},
    ]
    for n, (dump_rows, want) in enumerate(zip(dumps, expected)):
        dump = tmp_path / f"dump{n}"
        dump.mkdir()
        logs.pg_stat_statements(dump, [{"userid": u, "queryid": q, "query": texts[q], "calls": c} for u, q, c in dump_rows])
        _collect(project, store, history, dump)
        consumers = _consumers(store)
        assert consumers == _recomputed(store)
        pg = {(r[0], r[6]): r[7] for r in consumers if r[0].startswith("oid ")}
        assert pg == want
        assert [r[7] for r in consumers if r[0] == "TABLEAU_SVC"] == [6]  # the Snowflake rows untouched, times kept
        assert [(r[8], r[9]) for r in consumers if r[0] == "TABLEAU_SVC"][0][0] is not None


def test_unexpected_rows_are_counted_skips_that_never_stop_the_collect(project, tmp_path):
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    (logs_dir / "queries.csv").write_text(
        "time,user,query\n2026-11-01 09:00:00,maya,select * from analytics.exp_crm\n"
        "2026-11-01 10:00:00,sam,select 1,unexpected\n2026-11-01 11:00:00,ann,\"select * from\"\"\n"
    )
    summary = _collect(project, tmp_path / "store.duckdb", logs_dir)
    notes = _notes(summary)
    assert "logs/queries.csv" in notes or "queries.csv: " in notes
    assert "rows skipped (line 3" in notes
    assert "1 could not be parsed" in notes or "rows skipped" in notes


def _console(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_an_unrecognised_log_is_exit_2_naming_the_file_and_the_expected_columns(project, tmp_path):
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    _history(logs_dir, 5)
    store = tmp_path / "store.duckdb"
    assert _console("collect", str(project), "--query-log", str(logs_dir), "--store", str(store)).returncode == 0
    before = store.read_bytes()
    (logs_dir / "weird.csv").write_text("a,b,c,d\n1,2,3,4\n")
    result = _console("collect", str(project), "--query-log", str(logs_dir), "--store", str(store))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(logs_dir / "weird.csv") in lines[0]
    assert "its columns are a, b, c, d; expected Snowflake QUERY_HISTORY (query_id, query_text" in lines[0]
    assert store.read_bytes() == before


def test_the_sample_story_tableau_undeclared_and_an_export_with_two_consumers(tmp_path):
    project = tmp_path / "sample_project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".console", "warehouse.duckdb"))
    result = _console("report", str(project), "--format", "json", "--store", str(tmp_path / "store.duckdb"), "--exit-zero")
    assert result.returncode == 0, result.stderr
    findings = [f for f in json.loads(result.stdout)["findings"] if f["category"] == "federation"]
    undeclared = {(f["node"].split(".")[-1], f["message"].split("`")[1]) for f in findings if f["rule"] == "FED001"}
    assert ("exp_top_items_crm", "TABLEAU_SVC") in undeclared
    assert not {u for _, u in undeclared} & {"HIGHTOUCH_SVC", "BRAZE_INGEST", "RETAILER_APP_SVC", "LOOKER_SVC", "DBT_PROD", "MAYA_CHEN"}
    tableau = next(f for f in findings if f["rule"] == "FED001" and "TABLEAU_SVC" in f["message"])
    assert "(Tableau, role TABLEAU_READER) read `exp_top_items_crm` 6 times" in tableau["message"]
    assert "ref('exp_top_items_crm')" in tableau["hint"] and "consumer_users: [TABLEAU_SVC]" in tableau["hint"]
    shared = next(f for f in findings if f["rule"] == "FED002" and f["node"].endswith("exp_top_items_salesforce"))
    assert "is read by 2 consumers: `HIGHTOUCH_SVC` (Hightouch" in shared["message"]
    assert "declared by `salesforce_store_pitch_sync`" in shared["message"] and "`MAYA_CHEN` (person" in shared["message"]
    assert not [f for f in findings if f["rule"] == "FED003"]


def test_an_access_history_file_arriving_later_completes_the_queries_stored_before(project, tmp_path):
    logs_dir = tmp_path / "logs"
    logs_dir.mkdir()
    store = tmp_path / "store.duckdb"
    logs.snowflake_history(logs_dir, [
        {"QUERY_ID": "q1", "QUERY_TEXT": "select * from v_orders", "USER_NAME": "LOOKER_SVC", "START_TIME": "2026-11-01 09:00:00"},
    ])
    _collect(project, store, logs_dir)
    assert _rows(store, "SELECT relation FROM query_consumers") == [("v_orders",)]  # parsed: the view as written
    logs.snowflake_access(logs_dir, [
        {"QUERY_ID": "q1", "QUERY_START_TIME": "2026-11-01 09:00:00", "USER_NAME": "LOOKER_SVC",
         "DIRECT_OBJECTS_ACCESSED": [logs.access_object("WAREHOUSE.ANALYTICS.FCT_ORDERS")]},
    ])
    summary = _collect(project, store, logs_dir)
    assert "query logs: 2 files read" in _notes(summary)
    assert _rows(store, "SELECT count(*) FROM query_log") == [(1,)]
    assert _rows(store, "SELECT relation, query_count FROM query_consumers") == [("WAREHOUSE.ANALYTICS.FCT_ORDERS", 1)]
