"""A big manifest read in pieces (collectors/dbt_artifacts/pieces.py) gives exactly the frames
of the whole parse: dbt-core's manifests of every version, a real dbt-duckdb project's, and
manifests built to put false cuts (inside strings, nested objects with dotted keys) in the way."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from polars.testing import assert_frame_equal

import collectors.artifact_phase as artifact_phase
from collectors.dbt_artifacts import parse_manifest, sniff, split_manifest
from collectors.dbt_artifacts.pieces import ManifestPieces
from console.errors import InputError

PATH = Path("target/manifest.json")


def whole_and_pieces(data: bytes, chunk_bytes: int) -> tuple[dict, dict, int]:
    """Frames of the whole parse, frames of the parse in pieces, and how many pieces were cut."""
    _, version, doc = sniff(PATH, data)
    whole = parse_manifest(PATH, doc, version)
    pieces = split_manifest(PATH, data, chunk_bytes=chunk_bytes)
    assert pieces is not None
    cut = 0
    original = pieces.chunks

    def counted():
        nonlocal cut
        for chunk in original():
            cut += 1
            yield chunk

    pieces.chunks = counted  # type: ignore[method-assign]
    return whole, parse_manifest(PATH, pieces, version), cut


def assert_same(whole: dict, split: dict) -> None:
    assert whole.keys() == split.keys()
    for table in whole:
        assert_frame_equal(whole[table], split[table], check_column_order=True)


@pytest.mark.parametrize("version", range(1, 13), ids=lambda v: f"v{v}")
def test_every_manifest_version_reads_the_same_in_pieces(version, manifest_fixture):
    data = manifest_fixture(version).read_bytes()
    whole, split, cut = whole_and_pieces(data, chunk_bytes=64)
    assert cut == len(orjson.loads(data)["nodes"]) - 1  # every entry but the last is a piece of its own
    assert_same(whole, split)


def test_a_real_project_reads_the_same_in_pieces(shop):
    data = shop.manifest.read_bytes()
    whole, split, cut = whole_and_pieces(data, chunk_bytes=256)
    assert cut >= 3
    assert_same(whole, split)
    owners = dict(zip(split["nodes"]["unique_id"].to_list(), split["nodes"]["owner"].to_list()))
    assert any(owners.values())  # a group's owner reached its model across the pieces


@pytest.mark.parametrize("chunk_bytes", [1, 300, 5_000, 10**9])
def test_many_models_with_tests_read_the_same_in_pieces(synthetic_manifest, chunk_bytes):
    data = synthetic_manifest(120, 2)
    whole, split, cut = whole_and_pieces(data, chunk_bytes)
    assert (cut == 0) == (chunk_bytes == 10**9)
    assert split["nodes"].filter(split["nodes"]["resource_type"] == "model").height == 120
    assert_same(whole, split)


def tricky_manifest(formatted: bool) -> bytes:
    """Nodes whose strings and nested objects hold what looks like the end of an entry."""
    lure = '}, "model.x.y": {'
    nodes = {}
    for i in range(40):
        uid = f"model.p.m{i}"
        nodes[uid] = {
            "resource_type": "model", "name": f"m{i}", "package_name": "p", "unique_id": uid,
            "raw_code": f"select '{lure}' as a{i} -- \\\" {lure}",
            "description": "ends like a cut: }",
            "meta": {"a.b": {"c.d": {"e": lure}}, "x.y.z": {"z": [1, {"w.v.u": {}}, {}]}, "a.b.c": {"d": {}}, "e.f.g": {}},
            "config": {"materialized": "view", "meta": {"owner": f"o{i}"}},
            "depends_on": {"nodes": [f"model.p.m{i - 1}"] if i else []},
            "columns": {"id.x": {"name": "id.x", "meta": {"k.l.m": {}}}, "ab.c.d": {"name": "ab.c.d"}},
        }
    doc = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "project_name": "p"},
        "nodes": nodes,
        "sources": {},
        "macros": {"macro.p.a": {"resource_type": "macro"}},
        "groups": {},
    }
    return json.dumps(doc, indent=2).encode() if formatted else orjson.dumps(doc)


@pytest.mark.parametrize("formatted", [False, True], ids=["compact", "indented"])
@pytest.mark.parametrize("chunk_bytes", [1, 200, 700])
def test_false_cuts_inside_strings_and_nested_objects_are_refused(formatted, chunk_bytes):
    whole, split, cut = whole_and_pieces(tricky_manifest(formatted), chunk_bytes)
    assert cut >= 1
    assert_same(whole, split)
    assert split["nodes"]["unique_id"].to_list() == [f"model.p.m{i}" for i in range(40)]


def test_nodes_not_at_the_top_level_first_is_parsed_whole():
    inside = b'{"metadata": {"x": {"nodes": {"a": {}}}}, "nodes": {}}'
    assert split_manifest(PATH, inside) is None  # the first "nodes" is nested: the head does not parse
    assert split_manifest(PATH, b'{"metadata": {}, "sources": {}}') is None
    assert split_manifest(PATH, b"[1, 2]") is None
    late = b'{"metadata": {}, "macros": {"m": "' + b"x" * 100 + b'"}, "nodes": {}}'
    assert split_manifest(PATH, late, chunk_bytes=1) is not None


def test_a_truncated_big_manifest_is_one_input_error_naming_the_file(synthetic_manifest):
    data = synthetic_manifest(40)
    cut = data[: len(data) - 2000]
    pieces = split_manifest(PATH, cut, chunk_bytes=3000)
    with pytest.raises(InputError) as error:
        parse_manifest(PATH, pieces, 12)
    assert "not valid JSON" in error.value.problem and "truncated" in error.value.problem
    at = int(error.value.problem.split(" at byte ")[1].split()[0])
    assert len(cut) - 10 <= at <= len(cut)  # where the file ends, not where the copy does


def test_broken_json_before_the_first_cut_is_the_same_input_error():
    data = b'{"metadata": {"dbt_schema_version": "x"}, "nodes": {"m.p.a": {"n": [1, 2}, "m.p.b": {}}}'
    pieces = split_manifest(PATH, data, chunk_bytes=1)
    assert list(pieces.chunks()) == []  # no cut parses
    with pytest.raises(InputError, match=r"not valid JSON: .* at byte"):
        pieces.rest()


def test_a_head_without_metadata_is_parsed_whole():
    assert split_manifest(PATH, b'{"nodes": {"m.p.a": {}, "m.p.b": {}}, "metadata": {}}', chunk_bytes=1) is None


def test_a_duplicate_unique_id_across_pieces_is_named():
    entry = '"model.p.a": {"resource_type": "model", "name": "a"}'
    data = ('{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}, "nodes": {'
            + ", ".join([entry, '"model.p.b": {"resource_type": "model"}', entry, '"model.p.c": {}']) + "}}").encode()
    pieces = split_manifest(PATH, data, chunk_bytes=1)
    with pytest.raises(InputError, match=r"nodes\['model.p.a'\]: the same unique_id appears"):
        parse_manifest(PATH, pieces, 12)


def test_a_bad_entry_in_a_piece_is_named(synthetic_manifest):
    doc = orjson.loads(synthetic_manifest(30))
    doc["nodes"]["model.test.model_00020"]["config"] = [1]
    pieces = split_manifest(PATH, orjson.dumps(doc), chunk_bytes=500)
    with pytest.raises(InputError, match=r"nodes\['model.test.model_00020'\]: config is a list"):
        parse_manifest(PATH, pieces, 12)


def test_the_collect_reads_a_big_target_manifest_in_pieces(synthetic_manifest, tmp_path, monkeypatch):
    """The artifact phase splits the target's manifest from KEEP_DOCUMENTS_BELOW bytes on."""
    from collectors.pipeline import collect
    from console.cli.options import resolve_locations
    from console.store import read_tables

    data = synthetic_manifest(60, 1)
    project = tmp_path / "p"
    (project / "target").mkdir(parents=True)
    (project / "target" / "manifest.json").write_bytes(data)
    split = []
    assert artifact_phase.KEEP_DOCUMENTS_BELOW > len(data)
    monkeypatch.setattr(artifact_phase, "KEEP_DOCUMENTS_BELOW", len(data) // 2)
    from collectors import dbt_artifacts

    def spy(path, data, chunk_bytes=4096):
        pieces = split_manifest(path, data, chunk_bytes)
        split.append(pieces)
        return pieces

    monkeypatch.setattr(dbt_artifacts, "split_manifest", spy)
    loc = resolve_locations(project, store=tmp_path / "store.duckdb")
    summary = collect(loc, sql_facts=False)
    assert len(split) == 1 and isinstance(split[0], ManifestPieces)
    frames = read_tables(loc.store, {"nodes": ["unique_id", "owner"], "edges": None})
    _, version, doc = sniff(PATH, data)
    expected = parse_manifest(PATH, doc, version)
    assert sorted(frames["nodes"]["unique_id"].to_list()) == sorted(expected["nodes"]["unique_id"].to_list())
    assert frames["edges"].height == expected["edges"].height
    assert summary.files_read == 1
