"""Fuzzing every kind of file the console reads, beyond the artifacts (see
``tests/collectors/test_artifact_fuzz.py``): project files, ``console.toml``, last-mile files and
query logs, mutated from real ones.

Each reader either reads the file or refuses it with one-line ``InputError`` (last-mile readers
never raise: a bad file is a counted skip). The default run takes a few hundred cases; the
``slow`` run (CI) takes 10,100 in all (fewer of the slower query logs), with a fixed seed so a failure
repeats. Readers run in-process: a case costs milliseconds, not a process start.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from console.errors import InputError

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_project"


def sizes(many: int):
    """A quick run by default and ``many`` cases in the slow run (the four kinds add up to 10,100)."""
    return pytest.mark.parametrize(
        "examples", [pytest.param(100, id="quick"), pytest.param(many, id="many", marks=pytest.mark.slow)]
    )


def _run(examples: int, fuzz_seed: int, strategy, check) -> None:
    """Run ``check`` on ``examples`` cases drawn from ``strategy``, repeatably."""

    @seed(fuzz_seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case):
        check(case)

    run()


HOSTILE_BYTES = [b"\x00", b"\x1b[2J", b"\xff\xfe", b"{{", b"{%", b"'", b'"', b"[" * 200, b"{" * 200, b"\n", b"\t",
                 b"${", b"{{ ref(", b"---\n", b"&a [*a, *a]", b"\xef\xbb\xbf", b"%%sql", b"select", b"\\"]


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """A real file, damaged the ways files get damaged: cut, spliced, flipped, padded."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["cut", "flip", "insert", "delete", "duplicate", "swap"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if how == "cut":
            del data[at:]
        elif how == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif how == "insert":
            data[at:at] = draw(st.sampled_from(HOSTILE_BYTES) | st.binary(max_size=8))
        elif how == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif how == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        elif how == "swap" and len(data) > 2:
            other = draw(st.integers(0, len(data) - 1))
            data[at], data[other] = data[other], data[at]
    return bytes(data)


# -- last-mile files ----------------------------------------------------------------------
LASTMILE = sorted(p for p in (SAMPLE / "lastmile").rglob("*") if p.is_file())


def _lastmile_case(index: int, data: bytes) -> None:
    from collectors.lastmile.discover import read_payload, reader_kind

    path = LASTMILE[index % len(LASTMILE)]
    kind = reader_kind(path.name)
    payload = read_payload(str(path.relative_to(SAMPLE)), data, kind, "duckdb")
    assert isinstance(payload, dict)


@st.composite
def lastmile_case(draw):
    index = draw(st.integers(0, len(LASTMILE) - 1))
    return index, draw(mutated(LASTMILE[index].read_bytes()))


@sizes(4000)
def test_lastmile_files(examples):
    _run(examples, 7, lastmile_case(), lambda case: _lastmile_case(*case))


# -- console.toml --------------------------------------------------------------------------
CONFIG = (SAMPLE / "console.toml").read_bytes() + b"""
[paths]
lastmile = ["lastmile"]
[layers.staging]
prefixes = ["stg_"]
[rules]
ignore = ["STR005"]
severity = { "model-fanout" = "error" }
options = { "model-fanout" = { models_fanout_threshold = 5 } }
"""


@sizes(3500)
def test_console_toml(examples, tmp_path):
    from console.config import load_config

    folder = tmp_path / "cfg"
    folder.mkdir()

    def check(data: bytes) -> None:
        (folder / "console.toml").write_bytes(data)
        try:
            load_config(folder)
        except InputError as e:
            assert "\n" not in str(e) and "console.toml" in str(e)

    _run(examples, 11, mutated(CONFIG), check)


# -- dbt project files ---------------------------------------------------------------------
PROJECT_FILES = {
    "dbt_project.yml": (SAMPLE / "dbt_project.yml").read_bytes(),
    "models/staging/_staging.yml": (SAMPLE / "models/staging/_staging.yml").read_bytes(),
    "models/staging/stg_orders.sql": (SAMPLE / "models/staging/stg_orders.sql").read_bytes(),
    "models/marts/fct_orders.sql": (SAMPLE / "models/marts/fct_orders.sql").read_bytes(),
}


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("proj") / "p"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".console", "target", "archive", "query_logs", "lastmile", "*.duckdb", "simulation"))
    return root


@st.composite
def project_case(draw):
    rel = draw(st.sampled_from(sorted(PROJECT_FILES)))
    return rel, draw(mutated(PROJECT_FILES[rel]))


@sizes(1800)
def test_project_files(examples, project_copy):
    from collectors.dbt_project import read_project

    def check(case) -> None:
        rel, data = case
        path = project_copy / rel
        path.write_bytes(data)
        try:
            read_project(project_copy)
        except InputError as e:
            assert "\n" not in str(e)
        finally:
            path.write_bytes(PROJECT_FILES[rel])

    _run(examples, 13, project_case(), check)


# -- query logs ----------------------------------------------------------------------------
def _head(path: Path, lines: int) -> bytes:
    return b"".join(path.read_bytes().splitlines(keepends=True)[:lines])


QUERY_LOGS = {
    "query_history.csv": _head(SAMPLE / "query_logs" / "query_history.csv", 60),
    "access_history.json": (SAMPLE / "query_logs" / "access_history.json").read_bytes()[:6000],
    "pg_stat_statements.csv": b'userid,dbid,queryid,query,calls,total_exec_time\n10,5,1,"select * from analytics.exp_top_items_crm where volume_ml > 50",12,3.5\n',
    "plain.csv": b"time,user,query\n2026-11-07T08:00:00Z,ana,select * from analytics.fct_orders\n",
}


@st.composite
def log_case(draw):
    name = draw(st.sampled_from(sorted(QUERY_LOGS)))
    return name, draw(mutated(QUERY_LOGS[name]))


@sizes(800)
def test_query_logs(examples, tmp_path):
    from collectors.querylog_phase import querylog_phase
    from console.cli.options import resolve_locations

    folder = tmp_path / "ql"
    folder.mkdir()
    seen = {"file_stats": {}, "artifact_hashes": set(), "nodes": None, "edges": None, "adapter": "snowflake"}

    def check(case) -> None:
        name, data = case
        log = folder / name
        log.write_bytes(data)
        loc = resolve_locations(folder, query_logs=(log,), store=folder / "store.duckdb")
        try:
            querylog_phase(loc, seen, None)
        except InputError as e:
            assert "\n" not in str(e) and name in str(e)
        finally:
            log.unlink()

    _run(examples, 17, log_case(), check)
