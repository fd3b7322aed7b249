"""Mutated real artifacts: the parsers either read them or raise InputError, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.dbt_artifacts import PARSERS, sniff
from console.errors import InputError

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
walk = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=7)
mutation = st.sampled_from(["delete", "replace", "rename", "to_list", "to_null"])


@pytest.fixture(scope="module")
def artifacts(manifest_fixture, run_results_fixture, shop) -> dict[str, bytes]:
    """Real artifacts of every kind, small enough to parse hundreds of times."""
    paths = {
        "manifest.json": manifest_fixture(12),
        "manifest_v7.json": manifest_fixture(7),
        "manifest_v1.json": manifest_fixture(1),
        "manifest_shop.json": shop.manifest,
        "run_results.json": run_results_fixture(6),
        "run_results_v4.json": run_results_fixture(4),
        "run_results_shop.json": shop.build_results,
        "sources.json": shop.sources,
        "catalog.json": shop.catalog,
    }
    return {name: path.read_bytes() for name, path in paths.items()}


def read(path: Path, data: bytes) -> None:
    """sniff + parse; an InputError must be one line naming the file."""
    try:
        kind, version, doc = sniff(path, data)
        PARSERS[kind](path, doc, version)
    except InputError as e:
        assert "\n" not in str(e) and str(e).startswith(f"{path}: ")


def parse_doc(path: Path, doc: object, kind: str, version: int) -> None:
    try:
        PARSERS[kind](path, doc, version)
    except InputError as e:
        assert "\n" not in str(e) and str(e).startswith(f"{path}: ")


def mutate(doc: dict, steps: list[int], how: str, value: object) -> None:
    """Walk into ``doc`` along ``steps`` (each picks a key or index) and change what is there."""
    parent: object = doc
    key: object = None
    for step in steps:
        container = parent if key is None else parent[key]  # type: ignore[index]
        if isinstance(container, dict) and container:
            parent, key = container, list(container)[step % len(container)]
        elif isinstance(container, list) and container:
            parent, key = container, step % len(container)
        else:
            break
    if key is None:
        return
    if how == "delete":
        del parent[key]  # type: ignore[attr-defined]
    elif how == "rename" and isinstance(parent, dict):
        parent[f"{key}_renamed"] = parent.pop(key)
    elif how == "to_list":
        old = parent[key]  # type: ignore[index]
        parent[key] = list(old.values()) if isinstance(old, dict) else [old]  # type: ignore[index]
    elif how == "to_null":
        parent[key] = None  # type: ignore[index]
    else:
        parent[key] = value  # type: ignore[index]


@FUZZ
@given(name=st.sampled_from(sorted(["manifest.json", "run_results_shop.json", "sources.json", "catalog.json"])),
       cut=st.floats(min_value=0, max_value=1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4))
def test_byte_mutations(artifacts, tmp_path, name, cut, flips):
    data = bytearray(artifacts[name])
    for where, byte in flips:
        data[int(where * (len(data) - 1))] = byte
    if cut < 0.3:
        data = data[: int(cut * len(data) / 0.3)]
    read(tmp_path / name, bytes(data))


@FUZZ
@given(name=st.sampled_from(sorted(["manifest.json", "manifest_v7.json", "manifest_v1.json", "manifest_shop.json"])),
       steps=walk, how=mutation, value=json_values, more=st.lists(st.tuples(walk, mutation, json_values), max_size=2))
def test_manifest_shape_mutations(artifacts, name, steps, how, value, more):
    path = Path(name)
    kind, version, doc = sniff(path, artifacts[name])
    for s, h, v in [(steps, how, value), *more]:
        mutate(doc, s, h, v)
    parse_doc(path, doc, kind, version)


@FUZZ
@given(name=st.sampled_from(sorted(["manifest.json", "manifest_shop.json"])),
       section=st.sampled_from(["nodes", "sources", "exposures", "groups", "unit_tests", "metrics"]),
       steps=walk, how=mutation, value=json_values)
def test_node_mutations(artifacts, name, section, steps, how, value):
    """Mutations inside one resource section, where most of the reading happens."""
    path = Path(name)
    kind, version, doc = sniff(path, artifacts[name])
    if doc.get(section):
        mutate(doc[section], steps, how, value)
    parse_doc(path, doc, kind, version)


@FUZZ
@given(name=st.sampled_from(sorted(["run_results.json", "run_results_v4.json", "run_results_shop.json", "sources.json", "catalog.json"])),
       steps=walk, how=mutation, value=json_values, more=st.lists(st.tuples(walk, mutation, json_values), max_size=2))
def test_results_shape_mutations(artifacts, name, steps, how, value, more):
    path = Path(name)
    kind, version, doc = sniff(path, artifacts[name])
    for s, h, v in [(steps, how, value), *more]:
        mutate(doc, s, h, v)
    parse_doc(path, doc, kind, version)
