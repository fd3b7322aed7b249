"""Fixtures of the triage tests (imported by each test module: a second conftest.py outside a package
clashes with the others under --doctest-modules): sample_project copied and collected once."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parents[2] / "sample_project"
#: The sample's last morning, after the 07:05 freshness check.
NOW = dt.datetime(2026, 11, 7, 9, 0)


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """Locations of a collected copy of sample_project (with its last mile and query logs)."""
    from collectors.pipeline import collect
    from console.cli.options import resolve_locations

    dest = tmp_path_factory.mktemp("triage") / "sample"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns(".console"))
    loc = resolve_locations(dest, lastmile=(dest / "lastmile",), query_logs=(dest / "query_logs",))
    collect(loc)
    return loc


@pytest.fixture(scope="session")
def triage(sample):
    """A Triage of the collected sample, judged at :data:`NOW` with the report's findings."""
    from console.triage import Triage, load_extras
    from rules.context import Context
    from rules.engine import evaluate

    ctx = Context.from_store(sample.store, now=NOW, settings=sample.config.settings())
    findings = evaluate(ctx, sample.config).findings
    return Triage(ctx, findings, load_extras(sample.store))


def console(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``console ARGS`` in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, env=env, timeout=300)
