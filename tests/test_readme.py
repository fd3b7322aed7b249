"""The README's examples stay true."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.config import load_config
from rules.engine import resolve_options, resolve_severities

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def test_the_configuration_example_is_valid(tmp_path):
    (block,) = re.findall(r"```toml\n(.*?)```", README, re.S)
    (tmp_path / "console.toml").write_text(block)
    config = load_config(tmp_path)
    assert config.layers["staging"]["prefixes"] == ["stg_", "base_"]
    assert resolve_options(config)["STR005"]["models_fanout_threshold"] == 5  # rule names and options exist
    assert resolve_severities(config)["STR005"].value == "error"
    assert config.exceptions[0].reason


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(?:#[^\n]*\n)?(python3 -m venv[^\n]*)\n```", README)
    assert len(commands) == 2, commands  # set up + main job, set up + tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci
    assert "console report sample_project" in commands[0]
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")]).returncode == 0


def _first_hour_commands() -> list[str]:
    section = README.split("## Your first hour on a project", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```sh\n(.*?)```", section, re.S)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


@pytest.mark.slow
def test_the_first_hour_walkthrough_runs_on_a_copy_of_the_sample_project(tmp_path):
    project = tmp_path / "shop"
    shutil.copytree(ROOT / "sample_project", project, ignore=shutil.ignore_patterns(".console", "console.toml"))
    commands = _first_hour_commands()
    assert commands[0] == "console init --baseline" and commands[-1] == "console report"
    outputs = []
    for command in commands:
        # the same "now" for every command: init's baseline judges ages as the reports do
        argv = [sys.executable, "-m", "console", *command.split()[1:], "--now", "2026-11-07T09:00:00Z"]
        proc = subprocess.run(argv, cwd=project, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.returncode in (0, 1), (command, proc.stderr)
        outputs.append(proc)
    summary = outputs[1].stdout.split("\n\n", 1)[0].splitlines()
    assert summary[0].startswith("alcohol_marketplace · health ") and len(summary) <= 23
    assert "Top findings by priority" in summary
    assert outputs[-1].returncode == 0 and outputs[-1].stdout.splitlines()[0].endswith(", 0 new")
    for line in re.findall(r"^console init: .*$", README, re.M):  # what the README shows init saying
        if "wrote" not in line:
            assert line in outputs[0].stderr
