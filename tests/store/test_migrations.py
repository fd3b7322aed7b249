"""A store written by an older release opens, upgrades, and keeps its history."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.errors import InputError
from console.store import SCHEMA_VERSION, TABLES, read_tables

FIXTURE = Path(__file__).parents[1] / "fixtures" / "stores" / "store_v1.duckdb"
SAMPLE = Path(__file__).parents[2] / "sample_project"


@pytest.fixture
def old_store(tmp_path) -> Path:
    store = tmp_path / "store.duckdb"
    shutil.copy(FIXTURE, store)
    return store


def _version(store: Path) -> int:
    with duckdb.connect(str(store), read_only=True) as con:
        return int(con.execute("select value from meta where key = 'schema_version'").fetchall()[0][0])


def test_reading_an_old_store_asks_for_a_collect(old_store):
    assert _version(old_store) == 1 < SCHEMA_VERSION
    with pytest.raises(InputError, match="run `console collect` to upgrade it"):
        read_tables(old_store, {"invocations": None})


def test_a_collect_upgrades_an_old_store_and_keeps_every_run(old_store, tmp_path):
    with duckdb.connect(str(old_store), read_only=True) as con:
        old_runs = {r[0] for r in con.execute("select invocation_id from invocations").fetchall()}
        old_collects = con.execute("select count(*) from collects").fetchall()[0][0]
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".console", "warehouse.duckdb"))
    summary = collect(resolve_locations(project, store=old_store), sql_facts=False)

    assert _version(old_store) == SCHEMA_VERSION
    frames = read_tables(old_store, {"invocations": ["invocation_id"], "collects": ["collect_id"], "lastmile_artifacts": None})
    new_runs = set(frames["invocations"]["invocation_id"].to_list())
    assert old_runs < new_runs  # nothing lost, the rest of the week added
    assert summary.runs_added == 4 and summary.freshness_added == 4  # days 3..6; day 1, 2 and 7 were there
    assert frames["collects"].height == old_collects + 1
    assert frames["lastmile_artifacts"].height > 0  # the new table exists and holds the sample's last mile
    with duckdb.connect(str(old_store), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert tables == set(TABLES)
