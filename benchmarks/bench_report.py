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
    python benchmarks/bench_report.py --keep /tmp/bench_report --compare-off --only-compare --rounds 5

``--compare-tree`` against the commit before the ranking (f11d692) times everything that landed
since, the layerinitis rules and the hotspots section among them; ``--compare-off`` times this
tree against itself with the ranking, groups, statistics, scores, summary and score history
switched off (patched in the benchmark's process): the cost of those alone, the issue's target
(within 10%, CPU time); it then prints the same difference in one warm process, which a loaded
machine disturbs far less than the end-to-end ratios. Figures: docs/priority.md, "What it costs".
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


#: ``console report`` with ranking, groups, statistics, scores, the summary and its score history
#: switched off, by patching this tree's functions in the benchmark's own process (the console
#: has no such switch): the report as it was before they landed, with everything else of today.
WITHOUT_RANKING = """
import sys
import console.ranking, console.report.json_format as J, console.report.model as M, rules.context as C
from console.ranking import Ranking
console.ranking.prioritise = lambda ctx, findings, weights=None: Ranking()
console.ranking.group_findings = lambda findings, ranking, **kw: ()
J.statistics = lambda data: []
build = M.build_report
M.build_report = lambda ctx, findings, **kw: build(ctx, findings, **{**kw, "scores": False, "overview": False, "trend": None})
read = C.Context.from_store.__func__
C.Context.from_store = classmethod(lambda cls, path, extra=None, **kw: read(cls, path, **kw))
sys.argv = ["console", *sys.argv[1:]]
from console.cli import main
main()
"""


#: Another tree's console, alone: the editable install of this one (a finder on ``sys.meta_path``)
#: would otherwise lend it every module it lacks (rules of categories added since, say).
ISOLATED = """
import runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path_hooks[:] = [h for h in sys.path_hooks if not getattr(h, "__module__", "").startswith("__editable__")]
sys.path_importer_cache.clear()
sys.argv = ["console", *sys.argv[1:]]
runpy.run_module("console", run_name="__main__", alter_sys=True)
"""


def end_to_end(project: Path, fmt: str, out_dir: Path, tree: Path = ROOT, store: Path | None = None,
               without_ranking: bool = False) -> tuple[float, int]:
    """Seconds for one ``console report`` subprocess (of the console in ``tree``; with
    ``without_ranking``, as :data:`WITHOUT_RANKING` runs it), and the report's size in bytes."""
    out = out_dir / f"report.{fmt}"
    where = ["--store", str(store)] if store else []
    start = ["-c", WITHOUT_RANKING] if without_ranking else ["-m", "console"] if tree == ROOT else ["-c", ISOLATED]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *start, "report", str(project), "--no-collect", "--format", fmt, "--output", str(out),
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


def compare(project: Path, tree: Path | None, out_dir: Path, rounds: int) -> None:
    """Best-of-``rounds`` end-to-end times of this console and the one in ``tree``, run alternately
    (so both see the same machine load), and their ratio. The other tree collects into a store of
    its own (its schema may differ). Without ``tree``, the other is this console without ranking
    and scores (:data:`WITHOUT_RANKING`), on the same store."""
    other_store = None
    if tree is not None:
        subprocess.run([sys.executable, "-m", "compileall", "-q", "console", "collectors", "rules"], check=True, cwd=tree)
        other_store = project / ".console" / f"compare-{tree.name}.duckdb"
        if not other_store.exists():
            print(f"collecting with {tree} (once) ...", file=sys.stderr)
            subprocess.run([sys.executable, "-c", ISOLATED, "collect", str(project), "--store", str(other_store)],
                           check=True, cwd=tree, capture_output=True)
    against = tree or "this console without ranking, groups, statistics, scores and summary"
    print(f"\nthis console against {against}, end to end, best of {rounds} (alternating); wall time, and CPU time "
          "of the process (user + system, its threads included: what a loaded machine disturbs least):")
    for fmt in ("text", "markdown", "json"):
        ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
        for _ in range(rounds):
            before = _children_cpu()
            ours.append(end_to_end(project, fmt, out_dir)[0])
            middle = _children_cpu()
            theirs.append(end_to_end(project, fmt, out_dir, tree or ROOT, other_store, without_ranking=tree is None)[0])
            ours_cpu.append(middle - before)
            theirs_cpu.append(_children_cpu() - middle)
        ratio, cpu_ratio = min(ours) / min(theirs), min(ours_cpu) / min(theirs_cpu)
        flag = "" if min(ratio, cpu_ratio) <= 1.10 else "   more than 10% slower"
        print(f"  {fmt:<9} wall {min(ours):6.2f} s against {min(theirs):6.2f} s  ratio {ratio:5.2f}   "
              f"cpu {min(ours_cpu):6.2f} s against {min(theirs_cpu):6.2f} s  ratio {cpu_ratio:5.2f}{flag}")


def overhead_in_process(project: Path, rounds: int) -> None:
    """The CPU time ranking, groups, statistics, scores and the summary add to a report, in one
    warm process (best of ``rounds``, alternating): what stays of the end-to-end ratio once the
    machine's load is taken out. Against a whole report's CPU time, as measured end to end."""
    from console.cli.options import resolve_locations
    from console.gc_pause import gc_paused
    from console.report import render
    from console.report.model import build_report, rule_infos
    from console.scores.history import trend_from_frames
    from console.store.score_history import history_readers
    from rules.context import Context
    from rules.engine import evaluate

    loc = resolve_locations(project)
    ctx = Context.from_store(loc.store, settings=loc.config.settings(), extra=history_readers(("project",)))
    ev = evaluate(ctx, loc.config)
    infos = rule_infos(ev.rules_run)
    trend, _ = trend_from_frames(ctx.frames)
    print(f"\nin one process, best of {rounds}: CPU time of reading the store and of building and rendering each "
          "report, with and without ranking, groups, statistics, scores and summary:")
    for fmt in ("text", "markdown", "json"):

        def full():  # as report_cmd: the history is read for the summary (text, Markdown) only
            t0 = time.process_time()
            Context.from_store(loc.store, settings=loc.config.settings(),
                               extra=history_readers(("project",)) if fmt != "json" else None)
            t1 = time.process_time()
            data = build_report(ctx, ev.findings, rules=infos, scores=fmt == "json", overview=fmt != "json", trend=trend)
            render(fmt, data)
            return t1 - t0, time.process_time() - t1

        def bare():
            import console.ranking
            from console.ranking import Ranking

            t0 = time.process_time()
            Context.from_store(loc.store, settings=loc.config.settings())
            t1 = time.process_time()
            keep = console.ranking.prioritise, console.ranking.group_findings
            console.ranking.prioritise = lambda ctx, findings, weights=None: Ranking()
            console.ranking.group_findings = lambda findings, ranking, **kw: ()
            try:
                render(fmt, build_report(ctx, ev.findings, rules=infos))
            finally:
                console.ranking.prioritise, console.ranking.group_findings = keep
            return t1 - t0, time.process_time() - t1

        ours, theirs = [], []
        with gc_paused():  # as report_cmd runs
            for _ in range(rounds):
                ours.append(full())
                theirs.append(bare())
        (r1, b1), (r0, b0) = min(ours, key=sum), min(theirs, key=sum)
        print(f"  {fmt:<9} read {r1:5.3f} s against {r0:5.3f} s; build and render {b1:5.3f} s against {b0:5.3f} s: "
              f"{(r1 + b1) - (r0 + b0):+6.3f} s")


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
    parser.add_argument("--compare-off", action="store_true",
                        help="time this console against itself with ranking, groups, statistics, scores and the summary "
                             "switched off (the cost of those alone, whatever else landed since --compare-tree's commit)")
    parser.add_argument("--only-compare", action="store_true", help="skip the per-format table and the in-process steps")
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

        if not args.only_compare:
            print(f"\nconsole report --no-collect, {args.nodes} nodes, end to end (subprocess):")
            for fmt in FORMATS:
                seconds, size = end_to_end(project, fmt, out_dir)
                flag = "" if fmt == "html" or seconds <= 2.0 else "   over the 2 s target"
                print(f"  {fmt:<9} {seconds:6.2f} s  {size / 1e6:7.2f} MB{flag}")

        if args.compare_tree:
            compare(project, args.compare_tree.resolve(), out_dir, args.rounds)
        if args.compare_off:
            compare(project, None, out_dir, args.rounds)
            overhead_in_process(project, max(args.rounds, 5))
        if args.only_compare:
            return

        steps = in_process(project)
        total = sum(t for _, t in steps)
        print("\nin process, step by step:")
        for name, t in steps:
            print(f"  {name:<64} {t:6.3f} s  {t / total:6.1%}")


if __name__ == "__main__":
    main()
