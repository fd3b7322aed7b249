"""The project-files snapshot (:mod:`collectors.dbt_project.file_snapshot`): what it follows and
how it reads."""

from __future__ import annotations

import os
from pathlib import Path

from collectors.dbt_project.file_snapshot import _read, take, watched


def _project(root: Path, yml: str = "name: shop\nconfig-version: 2\n") -> Path:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(yml)
    (root / "models" / "a.sql").write_text("select 1\n")
    return root


def test_subprojects_are_followed_each_with_its_own_paths(tmp_path):
    _project(tmp_path / "one", "name: one\nmodel-paths: [src]\npackages-install-path: vendor\n")
    _project(tmp_path / "two", "name: two\n")
    folders, files = watched(tmp_path)
    rel = sorted(os.path.relpath(f, tmp_path) for f in folders)
    assert "one/src" in rel and "one/vendor" in rel and "two/models" in rel and "two/dbt_packages" in rel
    assert "one/models" not in rel
    assert str(tmp_path / "two" / "dbt_project.yml") in files
    rows = take(tmp_path, {}).rows
    assert "two/models/a.sql" in rows and "one/dbt_project.yml" in rows and "one/models/a.sql" not in rows


def test_a_new_subproject_is_seen(tmp_path):
    _project(tmp_path / "one", "name: one\n")
    before = take(tmp_path, {}).rows
    _project(tmp_path / "two", "name: two\n")
    assert set(take(tmp_path, before).rows) - set(before) == {"two/dbt_project.yml", "two/models/a.sql"}


def test_a_folder_inside_another_is_walked_once(tmp_path):
    _project(tmp_path, "name: shop\nmodel-paths: [models]\ntest-paths: [models/tests]\n")
    folders, _ = watched(tmp_path)
    assert [os.path.relpath(f, tmp_path) for f in folders if "models" in f] == ["models"]


def test_projects_that_cannot_be_read_are_walked_whole(tmp_path):
    _project(tmp_path, "name: [unclosed\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.sql").write_text("select 1\n")
    assert watched(tmp_path) == ([str(tmp_path)], [])
    assert "elsewhere/x.sql" in take(tmp_path, {}).rows
    (tmp_path / "other").mkdir()
    assert watched(tmp_path / "other") == ([str(tmp_path / "other")], [])  # no dbt_project.yml anywhere


def test_a_file_read_whole_even_when_it_grew_since_the_walk(tmp_path):
    path = tmp_path / "m.sql"
    path.write_bytes(b"0123456789")
    assert _read(str(path), 3, 100) == b"0123456789"
    assert _read(str(path), 10, 100) == b"0123456789"
    assert _read(str(path), 3, 5) == b"012345"  # never more than the limit and one byte
    assert _read(str(path), 30, 100) == b"0123456789"  # shrunk since
