"""The README's examples stay true."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

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
