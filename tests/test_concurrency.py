"""Two processes on one project at once: a collect, reports and readers all finish."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).parents[1] / "sample_project"


def test_collects_and_reports_running_together_all_succeed(tmp_path):
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".console"))
    cmds = [
        ["collect", str(project)],
        ["report", str(project), "--format", "json", "--exit-zero"],
        ["report", str(project), "--format", "text", "--exit-zero"],
        ["collect", str(project)],
    ]
    procs = [subprocess.Popen([sys.executable, "-m", "console", *c], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    for (out, err), code in results:
        assert code == 0, err
        assert "Traceback" not in err
    json_report = results[1][0][0]
    assert '"schema_version": 1' in json_report
    # every run of the week is in the store once, whoever collected it first
    check = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from console.store import read_tables; "
         "print(read_tables(Path(sys.argv[1]), {'invocations': None})['invocations'].height)",
         str(project / ".console" / "store.duckdb")],
        capture_output=True, text=True, timeout=60,
    )
    assert check.stdout.strip() == "14"
