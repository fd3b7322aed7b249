"""The store's surroundings and the configuration, as a careless user leaves them."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.hostile.conftest import SAMPLE, console, well_behaved


@pytest.fixture
def collected(tmp_path) -> Path:
    """sample_project's artifacts, collected once."""
    root = tmp_path / "p"
    shutil.copytree(SAMPLE / "target", root / "target")
    result = console("collect", str(root))
    assert result.returncode == 0, result.stderr
    return root


def _store(root: Path) -> Path:
    return root / ".console" / "store.duckdb"


@pytest.mark.parametrize("command", [("collect",), ("report", "--no-collect")])
def test_a_lock_file_that_is_a_folder_or_a_dangling_link(collected, command):
    lock = _store(collected).with_name("store.duckdb.lock")
    lock.unlink()
    lock.mkdir()
    result = console(*command, str(collected))
    well_behaved(result, names="store.duckdb.lock")
    assert result.returncode == 2 and "is a folder" in result.stderr
    lock.rmdir()
    lock.symlink_to(collected / "nowhere")
    result = console(*command, str(collected))
    well_behaved(result, names="store.duckdb.lock")
    assert result.returncode == 2 and "symbolic link" in result.stderr


@pytest.mark.parametrize("value", ["abc", "nan", "-1", "inf"])
def test_a_bad_lock_timeout_is_one_line(collected, value):
    result = console("report", "--no-collect", str(collected), env={**os.environ, "CONSOLE_LOCK_TIMEOUT": value}, timeout=30)
    well_behaved(result, names="CONSOLE_LOCK_TIMEOUT")
    assert result.returncode == 2


def test_a_sqlite_file_as_the_store_is_refused_without_the_network(tmp_path, collected):
    lite = tmp_path / "store.sqlite"
    con = sqlite3.connect(lite)
    con.execute("create table t (a)")
    con.commit()
    con.close()
    for command in (("collect",), ("report", "--no-collect")):
        result = console(*command, str(collected), "--store", str(lite), timeout=60)
        well_behaved(result, names="store.sqlite")
        assert result.returncode == 2
        assert "extension" not in result.stderr.lower() or "install" not in result.stderr.lower()


def test_a_damaged_store_is_refused_by_collect_and_report_alike(collected):
    store = _store(collected)
    con = duckdb.connect(str(store))
    con.execute("drop table tests")
    con.close()
    before = store.read_bytes()
    for command in (("collect",), ("report", "--no-collect")):
        result = console(*command, str(collected))
        well_behaved(result, names="store.duckdb")
        assert result.returncode == 2 and "damaged" in result.stderr
    assert store.read_bytes() == before


def test_report_to_a_full_device_is_one_line(collected):
    with open("/dev/full", "w") as full:
        result = console("report", "--no-collect", str(collected), stdout=full)
    well_behaved(result)
    assert result.returncode == 2 and "No space left" in result.stderr


def _mount(args: list[str]) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def read_only(collected, tmp_path):
    """The collected project on a read-only bind mount (skipped where mounting is not allowed)."""
    view = tmp_path / "ro"
    view.mkdir()
    if not _mount(["--bind", str(collected), str(view)]):
        pytest.skip("mounting needs root")
    try:
        if not _mount(["-o", "remount,bind,ro", str(view)]):
            pytest.skip("cannot remount read-only here")
        yield view
    finally:
        subprocess.run(["umount", str(view)], capture_output=True)


def test_report_without_collect_works_on_a_read_only_file_system(read_only):
    result = console("report", "--no-collect", str(read_only), "--format", "json")
    well_behaved(result)
    assert result.returncode in (0, 1) and result.stdout.startswith("{")
    result = console("collect", str(read_only))
    well_behaved(result)
    assert result.returncode == 2 and "Read-only" in result.stderr


def test_a_full_disk_during_the_write_leaves_the_store_as_it_was(tmp_path):
    disk = tmp_path / "small"
    disk.mkdir()
    if not _mount(["-t", "tmpfs", "-o", "size=96k", "tmpfs", str(disk)]):
        pytest.skip("mounting needs root")
    try:
        root = tmp_path / "p"
        shutil.copytree(SAMPLE / "target", root / "target")
        result = console("collect", str(root), "--store", str(disk / "store.duckdb"))
        well_behaved(result)
        assert result.returncode == 2 and ("No space left" in result.stderr or "cannot" in result.stderr)
        assert not (disk / "store.duckdb").exists()  # a failed first collect leaves no store behind
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[rules]\nignore = ['caf\xe9']\n", "not UTF-8"),
        (b"a = " + b"[" * 2000 + b"]" * 2000 + b"\n", "nested deeper"),
    ],
)
def test_a_hostile_console_toml_is_one_line(collected, content, problem):
    (collected / "console.toml").write_bytes(content)
    result = console("report", "--no-collect", str(collected))
    well_behaved(result, names="console.toml")
    assert result.returncode == 2 and problem in result.stderr


@pytest.mark.parametrize("name", ["console.toml", "dbt_project.yml"])
def test_a_folder_where_a_file_belongs_is_said_not_ignored(tmp_path, name):
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "models" / "a.sql").write_text("select 1")
    (root / name).mkdir()
    result = console("collect", str(root))
    well_behaved(result, names=name)
    assert result.returncode == 2


def test_an_expired_exception_reason_cannot_break_the_line_or_drive_the_terminal(collected):
    (collected / "console.toml").write_text(
        '[[exceptions]]\nrule = "model-fanout"\nnode = "*"\n'
        'reason = "first\\nsecond \\u001b]8;;http://evil\\u0007click\\u001b]8;;\\u0007"\nexpires = 2020-01-01\n'
    )
    result = console("report", "--no-collect", str(collected), "--format", "json")
    well_behaved(result)
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "expired" in line]
    assert len(lines) <= 1 and (not lines or "first\\nsecond" in lines[0])
