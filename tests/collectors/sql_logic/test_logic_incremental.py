"""The logic phase after one last-mile file changed: only that file's items are looked up, only
their ``logic_facts`` rows are replaced, and the table ends exactly as a fresh collect writes it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from collectors.pipeline import collect
from console.cli.options import resolve_locations

SAMPLE = Path(__file__).resolve().parents[3] / "sample_project"
HIGHTOUCH = Path("lastmile") / "hightouch" / "models" / "top_items_for_salesforce.yaml"
LOOKML = Path("lastmile") / "lookml" / "orders.view.lkml"
FACTS = "SELECT subject_id, content_hash, classification, relations, expressions FROM logic_facts WHERE subject_type = 'lastmile' ORDER BY 1"


def _rows(store: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _touch(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".console", "simulation", "archive"))
    return root


@pytest.mark.slow
def test_one_changed_file_replaces_only_its_rows(project, tmp_path):
    loc = resolve_locations(project, store=tmp_path / "store.duckdb")
    collect(loc)
    before = {r[0]: r for r in _rows(loc.store, FACTS)}
    assert any(k.startswith(f"lastmile.hightouch.{HIGHTOUCH.as_posix()}#") for k in before)
    assert any(k.startswith(f"lastmile.lookml.{LOOKML.as_posix()}#") for k in before)

    hightouch = project / HIGHTOUCH
    text = hightouch.read_text()
    assert "50" in text
    _touch(hightouch, text.replace("50", "75"))
    (project / LOOKML).unlink()
    summary = collect(loc)

    after = {r[0]: r for r in _rows(loc.store, FACTS)}
    changed = [k for k in after if k.startswith(f"lastmile.hightouch.{HIGHTOUCH.as_posix()}#")]
    assert changed and all(after[k][1] != before[k][1] for k in changed)
    assert not any(k.startswith(f"lastmile.lookml.{LOOKML.as_posix()}#") for k in after)
    # every analysed text belongs to the files the patch rebuilt, not to the whole last mile
    assert 0 < summary.logic_parsed + summary.logic_cached < len(before)
    untouched = [k for k in before if k in after and k not in changed]
    assert untouched and all(after[k] == before[k] for k in untouched)
    # the rows with SQL are exactly the stored items with SQL
    ids = {r[0] for r in _rows(loc.store, "SELECT artifact_id FROM lastmile_artifacts WHERE sql IS NOT NULL")}
    assert set(after) == ids

    fresh = resolve_locations(project, store=tmp_path / "fresh.duckdb")
    collect(fresh)
    assert _rows(fresh.store, FACTS) == _rows(loc.store, FACTS)


@pytest.mark.slow
def test_nothing_changed_analyses_nothing(project, tmp_path):
    loc = resolve_locations(project, store=tmp_path / "store.duckdb")
    collect(loc)
    before = _rows(loc.store, FACTS)
    summary = collect(loc)
    assert summary.logic_parsed == 0
    assert _rows(loc.store, FACTS) == before
