"""Benchmark: ``console report --no-collect`` on a generated project of N nodes (default 10,000).

Writes a synthetic dbt project (:mod:`benchmarks.synthetic`: files, manifest v12, one
run_results), collects it once with the real collector, then measures in one run:

* each format end to end, as a user runs it: ``python -m console report PROJECT --no-collect
  --format F --output FILE`` in a subprocess (interpreter start and imports included);
* in process, the steps of the report: reading the store into a Context, evaluating every
  rule, applying a selector, building the ReportData (ranking the findings, the health
  scores and the summary shown as steps of their own), rendering each format.

Target: every non-HTML format at most 2 s end to end at 10,000 nodes; the HTML report's time
is printed too (it imports plotly and embeds plotly.js). Absolute times drift with the machine
and its load; the table also prints each step as a share of the whole.

Usage::

    python benchmarks/bench_report.py                 # 10,000 nodes in a temporary folder
    python benchmarks/bench_report.py --nodes 2000 --keep /tmp/bench_report
    git archive f11d692 | tar -x -C /tmp/before   # the console before the ranking and scores
    python benchmarks/bench_report.py --keep /tmp/bench_report --compare-tree /tmp/before --rounds 5
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

FORMATS = ("text", "markdown", "json", "junit", "sarif", "github", "html")


def _timed(func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t0


def end_to_end(project: Path, fmt: str, out_dir: Path, tree: Path = ROOT, store: Path | None = None) -> tuple[float, int]:
    """Seconds for one ``console report`` subprocess (of the console in ``tree``), and the report's size in bytes."""
    out = out_dir / f"report.{fmt}"
    where = ["--store", str(store)] if store else []
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "console", "report", str(project), "--no-collect", "--format", fmt, "--output", str(out),
         "--exit-zero", *where],
        capture_output=True, text=True, cwd=tree,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"console report --format {fmt} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, out.stat().st_size


def in_process(project: Path) -> list[tuple[str, float]]:
    from console.cli.options import resolve_locations
    from console.ranking import prioritise
    from console.scores import score_nodes
    from console.report import render
    from console.report.model import build_report, rule_infos
    from console.selectors import select_nodes
    from rules.context import Context
    from rules.engine import evaluate

    loc = resolve_locations(project)
    steps: list[tuple[str, float]] = []
    ctx, t = _timed(Context.from_store, loc.store, settings=loc.config.settings())
    steps.append(("read store -> Context", t))
    ev, t = _timed(evaluate, ctx, loc.config)
    steps.append((f"evaluate {len(ev.rules_run)} rules ({len(ev.findings)} findings)", t))
    _, t = _timed(lambda: ctx.graph)
    steps.append(("graph", t))
    sel, t = _timed(select_nodes, ctx.graph, ctx.frames["nodes"], ["+path:models/marts tag:finance"], ["resource_type:seed"])
    steps.append((f"select ({len(sel.nodes)} nodes)", t))
    data, t = _timed(build_report, ctx, ev.findings, rules=rule_infos(ev.rules_run), suppressed=ev.suppressed,
                     expired=ev.expired, selection=sel)
    steps.append(("build ReportData (selection; ranked)", t))
    ranking, t = _timed(prioritise, ctx, ev.findings)
    steps.append((f"  of which: rank {len(ranking.priority)} findings", t))
    scores, t = _timed(score_nodes, ctx, ev.findings)
    steps.append((f"  scores of {len(scores.nodes)} models and sources", t))
    data, t = _timed(build_report, ctx, ev.findings, rules=rule_infos(ev.rules_run), suppressed=ev.suppressed,
                     expired=ev.expired, scores=True, overview=True)
    steps.append((f"build ReportData (whole project: {len(data.groups)} groups, scores, summary)", t))
    for fmt in FORMATS[:-1]:
        _, t = _timed(render, fmt, data)
        steps.append((f"render {fmt}", t))
    from console.report.statistics_format import render_statistics

    _, t = _timed(render_statistics, "text", data)
    steps.append(("render --statistics", t))
    html_data, t = _timed(build_report, ctx, ev.findings, rules=rule_infos(ev.rules_run), charts=True)
    steps.append(("build ReportData with chart series", t))
    _, t = _timed(render, "html", html_data)
    steps.append(("render html (plotly figures + page)", t))
    return steps


def compare(project: Path, tree: Path, out_dir: Path, rounds: int) -> None:
    """Best-of-``rounds`` end-to-end times of this console and the one in ``tree``, run alternately
    (so both see the same machine load), and their ratio. The other tree collects into a store of
    its own (its schema may differ)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "console", "collectors", "rules"], check=True, cwd=tree)
    other_store = project / ".console" / f"compare-{tree.name}.duckdb"
    if not other_store.exists():
        print(f"collecting with {tree} (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "console", "collect", str(project), "--store", str(other_store)],
                       check=True, cwd=tree, capture_output=True)
    print(f"\nthis console against {tree}, end to end, best of {rounds} (alternating); wall time, and CPU time "
          "of the process (user + system, its threads included: what a loaded machine disturbs least):")
    for fmt in ("text", "markdown", "json"):
        ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
        for _ in range(rounds):
            before = _children_cpu()
            ours.append(end_to_end(project, fmt, out_dir)[0])
            middle = _children_cpu()
            theirs.append(end_to_end(project, fmt, out_dir, tree, other_store)[0])
            ours_cpu.append(middle - before)
            theirs_cpu.append(_children_cpu() - middle)
        ratio, cpu_ratio = min(ours) / min(theirs), min(ours_cpu) / min(theirs_cpu)
        flag = "" if min(ratio, cpu_ratio) <= 1.10 else "   more than 10% slower"
        print(f"  {fmt:<9} wall {min(ours):6.2f} s against {min(theirs):6.2f} s  ratio {ratio:5.2f}   "
              f"cpu {min(ours_cpu):6.2f} s against {min(theirs_cpu):6.2f} s  ratio {cpu_ratio:5.2f}{flag}")


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the project here and keep it (default: a temporary folder)")
    parser.add_argument("--compare-tree", type=Path,
                        help="another copy of the console's source (e.g. `git archive` of an earlier commit, unpacked): "
                             "its `console report` is timed against this one's, alternately, on the same project")
    parser.add_argument("--rounds", type=int, default=3, help="runs per format and tree with --compare-tree (best is kept)")
    args = parser.parse_args()
    # bytecode for the console's modules, as an installed wheel has (see bench_competitors.py)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "console", "collectors", "rules"], check=True, cwd=ROOT)

    import synthetic

    with tempfile.TemporaryDirectory() as tmp:
        project = args.keep or Path(tmp) / "project"
        if not (project / "target" / "manifest.json").exists():
            print(f"generating a {args.nodes}-node project in {project} ...", file=sys.stderr)
            synthetic.generate(project, args.nodes)
        store = project / ".console" / "store.duckdb"
        if not store.exists():
            print("collecting (once; SQL facts included) ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "console", "collect", str(project)], check=True, cwd=ROOT)
        out_dir = Path(tmp) / "out"
        out_dir.mkdir(exist_ok=True)

        print(f"\nconsole report --no-collect, {args.nodes} nodes, end to end (subprocess):")
        for fmt in FORMATS:
            seconds, size = end_to_end(project, fmt, out_dir)
            flag = "" if fmt == "html" or seconds <= 2.0 else "   over the 2 s target"
            print(f"  {fmt:<9} {seconds:6.2f} s  {size / 1e6:7.2f} MB{flag}")

        if args.compare_tree:
            compare(project, args.compare_tree.resolve(), out_dir, args.rounds)

        steps = in_process(project)
        total = sum(t for _, t in steps)
        print("\nin process, step by step:")
        for name, t in steps:
            print(f"  {name:<64} {t:6.3f} s  {t / total:6.1%}")


if __name__ == "__main__":
    main()
