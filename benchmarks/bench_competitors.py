"""Benchmark: ``console report --no-collect`` against dbt-score and dbt-bouncer on one manifest.

Generates a synthetic dbt project of N nodes (default 10,000; :mod:`benchmarks.synthetic`:
files, manifest v12, run_results v6), collects it once with ``console collect``, then times
three linters over the same ``target/`` as whole processes, best of ``--repeat`` runs each
after one untimed warm-up run whose output gives the findings count:

* ``console report PROJECT --no-collect --format json --output /dev/null --exit-zero`` with
  every rule selected (the default configuration);
* ``dbt-score lint --manifest PROJECT/target/manifest.json --format json`` with its default
  rules (``--manifest`` given, so it never runs ``dbt parse``);
* ``dbt-bouncer run`` with :func:`bouncer_config`: the manifest checks that match the
  console's structure, documentation and testing rules, and a run_results check.

dbt-score and dbt-bouncer (versions pinned in :data:`PINS`) live in their own virtualenv,
made once under ``benchmarks/.cache/competitors-venv``: their dependencies may conflict with
the console's. If it cannot be made, the console's numbers are still printed. A competitor
that exits with a usage, configuration or artifact error stops the benchmark (exit 1): only a
run that really linted the project is timed. Targets: the console at most 2 s at 10,000 nodes,
and each competitor at least 3 times slower. The machine's load average is printed, as
absolute times drift with it.

Usage::

    python benchmarks/bench_competitors.py --quick      # 1,000 nodes, one timed run each
    python benchmarks/bench_competitors.py              # 10,000 nodes, best of 3
    python benchmarks/bench_competitors.py --nodes 5000 --repeat 5 --keep /tmp/bench_comp
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import generate  # noqa: E402

PINS = {"dbt-score": "0.19.0", "dbt-bouncer": "4.3.0"}
VENV = ROOT / "benchmarks" / ".cache" / "competitors-venv"
ENV = {**os.environ, "NO_COLOR": "1", "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
CONSOLE_TARGET_S = 2.0
RATIO_TARGET = 3.0
BOUNCER_CHECKS = (  # dbt-bouncer checks akin to the console's structure, docs and testing rules
    "check_duplicate_sources", "check_exposure_based_on_non_public_models", "check_exposure_based_on_view",
    "check_exposure_description_populated", "{name: check_exposure_has_owner, required_fields: [email, name]}",
    "check_model_contract_enforced_for_public_model", "check_model_depends_on_multiple_sources",
    "check_model_description_populated",
    "{name: check_model_directories, include: ^models, permitted_sub_directories: [staging, intermediate, marts, exports]}",
    "{name: check_model_documentation_coverage, min_model_documentation_coverage_pct: 100}",
    "check_model_documented_in_same_directory", "check_model_does_not_directly_join_to_source",
    "check_model_does_not_rejoin_upstream_concepts", "check_model_hard_coded_references",
    "check_model_has_no_upstream_dependencies", "check_model_has_properties_file", "check_model_has_semi_colon",
    "{name: check_model_has_tests_by_type, min_number_of_schema_tests: 1}", "check_model_has_unique_test",
    "check_model_max_chained_views", "{name: check_model_max_fanout, max_downstream_models: 3}",
    "{name: check_model_max_upstream_dependencies, max_upstream_models: 7}",
    '{name: check_model_names, model_name_pattern: "^(stg|int|fct|dim|rpt|exp)_"}',
    "{name: check_model_test_coverage, min_model_test_coverage_pct: 100}", "check_source_description_populated",
    "check_source_freshness_populated", "check_source_loader_populated", "check_source_not_orphaned",
    "check_source_top_level_description_populated", "check_source_used_by_only_one_model",
)


def bouncer_config(target: Path) -> str:
    """The dbt-bouncer.yml: :data:`BOUNCER_CHECKS` over ``target``, and a run_results check."""
    checks = "".join(f"  - {c if c.startswith('{') else '{name: ' + c + '}'}\n" for c in BOUNCER_CHECKS)
    return (f"dbt_artifacts_dir: {target}\nmanifest_checks:\n{checks}run_results_checks:\n"
            "  - {name: check_run_results_max_execution_time, max_execution_time_seconds: 2}\n")


class ToolError(Exception):
    """A tool exited in a way that means it did not lint the project."""


def _run(name: str, argv: list, cwd: Path, ok: tuple[int, ...] = (0, 1)) -> tuple[subprocess.CompletedProcess, float]:
    """Run one whole process; its output and seconds. An exit status not in ``ok`` raises ToolError."""
    t0 = time.perf_counter()
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, env=ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode not in ok:
        tail = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ToolError(f"{name} exited {proc.returncode} (expected one of {ok}):\n{tail}")
    return proc, seconds


def prepare_project(project: Path, nodes: int) -> dict:
    """Generate the project (unless ``project`` already holds one) and collect it once."""
    counts = {}
    if not (project / "target" / "manifest.json").exists():
        print(f"generating a {nodes}-node project in {project} ...", file=sys.stderr)
        counts = generate(project, nodes)
    # bytecode for the console's own modules, as an installed wheel has (the editable install
    # and PYTHONDONTWRITEBYTECODE would otherwise make every timed run compile them again)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "console", "collectors", "rules"], check=True, cwd=ROOT)
    if not (project / ".console" / "store.duckdb").exists():
        print("collecting it once (SQL facts included) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "console", "collect", str(project), "-q"], check=True, cwd=ROOT, env=ENV)
    return counts


def competitor_venv() -> Path | None:
    """The bin/ folder of a virtualenv holding :data:`PINS`, made if missing; None if it cannot be."""
    bin_dir = VENV / "bin"
    wanted = [f"{name}=={version}" for name, version in PINS.items()]
    if all(_installed_version(bin_dir, name) == version for name, version in PINS.items()):
        return bin_dir
    print(f"installing {' '.join(wanted)} into {VENV} ...", file=sys.stderr)
    shutil.rmtree(VENV, ignore_errors=True)
    steps = ([sys.executable, "-m", "venv", str(VENV)],
             [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *wanted])
    for argv in steps:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"competitors not installed: {' '.join(argv[:4])} failed: {exc}", file=sys.stderr)
            return None
        if proc.returncode:
            tail = "\n  ".join(proc.stderr.strip().splitlines()[-8:])
            print(f"competitors not installed: {' '.join(argv[:4])} exited {proc.returncode}:\n  {tail}", file=sys.stderr)
            shutil.rmtree(VENV, ignore_errors=True)
            return None
    return bin_dir


def _installed_version(bin_dir: Path, name: str) -> str | None:
    if not (bin_dir / name).exists():
        return None
    proc = subprocess.run([str(bin_dir / name), "--version"], capture_output=True, text=True, env=ENV)
    found = re.search(r"\d+\.\d+\.\d+\S*", proc.stdout + proc.stderr)
    return found.group(0) if proc.returncode == 0 and found else None


def console_runs(project: Path, scratch: Path) -> tuple[list, Path, callable]:
    """The timed argv, its folder, and the warm-up run that returns (findings, note)."""
    base = [sys.executable, "-m", "console", "report", project, "--no-collect", "--format", "json", "--exit-zero", "--output"]

    def warm_up() -> tuple[int, str]:
        out = scratch / "console-report.json"
        _run("console report", [*base, out], ROOT, ok=(0,))
        report = orjson.loads(out.read_bytes())
        by_severity = ", ".join(f"{n} {s}" for s, n in report["summary"]["findings"].items() if n)
        return len(report["findings"]), by_severity

    return [*base, "/dev/null"], ROOT, warm_up


def dbt_score_runs(project: Path, bin_dir: Path) -> tuple[list, Path, callable]:
    """dbt-score over the manifest; findings are its WARN results (rule, item) pairs."""
    argv = [bin_dir / "dbt-score", "lint", "--manifest", project / "target" / "manifest.json", "--format", "json"]

    def warm_up() -> tuple[int, str]:
        proc, _ = _run("dbt-score lint", argv, project)  # exit 1: the project scored under its threshold
        evaluables = orjson.loads(proc.stdout)["evaluables"]
        if not evaluables:
            raise ToolError("dbt-score evaluated nothing: is the manifest empty?")
        results = [r["result"] for e in evaluables.values() for r in e["results"].values()]
        note = f"{len(evaluables)} items, {len(results)} rule results, {results.count('ERR')} rule errors"
        return results.count("WARN"), note

    return argv, project, warm_up


def dbt_bouncer_runs(project: Path, bin_dir: Path, scratch: Path) -> tuple[list, Path, callable]:
    """dbt-bouncer with :func:`bouncer_config`; findings are its failed check runs."""
    config = scratch / "dbt-bouncer.yml"
    config.write_text(bouncer_config(project / "target"))
    argv = [bin_dir / "dbt-bouncer", "run", "--config-file", config]

    def warm_up() -> tuple[int, str]:
        proc, _ = _run("dbt-bouncer run", argv, project)  # exit 1: some checks failed
        done = re.search(r"Done\. SUCCESS=(\d+) WARN=(\d+) ERROR=(\d+)", proc.stdout + proc.stderr)
        if not done:
            raise ToolError(f"dbt-bouncer printed no summary line:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        success, warn, error = map(int, done.groups())
        return warn + error, f"{success + warn + error} check runs"

    return argv, project, warm_up


def best_of(name: str, argv: list, cwd: Path, warm_up: callable, repeat: int) -> tuple[float, int, str]:
    """Warm up (and count findings) once, then the best of ``repeat`` timed whole processes."""
    print(f"timing {name} ...", file=sys.stderr)
    findings, note = warm_up()
    times = [_run(name, argv, cwd)[1] for _ in range(repeat)]
    return min(times), findings, f"{note}; runs " + " ".join(f"{t:.2f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000, help="nodes of the synthetic project (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool; the best counts (default 3)")
    parser.add_argument("--quick", action="store_true", help="1,000 nodes, one timed run")
    parser.add_argument("--keep", type=Path, help="write the project here and keep it (reused if present)")
    args = parser.parse_args()
    if args.quick:
        args.nodes, args.repeat = 1_000, 1

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench_competitors_") as tmp:
        scratch = Path(tmp)
        project = (args.keep or scratch / "project").resolve()
        counts = prepare_project(project, args.nodes)
        bin_dir = competitor_venv()
        console_version = subprocess.run([sys.executable, "-m", "console", "--version"], capture_output=True,
                                         text=True, cwd=ROOT).stdout.strip().split()[-1]
        tools = [("console report", console_version, *console_runs(project, scratch))]
        if bin_dir:
            tools.append(("dbt-score", PINS["dbt-score"], *dbt_score_runs(project, bin_dir)))
            tools.append(("dbt-bouncer", PINS["dbt-bouncer"], *dbt_bouncer_runs(project, bin_dir, scratch)))
        rows = []
        try:
            for name, version, argv, cwd, warm_up in tools:
                rows.append((name, version, *best_of(name, argv, cwd, warm_up, args.repeat)))
        except ToolError as exc:
            measured = "; ".join(f"{row[0]} {row[2]:.2f} s" for row in rows)
            raise SystemExit(f"\nFAILED: {exc}\nmeasured before the failure: {measured or 'nothing'}") from None
    load_after = os.getloadavg()

    size = f"{args.nodes} nodes" + (f" ({counts})" if counts else "")
    print(f"\n{size}; best of {args.repeat} whole processes, after one warm-up run each")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}, on {os.cpu_count()} cores")
    print(f"\n{'tool':<16}{'version':<10}{'best s':>8}{'findings':>10}{'x console':>11}  details")
    base = rows[0][2]
    for name, version, seconds, findings, note in rows:
        print(f"{name:<16}{version:<10}{seconds:>8.2f}{findings:>10}{seconds / base:>10.1f}x  {note}")
    verdict = "PASS" if base <= CONSOLE_TARGET_S else "MISS"
    print(f"\n{verdict}: console report {base:.2f} s against the {CONSOLE_TARGET_S:.0f} s target"
          + ("" if args.nodes == 10_000 else f" (the target is set for 10,000 nodes; this run has {args.nodes})"))
    for name, _, seconds, _, _ in rows[1:]:
        ratio = seconds / base
        print(f"{'PASS' if ratio >= RATIO_TARGET else 'MISS'}: {name} / console = {ratio:.2f} (target at least {RATIO_TARGET:.0f})")
    if not bin_dir:
        print("dbt-score and dbt-bouncer not measured: their virtualenv could not be made (see above)")


if __name__ == "__main__":
    main()
