"""Finding artifact files and telling what they are; every bad file is one line naming it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from collectors.dbt_artifacts import ArtifactFile, discover, load_json, parse_manifest, parse_run_results, sniff
from console.errors import InputError


def input_error(path: Path, data: bytes) -> str:
    with pytest.raises(InputError) as caught:
        sniff(path, data)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def test_sniff_reads_every_fixture(manifest_fixture, run_results_fixture):
    for version in range(1, 13):
        path = manifest_fixture(version)
        assert sniff(path, path.read_bytes())[:2] == ("manifest", version)
    for version in (4, 5, 6):
        path = run_results_fixture(version)
        assert sniff(path, path.read_bytes())[:2] == ("run_results", version)


def test_truncated_json_says_so(manifest_fixture, tmp_path):
    data = manifest_fixture(12).read_bytes()
    message = input_error(tmp_path / "manifest.json", data[: len(data) // 2])
    assert "not valid JSON: unexpected end of data" in message
    assert "truncated" in message


def test_invalid_json_names_the_place(tmp_path):
    message = input_error(tmp_path / "manifest.json", b'{"metadata": {,}}')
    assert "not valid JSON:" in message and "line 1" in message


@pytest.mark.parametrize("data", [b"", b"  \n\t "])
def test_empty_file(tmp_path, data):
    assert "empty file" in input_error(tmp_path / "run_results.json", data)


@pytest.mark.parametrize("data", [bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n\x00\x00", b"\xff\xfe{\x00"])
def test_binary_garbage(tmp_path, data):
    assert "binary data, not a JSON file" in input_error(tmp_path / "manifest.json", data)


@pytest.mark.parametrize(
    ("data", "kind"), [(b"[1, 2]", "array"), (b'"manifest"', "string"), (b"null", "null"), (b"3", "number")]
)
def test_json_that_is_not_an_object(tmp_path, data, kind):
    assert f"is a JSON {kind}, not a dbt artifact" in input_error(tmp_path / "manifest.json", data)


@pytest.mark.parametrize("doc", [{}, {"metadata": {}}, {"metadata": []}, {"metadata": {"dbt_schema_version": 12}}])
def test_json_that_is_not_a_dbt_artifact(tmp_path, doc):
    message = input_error(tmp_path / "manifest.json", orjson.dumps(doc))
    assert "not a dbt artifact: no metadata.dbt_schema_version" in message


def test_unsupported_versions_say_which_are(manifest_fixture, tmp_path):
    doc = orjson.loads(manifest_fixture(12).read_bytes())
    doc["metadata"]["dbt_schema_version"] = "https://schemas.getdbt.com/dbt/manifest/v99.json"
    message = input_error(tmp_path / "manifest.json", orjson.dumps(doc))
    assert message.endswith("manifest schema v99 is not supported (supported: v1 to v12)")
    doc["metadata"]["dbt_schema_version"] = "https://schemas.getdbt.com/dbt/catalog/v2.json"
    assert "catalog schema v2 is not supported (supported: v1)" in input_error(tmp_path / "catalog.json", orjson.dumps(doc))


def test_unknown_artifact_kind(tmp_path):
    doc = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/semantic-manifest/v1.json"}}
    message = input_error(tmp_path / "other.json", orjson.dumps(doc))
    assert "unsupported dbt artifact 'semantic-manifest'" in message


def test_a_catalog_given_as_manifest(shop, tmp_path):
    wrong = tmp_path / "manifest.json"
    wrong.write_bytes(shop.catalog.read_bytes())
    message = input_error(wrong, wrong.read_bytes())
    assert message == f"{wrong}: named like a manifest file but holds a dbt catalog (v1)"
    assert sniff(tmp_path / "renamed.json", wrong.read_bytes())[0] == "catalog"  # no hint, no conflict


def test_load_json_reads_and_refuses(tmp_path, manifest_fixture):
    data, doc = load_json(manifest_fixture(1))
    assert doc["metadata"]["dbt_version"] == "0.19.2" and data.startswith(b"{")
    for path, problem in ((tmp_path / "missing.json", "no such file"), (tmp_path, "is a folder, not a file")):
        with pytest.raises(InputError, match=problem) as caught:
            load_json(path)
        assert str(caught.value).startswith(str(path))
    array = tmp_path / "array.json"
    array.write_bytes(b"[]")
    with pytest.raises(InputError, match="is a JSON array, expected a JSON object"):
        load_json(array)


def test_structural_errors_name_the_node(manifest_fixture):
    path = Path("target/manifest.json")
    doc = orjson.loads(manifest_fixture(12).read_bytes())
    doc["nodes"]["model.test.my_model"]["config"] = None  # a null config reads as empty
    assert parse_manifest(path, doc, 12)["nodes"].height == 15
    doc["nodes"]["model.test.my_model"]["depends_on"] = {"nodes": "model.test.other"}
    with pytest.raises(InputError) as caught:
        parse_manifest(path, doc, 12)
    assert str(caught.value) == (
        "target/manifest.json: unexpected shape at nodes['model.test.my_model']: depends_on.nodes is not a list"
    )
    doc = orjson.loads(manifest_fixture(12).read_bytes())
    doc["nodes"] = list(doc["nodes"].values())
    with pytest.raises(InputError, match=r"unexpected shape at nodes: nodes is a list, expected an object"):
        parse_manifest(path, doc, 12)
    doc = orjson.loads(manifest_fixture(12).read_bytes())
    doc["nodes"]["seed.test.my_seed"]["config"]["enabled"] = "yes"
    with pytest.raises(InputError, match=r"unexpected shape at 'seed.test.my_seed': enabled is a string \('yes'\)"):
        parse_manifest(path, doc, 12)


# -- discover ----------------------------------------------------------------------------------
def test_discover_target_and_archives(tmp_path):
    target = tmp_path / "target"
    archive = tmp_path / "archive"
    files = [
        target / "manifest.json",
        target / "sources.json",
        target / "graph_summary.json",
        target / "semantic_manifest.json",
        archive / "2026-11-02T07-00-00_build" / "run_results.json",
        archive / "2026-11-01T07-00-00_build" / "run_results.json",
        archive / "2026-11-01T07-00-00_build" / "manifest.json",
        archive / "run_results_20261101.json",
        archive / "sources_20261101.json",
        archive / "notes" / "readme.md",
        archive / "catalog.json.bak",
    ]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    found = discover(target, [archive, tmp_path / "no_archive"])
    assert found == [
        ArtifactFile(target / "manifest.json", "manifest"),
        ArtifactFile(target / "sources.json", "sources"),
        ArtifactFile(archive / "2026-11-01T07-00-00_build" / "manifest.json", "manifest"),
        ArtifactFile(archive / "2026-11-01T07-00-00_build" / "run_results.json", "run_results"),
        ArtifactFile(archive / "2026-11-02T07-00-00_build" / "run_results.json", "run_results"),
        ArtifactFile(archive / "run_results_20261101.json", "run_results"),
        ArtifactFile(archive / "sources_20261101.json", "sources"),
    ]
    assert discover(None, [target]) == [  # a folder given twice is read once
        ArtifactFile(target / "manifest.json", "manifest"),
        ArtifactFile(target / "sources.json", "sources"),
    ]
    assert discover(target, [target]) == found[:2]


def test_discover_refuses_a_missing_artifacts_folder(tmp_path):
    with pytest.raises(InputError, match="artifacts folder not found") as caught:
        discover(tmp_path / "target", [])
    assert str(caught.value).startswith(str(tmp_path / "target"))
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="takes a folder"):
        discover(tmp_path / "file", [])


def test_result_errors_name_the_result(run_results_fixture):
    path = Path("target/run_results.json")
    doc = orjson.loads(run_results_fixture(6).read_bytes())
    doc["results"][1]["failures"] = "three"
    with pytest.raises(InputError) as caught:
        parse_run_results(path, doc, 6)
    assert str(caught.value) == (
        "target/run_results.json: unexpected shape at 'model.test.metricflow_time_spine': failures is a string ('three')"
    )
    doc["results"][1]["failures"] = None
    doc["results"][0]["timing"][1]["started_at"] = "yesterday"
    with pytest.raises(InputError, match=r"at results\['model.test.my_model'\]: 'yesterday' is not an ISO-8601 timestamp"):
        parse_run_results(path, doc, 6)
