"""Benchmark: collecting a generated last mile, cold and after one file changed.

The last mile comes from :mod:`lastmile_synthetic` (2,000 LookML views, 500 Hightouch models
with 250 syncs, 300 notebooks, 1,000 application files by default) in a temporary folder beside
a minimal dbt project. In one run the script measures, in this process:

* cold: :func:`collectors.pipeline.collect` on a new store (every file parsed; the SQL-logic
  phase analyses every item's SQL too, since that is part of a collect);
* again: the same collect with nothing changed (every file from the parse cache);
* one change: one LookML view edited, then collect (one file parsed; LookML resolved again).

It prints wall seconds, CPU seconds (this process and its workers), the last-mile phase's own
seconds, the load average, and the ratio of each wall time to its target (cold at most 30 s,
one change at most 1 s, on 2 cores). Absolute times drift on shared machines: compare the CPU
seconds and run twice before believing a ratio.

The accuracy part (precision and recall against the labelled corpus) lives in
``benchmarks/lastmile_accuracy.py`` and is run from here when it exists.

Usage::

    python benchmarks/bench_lastmile.py                 # the full size
    python benchmarks/bench_lastmile.py --scale 0.1     # a quick check
    python benchmarks/bench_lastmile.py --keep DIR      # keep the generated project
    python benchmarks/bench_lastmile.py --no-querylog   # without the query-log part (minutes on a loaded machine)
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from collectors.pipeline import collect  # noqa: E402
from console.cli.options import resolve_locations  # noqa: E402
from lastmile_synthetic import generate  # noqa: E402

TARGET_COLD = 30.0
TARGET_ONE_CHANGE = 1.0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(loc):
    t, c = time.perf_counter(), _cpu()
    summary = collect(loc, sql_facts=True)
    return time.perf_counter() - t, _cpu() - c, summary


def _line(label: str, wall: float, cpu: float, summary, target: float | None) -> str:
    lm = summary.lastmile
    phase = f"last-mile phase {lm.seconds:6.2f} s ({lm.files_parsed} files parsed, {lm.files_cached} cached)" if lm else ""
    ratio = f"  ratio to target {wall / target:5.2f} (target {target:g} s)" if target else ""
    return f"{label:<11} wall {wall:7.2f} s  cpu {cpu:7.2f} s  {phase}; SQL logic {summary.logic_seconds:6.2f} s{ratio}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (default 1)")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--no-querylog", action="store_true", help="skip the query-log figures (bench_querylog.py) at the end")
    args = ap.parse_args()
    compileall.compile_dir(str(HERE.parent / "collectors"), quiet=1)
    compileall.compile_dir(str(HERE.parent / "console"), quiet=1)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_lastmile_"))
    try:
        n = lambda k: max(1, int(k * args.scale))  # noqa: E731
        counts = generate(root, views=n(2000), hightouch=n(500), notebooks=n(300), apps=n(1000))
        print("generated:", ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()), f"in {root}")
        loc = resolve_locations(root, store=root / ".console" / "store.duckdb")
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        wall, cpu, s = _timed(loc)
        print(_line("cold", wall, cpu, s, TARGET_COLD))
        items = sum(c.items for c in s.lastmile.counts.values())
        print(f"            {items} items: " + ", ".join(f"{t} {c.items}" for t, c in s.lastmile.counts.items()))
        wall, cpu, s = _timed(loc)
        print(_line("unchanged", wall, cpu, s, TARGET_ONE_CHANGE))
        view = root / "lastmile" / "lookml" / "views" / "view_0.view.lkml"
        view.write_text(view.read_text().replace("'large'", "'extra large'"))
        st = view.stat()
        os.utime(view, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        wall, cpu, s = _timed(loc)
        print(_line("one change", wall, cpu, s, TARGET_ONE_CHANGE))
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        accuracy = HERE / "lastmile_accuracy.py"
        if accuracy.exists():
            import lastmile_accuracy  # noqa: PLC0415 - optional part, owned by the SQL-logic side

            if hasattr(lastmile_accuracy, "main"):
                lastmile_accuracy.main()
        if not args.no_querylog and (HERE / "bench_querylog.py").exists():  # the query-log figures, same run
            import bench_querylog  # noqa: PLC0415 - owned by the query-log side

            print("query log (bench_querylog.py):")
            bench_querylog.main([])
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
