"""`console collect` as a user runs it: a subprocess, real files, real exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parents[1] / "sample_project"


def console(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture
def project(tmp_path) -> Path:
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns(".console"))
    return dest


def test_version_and_help_for_every_command():
    out = console("--version")
    assert out.returncode == 0 and out.stdout.startswith("console, version ")
    top = console("--help")
    assert top.returncode == 0
    for command in ("collect", "report", "rules", "explain"):
        assert command in top.stdout
        sub = console(command, "--help")
        assert sub.returncode == 0, sub.stderr
        assert "Usage: console " + command in sub.stdout


def test_collect_summarises_on_stderr_and_a_second_collect_adds_nothing(project):
    first = console("collect", str(project))
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    assert "17 models" in first.stderr and "7 runs and 350 results added" in first.stderr
    second = console("collect", str(project))
    assert second.returncode == 0
    assert "project unchanged since the last collect" in second.stderr
    assert "runs" not in second.stderr.split("\n")[1]  # no history added


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:5000]), "not valid JSON"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00garbage"), "not"),
        (lambda p: p.write_text('{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"}, "results": 3}'), "results"),
        (lambda p: p.write_text('{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v99.json"}}'), "v99"),
    ],
)
def test_a_bad_artifact_is_one_line_exit_2_and_the_store_is_untouched(project, damage, expected):
    assert console("collect", str(project)).returncode == 0
    store = project / ".console" / "store.duckdb"
    before = store.read_bytes()
    run_results = project / "archive" / "2026-11-03T07-00-00_build" / "run_results.json"
    damage(run_results)
    out = console("collect", str(project))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "run_results.json" in lines[0] and expected in lines[0]
    assert "Traceback" not in out.stderr
    assert store.read_bytes() == before


def test_json_that_is_no_dbt_artifact_in_an_archive_is_skipped_and_said(project):
    (project / "archive" / "other").mkdir()
    (project / "archive" / "other" / "run_results.json").write_text("[1, 2, 3]")
    (project / "archive" / "other" / "sources.json").write_text('{"tool": "not dbt"}')
    out = console("collect", str(project))
    assert out.returncode == 0, out.stderr
    assert "skipped archive/other/run_results.json: is a JSON array, not a dbt artifact" in out.stderr
    assert "skipped archive/other/sources.json: not a dbt artifact" in out.stderr
    (project / "target" / "run_results.json").write_text("[1, 2, 3]")  # in target/ it is an error
    out = console("collect", str(project))
    assert out.returncode == 2 and "not a dbt artifact" in out.stderr


def test_missing_project_and_empty_folder_are_input_errors(tmp_path):
    missing = console("collect", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "project folder not found" in missing.stderr
    empty = console("collect", str(tmp_path))
    assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1
    assert "dbt_project.yml" in empty.stderr


def test_bad_store_option_is_an_input_error(project, tmp_path):
    not_a_store = tmp_path / "warehouse.duckdb"
    shutil.copy(project / "warehouse.duckdb", not_a_store)
    out = console("collect", str(project), "--store", str(not_a_store))
    assert out.returncode == 2 and "not a console store" in out.stderr


def test_the_headless_path_never_imports_textual_or_plotly(project):
    code = (
        "import sys\n"
        "from console.cli import cli\n"
        f"cli.main(args=['collect', {str(project)!r}, '-q'], standalone_mode=False)\n"
        f"cli.main(args=['rules'], standalone_mode=False)\n"
        f"cli.main(args=['hotspots', {str(project)!r}, '--no-collect', '--format', 'json'], standalone_mode=False)\n"
        "print(sorted(m for m in ('textual', 'plotly') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
