"""A real PostgreSQL server per session, and a schema real dbt (dbt-postgres) built in it.

The server (``tests/warehouse/pg_server.py``) listens on a Unix socket in its own temporary
folder and is stopped by the fixture's finalizer, also when a test fails. ``pg_shop`` loads
two raw tables (``raw.orders`` fresh, ``raw.customers`` loaded a week earlier), a schema
``secret`` that the role ``reader`` may not use, and runs ``dbt build`` of
``tests/fixtures/warehouse_pg_project`` into the schema ``analytics``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.warehouse.pg_server import PgServer, pg_bin, start_server

PG_PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "warehouse_pg_project"
DBT = Path(sys.executable).with_name("dbt")

RAW_SQL = """
CREATE SCHEMA raw;
CREATE TABLE raw.orders (order_id int, customer_id int, amount numeric(10, 2), _loaded_at timestamp);
INSERT INTO raw.orders SELECT i, i % 7, i * 1.5, timestamp '2026-11-07 05:00' FROM generate_series(1, 40) i;
CREATE TABLE raw.customers (customer_id int, email text, _loaded_at timestamptz);
INSERT INTO raw.customers SELECT i, 'c' || i || '@example.com', timestamptz '2026-11-01 05:00+00' FROM generate_series(0, 6) i;
CREATE SCHEMA secret;
CREATE TABLE secret.salaries (who text, amount int);
CREATE ROLE reader LOGIN;
GRANT USAGE ON SCHEMA raw TO reader;
GRANT SELECT ON ALL TABLES IN SCHEMA raw TO reader;
CREATE EXTENSION pg_stat_statements;
"""


def pg_env(server: PgServer) -> dict[str, str]:
    return {**os.environ, "PG_TEST_SOCKET_DIR": server.socket_dir, "PG_TEST_PORT": str(server.port),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}


def new_server(preload: bool = True) -> PgServer:
    if pg_bin() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    return start_server(preload)


@pytest.fixture(scope="session")
def pg(request) -> PgServer:
    """A running server for the session; stopped and removed at the end, whatever happens."""
    server = new_server()
    request.addfinalizer(server.remove)
    request.addfinalizer(server.stop)
    return server


@dataclass
class PgShop:
    server: PgServer
    project: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def pg_shop(pg, tmp_path_factory) -> PgShop:
    """Database ``shop`` with raw tables and the dbt project built into ``analytics``."""
    pg.psql("CREATE DATABASE shop")
    pg.psql(RAW_SQL, dbname="shop")
    project = tmp_path_factory.mktemp("pg") / "pg_shop"
    shutil.copytree(PG_PROJECT, project)
    env = pg_env(pg)
    done = subprocess.run([str(DBT), "build", "--profiles-dir", str(project)], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    return PgShop(pg, project, env)
