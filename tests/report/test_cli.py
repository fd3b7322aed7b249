"""``console report`` end to end on a real store: exit codes, baseline, selection, colour, outputs."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import cli
from console.errors import InputError
from tests.report.conftest import NOW, shop_tables
from tests.rules.helpers import make_context

ROOT = Path(__file__).resolve().parents[2]
NOW_ARG = NOW.isoformat() + "Z"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A folder with the shop's store and a configuration that runs two checks rules."""
    root = tmp_path_factory.mktemp("cli")
    make_context(root, now=NOW, **shop_tables())
    (root / "console.toml").write_text('[rules]\nselect = ["failing-test", "build-error"]\n')
    for sev in ("warn", "info"):
        (root / f"{sev}.toml").write_text(
            f'[rules]\nselect = ["failing-test"]\nseverity = {{ "failing-test" = "{sev}" }}\n'
        )
    (root / "chk001.toml").write_text('[rules]\nselect = ["failing-test"]\n')
    return root


def _args(project: Path, *extra: str) -> list[str]:
    return ["report", str(project), "--no-collect", "--store", str(project / "store.duckdb"), "--now", NOW_ARG, *extra]


def run_many(project: Path, runs: list[tuple[str, ...]]) -> list[subprocess.CompletedProcess]:
    """``python -m console report ...`` once per argument tuple, all at the same time."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    procs = [
        subprocess.Popen([sys.executable, "-m", "console", *_args(project, *extra)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        for extra in runs
    ]
    done = []
    for proc, extra in zip(procs, runs):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def run(project: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_many(project, [extra])[0]


def invoke(project: Path, *extra: str):
    """In-process run: (exit code returned by the command, result)."""
    result = CliRunner().invoke(cli, _args(project, *extra), standalone_mode=False, catch_exceptions=False)
    return result.return_value, result


EXIT_CASES = [
    ("chk001.toml", "error", 1),
    ("warn.toml", "error", 0),
    ("warn.toml", "warn", 1),
    ("info.toml", "warn", 0),
    ("info.toml", "info", 1),
    ("chk001.toml", "never", 0),
]


def test_exit_code_follows_fail_on(project):
    runs = [("--config", str(project / cfg), "--fail-on", fail_on, "--format", "json") for cfg, fail_on, _ in EXIT_CASES]
    for (cfg, fail_on, code), proc in zip(EXIT_CASES, run_many(project, runs)):
        assert proc.returncode == code, (cfg, fail_on, proc.stderr)
        assert len(json.loads(proc.stdout)["findings"]) == 1


def test_exit_zero_and_input_errors(project):
    clean, bad = run_many(project, [("--exit-zero",), ("--exit-zero", "--select", "colour:red")])
    assert clean.returncode == 0 and "CHK001" in clean.stdout
    assert bad.returncode == 2
    assert bad.stderr == "console: error: --select: unknown selector method `colour` in `colour:red` (known: fqn, tag, path, file, package, resource_type, source, exposure, unique_id, config, access, group, layer)\n"


BAD_BASELINES = [
    ("{not json", "baseline is not valid JSON"),
    ('{"findings": []}', "baseline is not a console JSON report"),
    ('{"schema_version": 9, "tool": {"name": "console"}, "findings": []}', "baseline schema_version 9 is not supported"),
    ('{"schema_version": 1, "tool": {"name": "console"}, "findings": [{"rule": "X"}]}', "each with a `fingerprint`"),
]


def test_bad_baseline_is_one_line_naming_the_file(project, tmp_path):
    paths = []
    for i, (content, _) in enumerate(BAD_BASELINES):
        paths.append(tmp_path / f"old{i}.json")
        paths[-1].write_text(content)
    procs = run_many(project, [("--baseline", str(p)) for p in paths])
    for path, (_, problem), proc in zip(paths, BAD_BASELINES, procs):
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.count("\n") == 1
        assert proc.stderr.startswith(f"console: error: {path}: ") and problem in proc.stderr


def test_missing_baseline(project, tmp_path):
    with pytest.raises(InputError, match="baseline file not found"):
        invoke(project, "--baseline", str(tmp_path / "nope.json"))


def test_baseline_hides_known_findings_and_shows_new_ones(project, tmp_path):
    old = tmp_path / "baseline.json"
    code, _ = invoke(project, "--config", str(project / "chk001.toml"), "--format", "json", "--output", str(old))
    assert code == 1 and len(json.loads(old.read_text())["findings"]) == 1
    proc = run(project, "--baseline", str(old), "--format", "json")  # console.toml adds build-error
    doc = json.loads(proc.stdout)
    assert [f["rule"] for f in doc["findings"]] == ["CHK002"]
    assert doc["summary"]["findings"] == {"error": 1, "warn": 0, "info": 0}
    assert "1 finding hidden by baseline" in proc.stderr
    assert proc.returncode == 1
    same = run(project, "--config", str(project / "chk001.toml"), "--baseline", str(old))
    assert same.returncode == 0 and same.stdout.splitlines()[-1].startswith("No findings")
    assert same.stdout.splitlines()[0].endswith("1 finding, 0 new")  # the summary counts the known ones
    assert same.stdout.splitlines()[1].endswith("vs base")


def test_select_and_exclude_narrow_the_findings(project):
    code, result = invoke(project, "--format", "json", "--select", "+fct_orders")
    assert code == 1
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["CHK001"]  # the test rides with fct_orders
    code, result = invoke(project, "--format", "json", "--exclude", "path:models/marts")
    assert code == 0 and json.loads(result.stdout)["findings"] == []
    code, result = invoke(project, "--format", "json", "--select", "nothing_here")
    assert code == 0 and "selector `nothing_here` matched no node" in result.stderr


def test_output_file_and_every_format(project, tmp_path):
    for fmt in ("text", "markdown", "json", "junit", "sarif", "github"):
        out = tmp_path / f"report.{fmt}"
        code, result = invoke(project, "--format", fmt, "--output", str(out))
        assert code == 1 and result.stdout == ""
        assert "CHK001" in out.read_text()


def test_expired_exceptions_are_reported(project, tmp_path):
    cfg = tmp_path / "exc.toml"
    cfg.write_text(
        '[rules]\nselect = ["failing-test", "build-error"]\n'
        '[[exceptions]]\nrule = "failing-test"\nnode = "test.shop.*"\nreason = "flaky upstream"\nexpires = 2026-11-01\n'
        '[[exceptions]]\nrule = "build-error"\nnode = "model.shop.*"\nreason = "rewrite in Q1"\nexpires = 2027-01-31\n'
    )
    proc = run(project, "--config", str(cfg), "--format", "json")
    doc = json.loads(proc.stdout)
    assert [f["rule"] for f in doc["findings"]] == ["CHK001"]
    assert [s["rule"] for s in doc["suppressed"]] == ["CHK002"]
    assert doc["expired_exceptions"][0]["expires"] == "2026-11-01"
    assert "exception for CHK001 on test.shop.not_null_fct_orders_id expired on 2026-11-01: flaky upstream" in proc.stderr


def _run_on_a_terminal(args: list[str], env: dict) -> bytes:
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "console", *args], stdout=follower, stderr=subprocess.DEVNULL,
                            cwd=ROOT, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks)


def test_colour_only_on_a_terminal_without_no_color(project):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    piped = run(project)
    assert "\x1b[" not in piped.stdout and "CHK001" in piped.stdout
    on_tty = _run_on_a_terminal(_args(project), env)
    assert b"\x1b[1;31merror\x1b[0m" in on_tty
    no_color = _run_on_a_terminal(_args(project), {**env, "NO_COLOR": "1"})
    assert b"CHK001" in no_color and b"\x1b[" not in no_color


def test_headless_report_imports_neither_plotly_nor_textual(project):
    code = (
        "import sys\n"
        "from console.cli import main\n"
        f"try:\n    main({_args(project, '--format', 'json')!r})\n"
        "except SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'plotly', 'textual'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.rstrip().endswith("[]"), proc.stderr
    assert '"schema_version": 1' in proc.stdout


def test_bad_now_is_an_input_error(project):
    with pytest.raises(InputError, match="--now must be an ISO date"):
        invoke(project, "--now", "yesterday")
