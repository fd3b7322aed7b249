"""Run the simulated week: load each morning's raw data, then real dbt at simulated times.

Started by regenerate.py in a child process with libfaketime preloaded
(LD_PRELOAD=libfaketimeMT.so.1, FAKETIME_TIMESTAMP_FILE, FAKETIME_NO_CACHE=1), so that dbt,
and the DuckDB engine inside it, see the simulated clock. dbt runs in this one process
through dbtRunner: starting dbt 15 times as separate programs would take minutes.

usage: python simulation/run_days.py PROJECT_DIR
"""

from __future__ import annotations

import calendar
import json
import os
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

import raw_data

DAYS = 7
BUILD_AT, FRESHNESS_AT, DOCS_AT = "07:00:00", "07:05:00", "07:10:00"


class SimulatedClock:
    """Moves libfaketime's clock by rewriting its timestamp file.

    With a start-at spec ("@2026-11-01 07:00:00") and FAKETIME_NO_CACHE=1, libfaketime notices
    the new file at the next clock read and restarts from that time; the clock then ticks with
    real time, so dbt's timings stay real.
    """

    def __init__(self) -> None:
        self.path = os.environ.get("FAKETIME_TIMESTAMP_FILE")
        if not self.path or "faketime" not in os.environ.get("LD_PRELOAD", ""):
            sys.exit("run_days.py must be started by regenerate.py (libfaketime is not preloaded)")

    def set(self, when: datetime) -> None:
        Path(self.path).write_text(f"@{when:%Y-%m-%d %H:%M:%S}\n")
        drift = time.time() - calendar.timegm(when.timetuple())
        if not 0 <= drift < 2:
            sys.exit(f"libfaketime did not follow its timestamp file (clock off by {drift:.0f} s)")


def summary(target: Path, artifact: str | None) -> str:
    """What did not pass, from the artifact dbt just wrote."""
    if artifact is None:
        return ""
    results = json.loads((target / artifact).read_text())["results"]
    bad: dict[str, list[str]] = {}
    for r in results:
        if r["status"] not in ("success", "pass", "no-op"):
            kind, _, *name = r["unique_id"].split(".")
            bad.setdefault(r["status"], []).append(".".join(name[:2] if kind == "source" else name[:1]))
    return "; ".join(f"{status} {len(names)}: {', '.join(sorted(names)[:3])}{'...' if len(names) > 3 else ''}"
                     for status, names in sorted(bad.items())) or "all passed"


def main(project: Path) -> None:
    os.chdir(project)  # dbt-duckdb resolves the profile's relative path against the cwd
    from dbt.cli.main import dbtRunner  # imported here: heavy, and only after the checks

    clock = SimulatedClock()
    dbt = dbtRunner()
    world = raw_data.World(DAYS)
    archive = project / "archive"
    archive.mkdir(exist_ok=True)
    keep = project / "target" / "manifest_of_last_build.json"

    last_build = None

    def invoke(when: datetime, kind: str, args: list[str], day: int) -> None:
        nonlocal last_build
        clock.set(when)
        # env vars, not --vars: a changed --vars makes dbt re-parse the whole project
        os.environ.update(SIM_DAY=str(day), SIM_RUN_DATE=when.date().isoformat())
        started = time.perf_counter()
        argv = [*args, "--profiles-dir", ".", "--log-level", "none", "--log-level-file", "none"]
        sys.argv = ["dbt", *argv]  # dbt records sys.argv as the invocation_command
        res = dbt.invoke(argv)
        if res.exception is not None:
            raise SystemExit(f"dbt {' '.join(args)} crashed: {res.exception!r}")
        saved = {"build": "run_results.json", "freshness": "sources.json"}.get(kind)
        if saved:  # the history dbt itself does not keep
            folder = archive / f"{when:%Y-%m-%dT%H-%M-%S}_{kind}"
            folder.mkdir()
            shutil.copy2(project / "target" / saved, folder / saved)
        if kind == "build":
            shutil.copy2(project / "target" / "manifest.json", keep)
            last_build = folder
        print(f"  {when:%Y-%m-%d %H:%M} dbt {' '.join(args):<16} {time.perf_counter() - started:4.1f} s  "
              f"{summary(project / 'target', saved)}", flush=True)

    for day in range(1, DAYS + 1):
        date = raw_data.day_date(day)
        clock.set(datetime.combine(date, datetime.min.time()) + timedelta(hours=6))
        if day == 1:  # 16 KiB blocks, not 256 KiB: every table takes at least one block
            duckdb.connect().execute("attach 'warehouse.duckdb' as warehouse (block_size 16384)").close()
        # the same file as dbt-duckdb's connection, which stays open in this process
        con = duckdb.connect("warehouse.duckdb")
        raw_data.load_day(con, world, day)
        con.close()
        at = lambda hms: datetime.strptime(f"{date} {hms}", "%Y-%m-%d %H:%M:%S")  # noqa: E731
        invoke(at(BUILD_AT), "build", ["build"], day)
        invoke(at(FRESHNESS_AT), "freshness", ["source", "freshness"], day)
        if day == DAYS:
            invoke(at(DOCS_AT), "docs", ["docs", "generate"], day)

    # docs generate rewrote manifest.json and run_results.json: put back the last build's
    shutil.move(keep, project / "target" / "manifest.json")
    shutil.copy2(last_build / "run_results.json", project / "target" / "run_results.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
