"""Rebuild the sample project's warehouse, dbt artifacts, run history and query log from scratch.

    python sample_project/regenerate.py            # in place
    python sample_project/regenerate.py --out DIR  # copy the project's sources to DIR, build there

Runs real dbt (dbt-core 1.11 + dbt-duckdb, from the project's dev extra) over seven simulated
days under libfaketime (Debian: apt-get install faketime), so dbt's own timestamps are those of
the simulated days. Installs nothing; says what is missing. See docs/sample_project.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = [".gitignore", "dbt_project.yml", "profiles.yml", "regenerate.py",
           "models", "seeds", "tests", "simulation", "lastmile"]
GENERATED = ["warehouse.duckdb", "warehouse.duckdb.wal", "target", "archive", "logs", "query_logs"]
KEPT_IN_TARGET = {"manifest.json", "run_results.json", "sources.json", "catalog.json"}
FAKETIME_DIRS = ["/usr/lib/x86_64-linux-gnu/faketime", "/usr/lib/aarch64-linux-gnu/faketime",
                 "/usr/lib/faketime", "/usr/local/lib/faketime", "/opt/homebrew/lib/faketime",
                 "/usr/local/lib"]


def find_libfaketime() -> str | None:
    if os.environ.get("FAKETIME_LIB"):
        return os.environ["FAKETIME_LIB"]
    for folder in FAKETIME_DIRS:
        for name in ("libfaketimeMT.so.1", "libfaketimeMT.1.dylib"):
            if Path(folder, name).exists():
                return str(Path(folder, name))
    return None


def check_tools() -> str:
    missing = []
    for module, package in (("dbt.cli.main", "dbt-core"), ("dbt.adapters.duckdb", "dbt-duckdb")):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(f"  {package} is not installed for {sys.executable}: "
                           f"pip install -e '.[dev]' (or: pip install 'dbt-core>=1.11,<1.12' dbt-duckdb)")
    lib = find_libfaketime()
    if lib is None:
        missing.append("  libfaketime (libfaketimeMT.so.1) not found: apt-get install faketime "
                       "(or set FAKETIME_LIB to its path)")
    if missing:
        sys.exit("regenerate.py needs:\n" + "\n".join(missing))
    return lib


def prepare(out: Path) -> Path:
    """The folder to build in: this one, or a fresh copy of the project's sources."""
    if out.resolve() != HERE:
        out.mkdir(parents=True, exist_ok=True)
        for name in SOURCES:
            src = HERE / name
            if src.is_dir():
                shutil.copytree(src, out / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__"))
            elif src.exists():
                shutil.copy2(src, out / name)
    for name in GENERATED:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return out.resolve()


def compact(project: Path) -> None:
    """Copy the warehouse into a fresh file: the week of `create or replace` left free blocks."""
    import duckdb

    fresh = project / "compact" / "warehouse.duckdb"  # same file name: the catalog stays `warehouse`
    fresh.parent.mkdir()
    con = duckdb.connect()
    con.execute(f"attach '{project / 'warehouse.duckdb'}' as warehouse (read_only)")
    con.execute(f"attach '{fresh}' as compact (block_size 16384)")
    con.execute("copy from database warehouse to compact")
    con.close()
    fresh.replace(project / "warehouse.duckdb")
    fresh.parent.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="build in this folder (default: here)")
    args = parser.parse_args()
    started = time.perf_counter()
    lib = check_tools()
    project = prepare(args.out)
    sys.dont_write_bytecode = True
    print(f"building {project}")

    with tempfile.TemporaryDirectory() as tmp:
        clock_file = Path(tmp, "faketime")
        clock_file.write_text("@2026-10-31 00:00:00\n")  # run_days.py moves it day by day
        env = dict(os.environ, TZ="UTC", LD_PRELOAD=lib, FAKETIME_TIMESTAMP_FILE=str(clock_file),
                   FAKETIME_NO_CACHE="1", DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1",
                   PYTHONDONTWRITEBYTECODE="1")
        env.pop("FAKETIME", None)
        t = time.perf_counter()
        done = subprocess.run([sys.executable, str(project / "simulation" / "run_days.py"), str(project)],
                              env=env, cwd=project)
        if done.returncode != 0:
            sys.exit(f"the simulated week failed (exit {done.returncode})")
        print(f"dbt over 7 simulated days: {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    compact(project)
    sys.path.insert(0, str(project / "simulation"))
    import query_log

    rows = query_log.write(project)
    print(f"query log ({rows} queries) and compaction: {time.perf_counter() - t:.1f} s")

    for path in (project / "target").iterdir():  # keep only the artifacts the console reads
        if path.name not in KEPT_IN_TARGET:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.rmtree(project / "logs", ignore_errors=True)
    size = sum(p.stat().st_size for p in project.rglob("*") if p.is_file())
    print(f"done in {time.perf_counter() - started:.1f} s; {project.name}/ holds {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
