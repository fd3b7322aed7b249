"""Hostile input as a careless or hostile user gives it: run the real command line on it.

Every case must end with exit 0, 1 or 2; exit 2 with exactly one line on stderr that names the
file or option; never a traceback, never a hang (each run has a timeout), never an internal error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parents[2] / "sample_project"

TINY = {
    "dbt_project.yml": "name: tiny\nversion: '1.0'\nprofile: tiny\nmodels:\n  tiny:\n    +materialized: view\n",
    "models/stg_orders.sql": "select 1 as order_id\n",
    "models/fct_orders.sql": "select * from {{ ref('stg_orders') }}\n",
    "models/schema.yml": "version: 2\nmodels:\n  - name: fct_orders\n    description: Orders.\n",
}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A small dbt project, read from its files (no artifacts)."""
    return write_tree(tmp_path / "tiny", TINY)


def console(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120, stdout=None) -> subprocess.CompletedProcess:
    """The command line in a subprocess; a hang fails the test at ``timeout``."""
    return subprocess.run(
        [sys.executable, "-m", "console", *args], stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=cwd, env=env, timeout=timeout,
    )


def well_behaved(result: subprocess.CompletedProcess, *, names: str | None = None) -> None:
    """Exit 0, 1 or 2; exit 2 is one line naming ``names``; never a traceback or internal error."""
    err = result.stderr
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert result.returncode in (0, 1, 2), (result.returncode, err)
    if result.returncode == 2:
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("console: error: "), err
        if names is not None:
            assert names in lines[0], err
