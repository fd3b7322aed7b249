"""DuckDB warehouses: the sample project's real file, and files made here for the faults."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from collectors.warehouse import Plan, WarehouseUnavailable, read_warehouse
from collectors.warehouse import duckdb_engine
from collectors.warehouse._common import FreshnessRequest
from collectors.warehouse.target import WarehouseTarget, target_from_value

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
INVENTORY = FreshnessRequest("source.alcohol_marketplace.inventory_feed.inventory", "warehouse", "raw", "inventory", "_loaded_at")
STORE_INVENTORY = FreshnessRequest("source.x.raw.store_inventory", "warehouse", "raw", "store_inventory", "_loaded_at")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _target(path: Path) -> WarehouseTarget:
    return target_from_value(str(path), base=Path.cwd(), source=None)


def test_the_sample_warehouse_read_only_relations_columns_counts_and_freshness():
    path = SAMPLE / "warehouse.duckdb"
    before = _sha(path)
    read = read_warehouse(_target(path), Plan(freshness=(INVENTORY, STORE_INVENTORY), null_checks=("analytics.exp_retailer_*",)))
    assert _sha(path) == before and not path.with_name("warehouse.duckdb.wal").exists()
    rels = {(r["schema"], r["name"]): r for r in read.relations.iter_rows(named=True)}
    assert rels[("raw", "store_inventory")]["row_count"] == 8656 and rels[("raw", "store_inventory")]["table_type"] == "table"
    assert rels[("analytics", "stg_inventory")]["table_type"] == "view" and rels[("analytics", "stg_inventory")]["row_count"] is None
    assert set(read.relations["database"].to_list()) == {"warehouse"}
    assert read.bytes and read.bytes > 1_000_000
    types = {(r["name"], r["column_name"]): r["data_type"] for r in read.columns.iter_rows(named=True)}
    assert types[("inventory", "_loaded_at")] == "TIMESTAMP"
    fresh = {r["unique_id"]: str(r["max_loaded_at"]) for r in read.freshness.iter_rows(named=True)}
    assert fresh == {INVENTORY.unique_id: "2026-11-04 05:19:00", STORE_INVENTORY.unique_id: "2026-11-07 05:19:00"}
    nulls = {r["column_name"]: (r["row_count"], r["null_count"]) for r in read.nulls.iter_rows(named=True)}
    assert nulls["quantity_on_hand"] == (2083, 2083) and nulls["sku_id"] == (2083, 0)  # the story's NULL stock
    assert read.skipped == []


def test_extensions_are_never_autoloaded_or_installed():
    con = duckdb_engine.connect(_target(SAMPLE / "warehouse.duckdb"))
    try:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('autoload_known_extensions', 'autoinstall_known_extensions', 'access_mode')"
        ).fetchall())
    finally:
        con.close()
    assert settings == {"autoload_known_extensions": "false", "autoinstall_known_extensions": "false", "access_mode": "read_only"}


@pytest.fixture
def slow_file(tmp_path):
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.events AS SELECT TIMESTAMP '2026-11-07 05:00' AS _loaded_at")
    con.execute("CREATE VIEW raw.firehose AS SELECT TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND AS _loaded_at FROM range(100000000000) t(i)")
    con.close()
    return path


def test_a_query_past_its_budget_is_interrupted_and_the_rest_is_read(slow_file):
    firehose = FreshnessRequest("source.p.raw.firehose", None, "raw", "firehose", "_loaded_at")
    events = FreshnessRequest("source.p.raw.events", None, "raw", "events", "_loaded_at")
    gone = FreshnessRequest("source.p.raw.gone", None, "raw", "gone", "_loaded_at")
    bad = FreshnessRequest("source.p.raw.bad", None, "raw", "events", "select 1")
    read = read_warehouse(_target(slow_file), Plan(freshness=(firehose, events, gone, bad), freshness_timeout=1.0))
    (skip,) = read.skipped
    assert skip == {"what": "freshness of source.p.raw.firehose",
                    "reason": "max(_loaded_at) on raw.firehose outlived the freshness budget of 1 s"}
    rows = {r["unique_id"]: (r["max_loaded_at"], r["error"]) for r in read.freshness.iter_rows(named=True)}
    assert str(rows[events.unique_id][0]) == "2026-11-07 05:00:00"
    assert rows[gone.unique_id] == (None, "relation raw.gone is not in the warehouse")
    assert rows[bad.unique_id][1] == "loaded_at_field `select 1` is a query, not an expression"


def test_a_file_held_by_a_writer_or_missing_is_unavailable_naming_the_target(slow_file, request):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(slow_file)!r})
            print("held", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    request.addfinalizer(holder.wait)
    request.addfinalizer(holder.kill)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WarehouseUnavailable, match=rf"^duckdb {slow_file}: cannot open {slow_file} read-only: "):
        read_warehouse(_target(slow_file), Plan())
    gone = WarehouseTarget("duckdb", "profile `p`, target `dev` (duckdb nowhere.duckdb)", {"path": str(slow_file.parent / "nowhere.duckdb")})
    with pytest.raises(WarehouseUnavailable, match=r"^profile `p`, target `dev` \(duckdb nowhere.duckdb\): no DuckDB file at "):
        read_warehouse(gone, Plan())


def test_a_corrupt_file_is_unavailable(tmp_path):
    path = tmp_path / "wh.duckdb"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(WarehouseUnavailable, match="cannot open"):
        read_warehouse(_target(path), Plan())


def test_the_source_freshness_filter_is_applied_as_dbt_applies_it(slow_file):
    kept = FreshnessRequest("source.p.raw.kept", None, "raw", "events", "_loaded_at", "_loaded_at >= DATE '2026-11-01'")
    none = FreshnessRequest("source.p.raw.none", None, "raw", "events", "_loaded_at", "_loaded_at < DATE '2026-01-01'")
    bad = FreshnessRequest("source.p.raw.bad", None, "raw", "events", "_loaded_at", "drop table raw.events")
    read = read_warehouse(_target(slow_file), Plan(freshness=(kept, none, bad)))
    rows = {r["unique_id"]: (r["max_loaded_at"], r["error"]) for r in read.freshness.iter_rows(named=True)}
    assert str(rows[kept.unique_id][0]) == "2026-11-07 05:00:00"
    assert rows[none.unique_id] == (None, None)  # nothing passes the filter: WHS004 calls the source empty
    assert rows[bad.unique_id] == (None, "freshness filter `drop table raw.events` is not a condition")
