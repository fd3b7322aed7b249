"""The store: transactions, history keys, versions, and two processes at once (real DuckDB files)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from console.errors import InputError
from console.store import SCHEMA_VERSION, TABLES, open_writer, peek, read_tables


def _write_node(store: Path, uid: str) -> None:
    with open_writer(store, store.parent) as w:
        w.replace("nodes", pl.DataFrame({"unique_id": [uid], "resource_type": ["model"]}))
        w.finish({})


def test_new_store_has_every_table_and_the_schema_version(tmp_path):
    store = tmp_path / "s.duckdb"
    _write_node(store, "model.p.a")
    with duckdb.connect(str(store), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        version = con.execute("select value from meta where key='schema_version'").fetchall()[0][0]
    assert tables == set(TABLES)
    assert int(version) == SCHEMA_VERSION


def test_an_error_inside_a_collect_leaves_the_store_exactly_as_it_was(tmp_path):
    store = tmp_path / "s.duckdb"
    _write_node(store, "model.p.a")
    before = store.read_bytes()
    with pytest.raises(RuntimeError):
        with open_writer(store, tmp_path) as w:
            w.replace("nodes", pl.DataFrame({"unique_id": ["model.p.b"]}))
            w.append("invocations", pl.DataFrame({"invocation_id": ["i"], "kind": ["run_results"]}))
            raise RuntimeError("parser blew up half way")
    frames = read_tables(store, {"nodes": ["unique_id"], "invocations": None, "collects": None})
    assert frames["nodes"]["unique_id"].to_list() == ["model.p.a"]
    assert frames["invocations"].height == 0
    assert frames["collects"].height == 1
    assert store.read_bytes() == before


def test_history_rows_are_keyed_and_never_duplicated(tmp_path):
    store = tmp_path / "s.duckdb"
    inv = pl.DataFrame({"invocation_id": ["i1"], "kind": ["run_results"], "generated_at": ["2026-11-01T07:00:00Z"]})
    res = pl.DataFrame({"invocation_id": ["i1", "i1"], "unique_id": ["model.p.a", "model.p.b"], "status": ["success", "error"]})
    added = []
    for _ in range(2):
        with open_writer(store, tmp_path) as w:
            added.append((w.append("invocations", inv), w.append("node_results", res)))
            w.finish({})
    assert added == [(1, 2), (0, 0)]
    frames = read_tables(store, {"invocations": None, "node_results": None})
    assert frames["node_results"].height == 2
    assert str(frames["invocations"]["generated_at"][0]) == "2026-11-01 07:00:00"


def test_a_store_of_a_newer_version_is_refused_with_one_line(tmp_path):
    store = tmp_path / "s.duckdb"
    _write_node(store, "model.p.a")
    with duckdb.connect(str(store)) as con:
        con.execute("update meta set value = '999' where key = 'schema_version'")
    with pytest.raises(InputError, match="newer than this console supports"):
        read_tables(store, {"nodes": None})
    with pytest.raises(InputError, match="newer than this console supports"):
        with open_writer(store, tmp_path):
            pass


def test_a_duckdb_file_that_is_not_a_store_is_refused_untouched(tmp_path):
    other = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("create table orders as select 1 as id")
    with pytest.raises(InputError, match="not a console store"):
        with open_writer(other, tmp_path):
            pass
    with duckdb.connect(str(other), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.tables").fetchall()[0][0] == 1


def test_garbage_file_as_store_is_an_input_error(tmp_path):
    bad = tmp_path / "s.duckdb"
    bad.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(InputError) as e:
        read_tables(bad, {"nodes": None})
    assert str(e.value).startswith(str(bad)) and "\n" not in str(e.value)


def test_peek_on_a_missing_store_is_empty(tmp_path):
    assert peek(tmp_path / "none.duckdb") == {"artifact_hashes": set(), "file_stats": {}, "nodes": None, "edges": None, "adapter": None, "manifest_sha256": None, "project_files": {},
                                               "sources": None, "last_summary": None}


HOLD_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import polars as pl
    from console.store import open_writer
    store = Path(sys.argv[1])
    with open_writer(store, store.parent) as w:
        w.replace("nodes", pl.DataFrame({"unique_id": ["model.p.late"]}))
        print("holding", flush=True)
        time.sleep(1.5)
        w.finish({})
    """
)


def test_a_reader_waits_for_a_writer_in_another_process_then_sees_its_commit(tmp_path):
    store = tmp_path / "s.duckdb"
    _write_node(store, "model.p.a")
    writer = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(store)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "holding"
        t0 = time.monotonic()
        frames = read_tables(store, {"nodes": ["unique_id"]})
        waited = time.monotonic() - t0
    finally:
        writer.wait(timeout=30)
    assert writer.returncode == 0
    assert frames["nodes"]["unique_id"].to_list() == ["model.p.late"]
    assert waited > 0.5  # it queued behind the writer instead of failing


def test_two_readers_at_once_share_the_store(tmp_path):
    store = tmp_path / "s.duckdb"
    _write_node(store, "model.p.a")
    code = "import sys; from pathlib import Path; from console.store import read_tables; print(read_tables(Path(sys.argv[1]), {'nodes': ['unique_id']})['nodes'].height)"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(store)], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert outs == ["1", "1", "1"]


def test_a_failed_first_collect_leaves_no_store_behind(tmp_path):
    store = tmp_path / "new" / "store.duckdb"
    with pytest.raises(KeyboardInterrupt):
        with open_writer(store, tmp_path) as w:
            w.replace("nodes", pl.DataFrame({"unique_id": ["model.p.a"]}))
            raise KeyboardInterrupt  # Ctrl-C half way through the first collect
    assert not store.exists()
    with pytest.raises(InputError, match="no store here yet"):
        read_tables(store, {"nodes": None})


def test_an_empty_duckdb_file_asks_for_a_collect(tmp_path):
    store = tmp_path / "store.duckdb"
    duckdb.connect(str(store)).close()
    with pytest.raises(InputError, match="the store is empty; run `console collect` first"):
        read_tables(store, {"nodes": None})
