"""pg_stat_statements read live from a real server: a query log the federation rules see.

The session's server (``conftest.pg_shop``) preloads pg_stat_statements and has the extension
in ``shop``; a role ``tableau_svc`` reads the export ``analytics.exp_orders_crm`` that dbt
built, and the collect through the project's profile must name it in an FED001 finding.
"""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import polars as pl
import psycopg
import pytest

from collectors.pipeline import collect
from collectors.query_logs.pg_live import LiveLog
from collectors.querylog_phase import querylog_phase
from collectors.warehouse import Plan
from collectors.warehouse import postgres_engine as pg_engine
from collectors.warehouse.target import target_from_value
from console.cli.options import resolve_locations
from console.errors import InputError
from console.store import peek
from tests.warehouse.conftest import RAW_SQL, new_server

pytestmark = pytest.mark.slow

TABLEAU_SQL = """
CREATE ROLE tableau_svc LOGIN;
GRANT USAGE ON SCHEMA analytics TO tableau_svc;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO tableau_svc;
"""
#: A dashboard tile's query: its comment holds a quote, a comma and a newline (pg_stat_statements
#: keeps comments; the CSV the live rows travel through must keep them too).
TILE = "/* tile: \"revenue, by customer\"\n  it's live */ SELECT customer_id, revenue FROM analytics.exp_orders_crm WHERE orders > %s"


def _as_tableau(pg_shop, times: int) -> None:
    with psycopg.connect(host=pg_shop.server.socket_dir, port=pg_shop.server.port, user="tableau_svc", dbname="shop", autocommit=True) as con:
        for i in range(times):
            con.execute(TILE, [i]).fetchall()


@pytest.fixture(scope="module")
def tableau(pg_shop):
    """``tableau_svc`` has read the export 3 times."""
    pg_shop.server.psql(TABLEAU_SQL, dbname="shop")
    _as_tableau(pg_shop, 3)
    return pg_shop


def _report(pg_shop, store):
    done = subprocess.run(
        [sys.executable, "-m", "console", "report", str(pg_shop.project), "--profiles-dir", str(pg_shop.project),
         "--store", str(store), "--format", "json", "--exit-zero"],
        capture_output=True, text=True, env=pg_shop.env, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["findings"], done.stderr


def test_a_role_reading_the_export_is_an_undeclared_consumer_and_counts_are_replaced(tableau, tmp_path):
    store = tmp_path / "store.duckdb"
    findings, err = _report(tableau, store)
    assert "query logs: " in err and " read from pg_stat_statements of profile `pg_shop`, target `ci` (postgres postgres@" in err
    (fed,) = [f for f in findings if f["rule"] == "FED001"]
    assert fed["node"] == "model.pg_shop.exp_orders_crm"
    assert fed["message"].startswith("`tableau_svc` (Tableau, role tableau_svc) read `exp_orders_crm` 3 times")
    assert "the exposures on it (`crm_sync`) do not declare it" in fed["message"]

    con = duckdb.connect(str(store), read_only=True)
    try:
        rows = con.execute("SELECT user_name, calls, objects_read, source_file, query_id FROM query_log WHERE user_name = 'tableau_svc'").fetchall()
        texts = [t for (t,) in con.execute("SELECT t.query_text FROM query_log JOIN query_texts t USING (query_hash)").fetchall()]
    finally:
        con.close()
    (user, calls, objects, source, query_id), = rows
    assert (user, calls, objects) == ("tableau_svc", 3, ["analytics.exp_orders_crm"])
    assert source.startswith("pg_stat_statements of profile `pg_shop`") and query_id.startswith("pg:shop:tableau_svc:")
    assert any('"app": "dbt"' in t for t in texts)  # dbt's own statements are there (and not consumers)
    assert not [t for t in texts if "console-warehouse" in t]  # the console's own queries are left out
    assert "not-needed-with-trust" not in err + source

    _as_tableau(tableau, 2)  # the counters are cumulative: the next collect replaces, never adds
    findings, _ = _report(tableau, store)
    (fed,) = [f for f in findings if f["rule"] == "FED001"]
    assert "read `exp_orders_crm` 5 times" in fed["message"]


def _target(pg_shop, user="postgres"):
    return target_from_value(pg_shop.server.url("shop", user=user), base=pg_shop.project, source=None)


def test_live_rows_load_as_a_dump_of_the_view_does(tableau, tmp_path):
    """The same statements, read live and exported by hand with COPY, give the same query-log rows."""
    read = pg_engine.read(_target(tableau), Plan())
    live = read.statements.filter(pl.col("rolname") == "tableau_svc")
    dump = tmp_path / "logs" / "pg_stat_statements.csv"
    dump.parent.mkdir()
    with psycopg.connect(host=tableau.server.socket_dir, port=tableau.server.port, user="postgres", dbname="shop") as con:
        with con.cursor().copy(
            "COPY (SELECT s.queryid, r.rolname, d.datname, s.calls, s.query, s.toplevel FROM pg_stat_statements s "
            "JOIN pg_roles r ON r.oid = s.userid JOIN pg_database d ON d.oid = s.dbid "
            "WHERE r.rolname = 'tableau_svc' AND d.datname = 'shop') TO STDOUT WITH (FORMAT csv, HEADER)"
        ) as copy:
            dump.write_bytes(b"".join(bytes(chunk) for chunk in copy))
    store = tmp_path / "none.duckdb"
    from_dump = querylog_phase(resolve_locations(tableau.project, query_logs=(dump,), store=store), peek(store), None)
    from_live = querylog_phase(resolve_locations(tableau.project, store=store), peek(store), None, live=LiveLog("live", live))
    columns = ["query_id", "user_name", "role_name", "database_name", "calls", "query_hash", "objects_read", "app"]
    assert from_live.rows.select(columns).sort("query_id").to_dicts() == from_dump.rows.select(columns).sort("query_id").to_dicts()
    assert from_live.rows.height == 1 and from_live.rows["objects_read"].to_list() == [["analytics.exp_orders_crm"]]
    assert from_live.texts["query_text"].to_list()[0].startswith('/* tile: "revenue, by customer"\n  it\'s live */ SELECT')
    assert from_live.new_files == [] and from_live.seen_files == []  # not a file: no artifact_files, no file_stats


def test_a_role_sees_only_its_own_statements(tableau):
    """Without pg_read_all_stats, the other roles' texts read `<insufficient privilege>`: left out."""
    tableau.server.psql("GRANT USAGE ON SCHEMA raw TO tableau_svc", dbname="shop")
    read = pg_engine.read(_target(tableau, "tableau_svc"), Plan())
    assert set(read.statements["rolname"].to_list()) == {"tableau_svc"}
    assert not read.statements.filter(pl.col("query").str.contains("insufficient privilege")).height


def test_the_extension_installed_but_not_preloaded_is_a_skip(request):
    server = new_server(preload=False)
    request.addfinalizer(server.remove)
    request.addfinalizer(server.stop)
    server.psql("CREATE DATABASE shop")
    server.psql(RAW_SQL, dbname="shop")  # (creates the extension)
    read = pg_engine.read(target_from_value(server.url("shop"), base=server.folder, source=None), Plan())
    assert read.statements is None and {"orders", "customers"} <= set(read.relations["name"].to_list())
    (skip,) = read.skipped
    assert skip["what"] == "query log pg_stat_statements" and "shared_preload_libraries" in skip["reason"]


def test_no_extension_no_query_log(pg):
    pg.psql("CREATE DATABASE plain")
    read = pg_engine.read(target_from_value(pg.url("plain"), base=pg.folder, source=None), Plan())
    assert read.statements is None and read.skipped == []


def test_the_extension_views_are_not_relations_of_the_project(pg_shop):
    """pg_stat_statements' views live in ``public``: the extension's, never an orphan to flag."""
    read = pg_engine.read(_target(pg_shop), Plan())
    names = set(read.relations["name"].to_list()) | set(read.columns["name"].to_list())
    assert not {n for n in names if n.startswith("pg_stat_statements")}
    assert "fct_orders" in names


def _statement_reads(pg_shop) -> int:
    """How many times the console has read pg_stat_statements (the server counts its own reads)."""
    with psycopg.connect(host=pg_shop.server.socket_dir, port=pg_shop.server.port, user="postgres", dbname="shop") as con:
        (n,), = con.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query LIKE '%console-warehouse%' "
            "AND query LIKE '%pg_stat_statements%' AND query LIKE '%ORDER BY s.calls DESC%'"
        ).fetchall()
    return int(n)


def _collect_with(pg_shop, tmp_path, name: str, toml: str):
    config = tmp_path / f"{name}.toml"
    config.write_text(toml)
    store = tmp_path / f"{name}.duckdb"
    loc = resolve_locations(pg_shop.project, warehouse=pg_shop.server.url("shop"), store=store, config_file=config)
    before = _statement_reads(pg_shop)
    summary = collect(loc)
    con = duckdb.connect(str(store), read_only=True)
    try:
        users = {u for (u,) in con.execute("SELECT DISTINCT user_name FROM query_log").fetchall()}
        readers = {u for (u,) in con.execute("SELECT DISTINCT user_name FROM query_consumers").fetchall()}
    finally:
        con.close()
    return summary, users, readers, _statement_reads(pg_shop) - before


def test_query_log_switch_reads_pg_stat_statements_or_leaves_it_alone(tableau, tmp_path):
    """``[warehouse] query_log``: true (the default) reads the view, false does not query it at all."""
    summary, users, readers, reads = _collect_with(tableau, tmp_path, "on", "[warehouse]\nquery_log = true\n")
    assert reads == 1 and "tableau_svc" in users and "tableau_svc" in readers
    assert any(n.startswith("query logs: ") and "read from pg_stat_statements" in n for n in summary.notes)

    summary, users, readers, reads = _collect_with(tableau, tmp_path, "off", "[warehouse]\nquery_log = false\n")
    assert reads == 0 and users == set() and readers == set()
    assert not [n for n in summary.notes if "pg_stat_statements" in n]
    assert any(n.startswith("warehouse: ") and " relations" in n for n in summary.notes)  # the catalogue is still read


def test_query_log_switch_must_be_a_boolean(tmp_path):
    (tmp_path / "console.toml").write_text('[warehouse]\nquery_log = "no"\n')
    with pytest.raises(InputError) as e:
        resolve_locations(tmp_path)
    assert "query_log" in str(e.value) and "console.toml" in str(e.value)
