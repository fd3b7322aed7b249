"""A file in an archive outside the project may be anyone's: when it cannot be read (gone by the
time it is read, too big, unreadable) it is skipped with a note, as a broken one is; the same
problem in the project's own target is an input error.

On a shared machine `--archive /` walks other people's temporary folders, whose files come and
go between the walk and the read: that once ended a collect with "cannot read: No such file".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.errors import InputError


def _project(tmp_path: Path, manifest: bytes) -> Path:
    project = tmp_path / "p"
    (project / "target").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: test\nversion: '1.0'\n")
    (project / "target" / "manifest.json").write_bytes(manifest)
    return project


def test_an_unreadable_file_in_a_foreign_archive_is_skipped_with_a_note(tmp_path, synthetic_manifest, monkeypatch):
    monkeypatch.setenv("CONSOLE_MAX_FILE_MB", "1")
    project = _project(tmp_path, synthetic_manifest(5, 1))
    elsewhere = tmp_path / "shared" / "2026-11-01T07-00-00_build"
    elsewhere.mkdir(parents=True)
    (elsewhere / "run_results.json").write_bytes(b"{" + b" " * (2 << 20) + b"}")  # over the 1 MB limit
    summary = collect(resolve_locations(project, archive=(tmp_path / "shared",), store=tmp_path / "s.duckdb"), sql_facts=False)
    assert summary.files_read == 1  # the manifest
    assert any(note.startswith("skipped ") and "run_results.json" in note and "over the 1 MB limit" in note for note in summary.notes), summary.notes


def test_the_same_file_in_the_target_is_an_input_error(tmp_path, synthetic_manifest, monkeypatch):
    monkeypatch.setenv("CONSOLE_MAX_FILE_MB", "1")
    project = _project(tmp_path, synthetic_manifest(5, 1))
    (project / "target" / "run_results.json").write_bytes(b"{" + b" " * (2 << 20) + b"}")
    with pytest.raises(InputError, match="over the 1 MB limit"):
        collect(resolve_locations(project, store=tmp_path / "s.duckdb"), sql_facts=False)
    assert not (tmp_path / "s.duckdb").exists()
