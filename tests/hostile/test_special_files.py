"""Special files where the console expects files: FIFOs, devices, undecodable and odd names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.hostile.conftest import SAMPLE, console, well_behaved


@pytest.mark.parametrize("rel", ["models/pipe.sql", "models/pipe.yml", "seeds/pipe.csv"])
def test_a_fifo_among_project_files_is_skipped_not_waited_for(tiny, rel):
    (tiny / rel).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(tiny / rel)
    result = console("collect", str(tiny), timeout=60)
    well_behaved(result)
    assert result.returncode == 0
    assert "not a regular file" in result.stderr


def test_a_fifo_named_dbt_project_yml_is_an_error_not_a_hang(tmp_path):
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    os.mkfifo(root / "dbt_project.yml")
    result = console("collect", str(root), timeout=60)
    well_behaved(result, names="dbt_project.yml")
    assert result.returncode == 2 and "named pipe" in result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_is_never_read(tiny, device):
    (tiny / "models" / "endless.sql").symlink_to(device)
    (tiny / "seeds").mkdir()
    (tiny / "seeds" / "endless.csv").symlink_to(device)
    result = console("collect", str(tiny), timeout=60)
    well_behaved(result)
    assert result.returncode == 0


def _archive_project(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "p"
    shutil.copytree(SAMPLE / "target", root / "target")
    archive = root / "archive"
    archive.mkdir()
    return root, archive


def test_archive_fifos_devices_and_bad_names_are_skipped_and_said(tmp_path):
    root, archive = _archive_project(tmp_path)
    os.mkfifo(archive / "run_results_pipe.json")
    (archive / "run_results_zero.json").symlink_to("/dev/zero")
    shutil.copy(SAMPLE / "target" / "run_results.json", archive / os.fsdecode(b"run_results_bad\xff.json"))
    shutil.copy(SAMPLE / "target" / "run_results.json", archive / "run_results_new\nline.json")
    result = console("collect", str(root), "--archive", str(archive), timeout=60)
    well_behaved(result)
    assert result.returncode == 0, result.stderr
    assert "2 entries under" in result.stderr and "not a regular file" in result.stderr
    assert "2 files under" in result.stderr and "not UTF-8" in result.stderr
    again = console("collect", str(root), "--archive", str(archive), timeout=60)  # and on every later run
    well_behaved(again)
    assert again.returncode == 0


def test_archive_walk_is_bounded_and_says_so(tmp_path, monkeypatch):
    from console import files

    deep = tmp_path / "wide"
    for i in range(30):
        (deep / f"d{i}").mkdir(parents=True)
    notes: list[str] = []
    files.walk_files(deep, lambda n: n.endswith(".json"), notes=notes, max_entries=10)
    assert notes and "stopped walking" in notes[0]


def test_archive_of_the_root_folder_does_not_walk_the_disk(tmp_path):
    root, _ = _archive_project(tmp_path)
    result = console("collect", str(root), "--archive", "/", timeout=240)
    well_behaved(result)
    assert result.returncode == 0, result.stderr


def test_a_baseline_that_is_a_device_or_a_fifo_is_refused(tmp_path):
    root, _ = _archive_project(tmp_path)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    result = console("report", str(root), "--baseline", str(zero), timeout=60)
    well_behaved(result, names="zero.json")
    assert result.returncode == 2 and "device" in result.stderr
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    result = console("report", str(root), "--baseline", str(pipe), timeout=60)
    well_behaved(result, names="pipe.json")
    assert result.returncode == 2


def test_a_file_name_with_a_newline_keeps_the_error_on_one_line(tmp_path):
    bad = tmp_path / "bad\nname"
    bad.mkdir()
    (bad / "target").mkdir()
    (bad / "target" / "manifest.json").write_text("{not json")
    result = console("collect", str(bad), timeout=60)
    well_behaved(result)
    assert result.returncode == 2 and "bad\\nname" in result.stderr


def test_a_model_over_the_size_limit_is_refused_on_every_path(tmp_path, tiny):
    """The same limit whether the model is read from the project's files or overlaid on a manifest."""
    env = {**os.environ, "CONSOLE_MAX_FILE_MB": "0.002"}  # about 2 KB
    (tiny / "models" / "stg_orders.sql").write_text("select 1 as order_id --" + "x" * 4000 + "\n")
    result = console("collect", str(tiny), env=env, timeout=60)
    well_behaved(result, names="stg_orders.sql")
    assert result.returncode == 2 and "limit for code files" in result.stderr

    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE, sample, ignore=shutil.ignore_patterns(".console"))
    assert console("collect", str(sample), timeout=120).returncode == 0
    edited = sample / "models" / "staging" / "stg_skus.sql"
    edited.write_text(edited.read_text() + "\n-- " + "x" * 4000 + "\n")  # newer than the manifest: overlaid
    result = console("collect", str(sample), env=env, timeout=120)
    well_behaved(result, names="stg_skus.sql")
    assert result.returncode == 2 and "limit for code files" in result.stderr
