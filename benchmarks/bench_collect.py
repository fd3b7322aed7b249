"""Benchmark of ``console collect`` against baselines measured in the same run.

Prints, for synthetic projects made by :mod:`benchmarks.synthetic`:

1. cold collect of a 10k-node manifest with its run_results (SQL facts excluded), whole
   process, against a whole process that only does ``orjson.loads`` of the same manifest
   (target: ratio at most 2.0);
2. peak memory (max RSS) of that collect at 50k nodes (target: at most 1.5 GB, 1430 MiB),
   and of a ``report --no-collect`` on the store it wrote (target: at most 0.8 GB, 763 MiB);
3. collect again after one model's SQL file changed, at 10k nodes: in a long-running process
   (the terminal UI follows changes this way) and as a whole process (target: at most 0.3 s);
4. SQL facts for 10k models through the pipeline, in process: cold (empty cache, both
   cores) and warm (from the store's cache) (targets: 15 s and 1 s); the phase's own time,
   as the collect summary reports it.

Usage: ``python benchmarks/bench_collect.py [--sizes 10000,50000] [--repeat 3] [--quick]
[--keep DIR] [--no-sql]``. ``--keep DIR`` writes the generated projects there and reuses them
in later runs (generating 50k nodes takes minutes). Machines here are noisy: read the ratios,
and run twice before believing a number.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.synthetic import generate  # noqa: E402

PY = sys.executable
ENV = {**os.environ, "CI": "1", "NO_COLOR": "1"}
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter(); r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "dt = time.perf_counter() - t\n"
    "if r.returncode: sys.stderr.write(r.stderr); sys.exit(r.returncode)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(dt, u.ru_maxrss, u.ru_utime + u.ru_stime)\n"
)


def run_measured(cmd: list[str]) -> tuple[float, float, float]:
    """(seconds, peak RSS in MB, CPU seconds) of one whole process."""
    out = subprocess.run([PY, "-c", MEASURE, *cmd], capture_output=True, text=True, env=ENV)
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    secs, rss_kb, cpu = out.stdout.split()
    return float(secs), int(rss_kb) / 1024, float(cpu)


def best(fn, repeat: int) -> tuple[float, float, float]:
    """Best wall time, highest peak and best CPU time of ``repeat`` runs. CPU time is what a
    loaded machine disturbs least (wall times here vary by several times with other work)."""
    runs = [fn() for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), min(r[2] for r in runs)


def console_cmd(*args: str) -> list[str]:
    return [PY, "-m", "console", *args]


def generated(proj: Path, n: int) -> tuple[dict, str]:
    """The synthetic project of ``n`` nodes at ``proj``: reused when a finished one is there."""
    done = proj / ".generated.json"
    if done.is_file():
        return json.loads(done.read_text()), "reused"
    shutil.rmtree(proj, ignore_errors=True)  # a generation cut short
    t = time.perf_counter()
    counts = generate(proj, n)
    done.write_text(json.dumps(counts))
    return counts, f"generated in {time.perf_counter() - t:.1f} s"


def bench_size(n: int, work: Path, repeat: int, incremental: bool, sql: bool) -> None:
    proj = work / f"p{n}"
    counts, how = generated(proj, n)
    manifest = proj / "target" / "manifest.json"
    print(f"\n== {n} nodes ({counts}); manifest {manifest.stat().st_size / 1e6:.0f} MB; {how}")
    store = work / f"s{n}.duckdb"

    def loads():
        return run_measured([PY, "-c", "import orjson, sys; orjson.loads(open(sys.argv[1], 'rb').read())", str(manifest)])

    def cold():
        for p in (store, Path(str(store) + ".lock"), Path(str(store) + ".wal")):
            p.unlink(missing_ok=True)
        return run_measured(console_cmd("collect", str(proj), "--store", str(store), "--no-sql-facts", "-q"))

    load_before = os.getloadavg()[0]
    base_s, base_mb, base_cpu = best(loads, repeat)
    cold_s, cold_mb, cold_cpu = best(cold, repeat)
    print(f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores")
    print(f"orjson.loads whole process      {base_s:7.2f} s  {base_mb:7.0f} MiB  CPU {base_cpu:.2f} s")
    print(f"console collect cold (no SQL)   {cold_s:7.2f} s  {cold_mb:7.0f} MiB  CPU {cold_cpu:.2f} s  ratio {cold_s / base_s:.2f} (target <= 2.0), in CPU time {cold_cpu / base_cpu:.2f}")
    print(f"peak memory of the collect      {cold_mb:7.0f} MiB  (target at 50k: 1.5 GB = 1430 MiB; orjson.loads alone peaks at {base_mb:.0f} MiB)")
    print(f"store written                   {store.stat().st_size / 1e6:7.1f} MB")
    report_s, report_mb, _ = best(lambda: run_measured(console_cmd("report", str(proj), "--store", str(store), "--no-collect", "--format", "json", "-o", os.devnull, "--exit-zero")), repeat)
    print(f"peak memory of the report       {report_mb:7.0f} MiB  (target at 50k: 0.8 GB = 763 MiB; {report_mb / base_mb:.2f}x orjson's peak; {report_s:.2f} s)")

    if incremental:
        same_s, *_ = best(lambda: run_measured(console_cmd("collect", str(proj), "--store", str(store), "--no-sql-facts", "-q")), repeat)
        print(f"collect again, nothing changed  {same_s:7.2f} s  (whole process)")
        from collectors.pipeline import collect
        from console.cli.options import resolve_locations

        loc = resolve_locations(proj, store=store)
        collect(loc, sql_facts=True)  # warm the SQL-facts cache for the in-process runs
        model = next((proj / "models" / "marts").rglob("*.sql"))
        original, stat = model.read_bytes(), model.stat()  # put back at the end: a kept project is reused
        times = []
        for i in range(repeat):
            model.write_text(model.read_text() + f"\n-- edit {i}\n")
            t = time.perf_counter()
            s = collect(loc, sql_facts=True)
            times.append(time.perf_counter() - t)
        print(f"one model edited, in-process    {min(times):7.2f} s  (target <= 0.3 s; {s.sql_parsed} parsed)")
        wtimes = []
        for i in range(repeat):
            model.write_text(model.read_text() + f"\n-- edit again {i}\n")
            wtimes.append(run_measured(console_cmd("collect", str(proj), "--store", str(store), "-q"))[0])
        print(f"one model edited, whole process {min(wtimes):7.2f} s  (python start + imports included)")
        model.write_bytes(original)
        os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        imports = best(lambda: run_measured([PY, "-c", "import duckdb, polars, pyarrow, orjson, click"]), repeat)[0]
        print(f"  of which imports alone        {imports:7.2f} s")

    if sql:
        from collectors.pipeline import collect
        from console.cli.options import resolve_locations
        from console.store import open_writer

        # a project with 10k models (the synthetic mix is about 52% models)
        proj = work / "sql10k"
        models = generated(proj, int(10_000 / 0.52) + 1)[0]["models"]
        store = work / "sql10k.duckdb"
        loc = resolve_locations(proj, store=store)
        print(f"-- SQL facts over a project of {models} models")
        cold_run = collect(loc, sql_facts=True)
        # warm: the same SQL again, from the store's cache: forget the manifest so it is parsed anew
        with open_writer(store, proj) as w:
            w.delete_where_in("artifact_files", "kind", ["manifest"])
            w.finish({})
        warm_run = collect(loc, sql_facts=True)
        print(f"SQL facts phase, cold           {cold_run.sql_seconds:7.2f} s  ({cold_run.sql_parsed} models parsed on {os.cpu_count()} cores; target <= 15 s)")
        print(f"SQL facts phase, warm           {warm_run.sql_seconds:7.2f} s  ({warm_run.sql_cached} models from the cache; target <= 1 s)")
        print(f"  whole collects with SQL facts  cold {cold_run.seconds:.2f} s, warm {warm_run.seconds:.2f} s (in-process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1k nodes, one repeat")
    parser.add_argument("--keep", type=Path, help="generate the projects here and reuse them in later runs")
    parser.add_argument("--no-sql", action="store_true", help="skip the measures that parse SQL (3. and 4.)")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.quick else args.repeat
    # bytecode for the console's modules, as an installed wheel has: an editable install under
    # PYTHONDONTWRITEBYTECODE would compile them again in every timed process
    subprocess.run([PY, "-m", "compileall", "-q", "console", "collectors", "rules"], check=True, cwd=HERE.parent)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_collect_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            small = n <= 10_000 and not args.no_sql
            bench_size(n, work, repeat, incremental=small, sql=small)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
