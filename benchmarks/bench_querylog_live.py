"""Benchmark: pg_stat_statements read live on every collect, beside a query log of 1,000,000 rows.

A collect with the live feed (PostgreSQL's ``pg_stat_statements``, read by the warehouse phase:
``collectors/query_logs/pg_live.py``) brings up to 5,000 statements whose cumulative counters
replace the stored rows of the same statements every time. ``query_consumers`` then follows by
difference (the replaced rows' summary out, the new rows' in: ``write_querylog``); before, it was
recomputed from the whole ``query_log``. This script measures both on the same store, in one run:

* the store: the Snowflake QUERY_HISTORY export of ``bench_querylog.py`` (N rows, default
  1,000,000, 10,000 distinct texts) collected once, then a first live read of S statements
  (default 5,000) stored;
* the live phase: :func:`collectors.querylog_phase.querylog_phase` of the next live read (every
  statement's calls grown), outside the store's lock;
* the write by difference: :func:`collectors.querylog_phase.write_querylog` of it, in a
  transaction that is rolled back (so every round sees the same store);
* the write as it was before: the same, with ``query_consumers`` recomputed from the whole
  ``query_log`` (its columns read back, summed by :func:`collectors.querylog_phase.consumers_summary`,
  written), in a rolled-back transaction.

Rounds alternate (default 3); the best and the median of each are printed, with their ratio.

Usage::

    python benchmarks/bench_querylog_live.py                   # 1,000,000 rows, 5,000 statements
    python benchmarks/bench_querylog_live.py --rows 100000     # a quick check
    python benchmarks/bench_querylog_live.py --keep DIR        # keep (and reuse) the store
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import polars as pl  # noqa: E402
from bench_querylog import query_text, small_project, write_log  # noqa: E402

from collectors.pipeline import collect  # noqa: E402
from collectors.query_logs.pg_live import LiveLog  # noqa: E402
from collectors.querylog_phase import querylog_phase, write_querylog  # noqa: E402
from collectors.summary import CollectSummary  # noqa: E402
from console.cli.options import resolve_locations  # noqa: E402
from console.store import peek  # noqa: E402
from console.store.store import open_writer  # noqa: E402

ROLES = ["tableau_svc", "looker_svc", "hightouch_svc", "metabase_svc", "dbt"] + [f"analyst_{i:02d}" for i in range(40)]


class _RollBack(Exception):
    """Raised inside a write transaction to leave the store as it was."""


def live_rows(statements: int, round_: int, seed: int = 11) -> pl.DataFrame:
    """``statements`` rows of pg_stat_statements as the warehouse read hands them (text columns);
    ``round_`` grows every statement's calls (cumulative counters)."""
    rng = random.Random(seed)
    relations = [f"analytics.{p}_{n}" for p in ("fct", "dim", "exp", "rpt") for n in range(60)]
    rows = []
    for i in range(statements):
        calls = rng.randint(1, 500)
        rows.append((str(1_000_000 + i), rng.choice(ROLES), "shop", str(calls * (round_ + 1)),
                     query_text(rng, i, relations).replace("dateadd(day, -", "current_date - (").replace(", current_date())", ")"), "true"))
    return pl.DataFrame(rows, schema=["queryid", "rolname", "datname", "calls", "query", "toplevel"], orient="row")


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _in_rolled_back(store: Path, project: Path, fn) -> float:
    """Seconds ``fn(writer)`` takes inside a write transaction that is then rolled back."""
    took = 0.0
    try:
        with open_writer(store, project) as w:
            took, _ = _timed(lambda: fn(w))
            raise _RollBack
    except _RollBack:
        pass
    return took


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (a store there is reused)")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_querylog_live_"))
    project, log, store = work / "project", work / "logs" / "query_history.csv", work / "store.duckdb"
    if not project.exists():
        small_project(project)
    loc = resolve_locations(project, query_logs=(log.parent,), store=store)
    if not store.exists():
        log.parent.mkdir(parents=True, exist_ok=True)
        write_log(log, args.rows, args.texts)
        t, _ = _timed(lambda: collect(loc))
        print(f"store: {args.rows:,} rows collected in {t:.1f} s")
    marker = work / "first_live_read_stored"
    if not marker.exists():
        frames = querylog_phase(loc, peek(store), None, live=LiveLog("pg_stat_statements of bench", live_rows(args.statements, 0)))
        with open_writer(store, project) as w:
            write_querylog(w, frames, CollectSummary(project, store))
        marker.write_text(str(args.statements))
        print(f"store: a first live read of {args.statements:,} statements stored")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (above 2 the times below are inflated)")
    live = LiveLog("pg_stat_statements of bench", live_rows(args.statements, 1))
    phase, diff, full = [], [], []
    for _ in range(args.rounds):
        t, frames = _timed(lambda: querylog_phase(loc, peek(store), None, live=live))
        phase.append(t)
        diff.append(_in_rolled_back(store, project, lambda w: write_querylog(w, frames, CollectSummary(project, store))))
        forced = dataclasses.replace(frames, replace=True)  # (no file rows: only forces the recompute)
        full.append(_in_rolled_back(store, project, lambda w: write_querylog(w, forced, CollectSummary(project, store))))
    for label, xs in (("live phase (outside the lock)", phase), ("write, consumers by difference", diff),
                      ("write, full recompute (before)", full)):
        print(f"{label:<32} best {min(xs):6.2f} s  median {statistics.median(xs):6.2f} s")
    print(f"by difference / full recompute: best {min(diff) / min(full):.2f}x, median {statistics.median(diff) / statistics.median(full):.2f}x")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
