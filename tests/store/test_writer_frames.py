"""What the writer takes from a collect: frames of any column type, new stores, stored code.

Frames reach DuckDB through the Arrow PyCapsule interface (no pyarrow on a cold collect);
DuckDB 2.0 refuses Arrow's null type with nulls in it, so columns of polars' ``Null`` type
(an all-None column built without a dtype) must still be written as NULLs.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from console.store import open_writer, read_tables


def test_frames_with_null_typed_and_list_columns_are_written_as_they_are(tmp_path):
    store = tmp_path / "s.duckdb"
    nodes = pl.DataFrame(
        {
            "unique_id": ["model.p.a", "model.p.b"],
            "description": [None, None],  # polars' Null type
            "tags": [[None], []],  # List(Null)
            "fqn": [["p", "a"], None],
            "enabled": [True, None],
            "raw_code": ["select 1", None],
        }
    )
    assert nodes.schema["description"] == pl.Null and nodes.schema["tags"] == pl.List(pl.Null)
    with open_writer(store, tmp_path) as w:
        assert w.replace("nodes", nodes) == 2
        w.update("nodes", pl.DataFrame({"unique_id": ["model.p.b"], "owner": [None]}))
        w.upsert("file_stats", pl.DataFrame({"path": ["a"], "size": [1], "mtime_ns": [None], "sha256": ["h"]}))
        w.append("invocations", pl.DataFrame({"invocation_id": ["i"], "kind": ["run_results"], "generated_at": [dt.datetime(2026, 11, 1, 7)]}))
        w.delete_where_in("edges", "child_id", ["model.p.a"])
        w.finish({})
    frames = read_tables(store, {"nodes": ["unique_id", "description", "tags", "fqn", "enabled", "raw_code"], "file_stats": None, "invocations": ["generated_at"]})
    assert frames["nodes"].sort("unique_id").rows() == [
        ("model.p.a", None, [None], ["p", "a"], True, "select 1"),
        ("model.p.b", None, [], None, None, None),
    ]
    assert frames["file_stats"].rows() == [("a", 1, None, "h")]
    assert frames["invocations"]["generated_at"].to_list() == [dt.datetime(2026, 11, 1, 7)]


def test_collects_are_numbered_from_one_in_a_new_store_and_in_an_empty_duckdb_file(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()  # a DuckDB file without tables: made a store
    for store in (tmp_path / "new" / "s.duckdb", empty):
        store.parent.mkdir(exist_ok=True)
        ids = []
        for _ in range(2):
            with open_writer(store, tmp_path) as w:
                ids.append(w.collect_id)
                w.finish({})
        assert ids == [1, 2]
        assert read_tables(store, {"collects": ["collect_id"]})["collects"]["collect_id"].to_list() == [1, 2]


def test_the_models_code_is_stored_with_zstd(tmp_path):
    store = tmp_path / "s.duckdb"
    code = [f"select {i} as id, '{'x' * 200}' as padding from {{{{ ref('m{i % 50}') }}}}" for i in range(3000)]
    ids = [f"model.p.m{i}" for i in range(3000)]
    with open_writer(store, tmp_path) as w:
        w.replace("nodes", pl.DataFrame({"unique_id": ids, "raw_code": code, "compiled_code": code}))
        w.append("node_history", pl.DataFrame({"unique_id": ids, "checksum": ids, "collect_id": [1] * 3000, "raw_code": code}))
        w.finish({})
    with duckdb.connect(str(store), read_only=True) as con:
        methods = {
            (table, column): {r[0] for r in con.execute(
                f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') WHERE column_name = '{column}' AND segment_type = 'VARCHAR'"
            ).fetchall()}
            for table, column in (("nodes", "raw_code"), ("nodes", "compiled_code"), ("node_history", "raw_code"))
        }
    assert methods == {key: {"ZSTD"} for key in methods}
    assert read_tables(store, {"nodes": ["raw_code"]})["nodes"]["raw_code"].to_list() == code
