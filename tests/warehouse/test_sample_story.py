"""The sample project's break, as the warehouse shows it: `raw.inventory` renamed upstream to
`raw.store_inventory` on day 5, the old table frozen. `console report` on a copy of the sample,
judged an hour after the week's last build (`--now`, as tests/report/test_cli.py does)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
pytestmark = pytest.mark.slow  # a whole `console report` of the sample in a process of its own


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    project = tmp_path_factory.mktemp("story") / "sample"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".console"))
    done = subprocess.run(
        [sys.executable, "-m", "console", "report", str(project), "--format", "json", "--now", "2026-11-07T08:00:00Z", "--exit-zero"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def test_the_default_profile_reads_the_sample_warehouse(report):
    _, err = report
    assert "note: warehouse: profile `alcohol_marketplace`, target `dev` (duckdb warehouse.duckdb): 25 relations, 168 columns, 6 source freshness readings in " in err


def test_the_frozen_inventory_feed_is_stale_by_the_warehouse_own_data(report):
    data, _ = report
    (stale,) = [f for f in data["findings"] if f["rule"] == "WHS004"]
    assert stale["node"] == "source.alcohol_marketplace.inventory_feed.inventory" and stale["severity"] == "error"
    assert stale["message"] == (
        "source `inventory_feed.inventory`: the warehouse's latest `_loaded_at` is 2026-11-04 05:19, 3 days 2 hours before "
        "2026-11-07 08:00, past its error_after of 48 hours; `dbt source freshness` agreed on 2026-11-07 07:05"
    )


def test_the_renamed_table_is_an_orphan_that_names_the_source_it_replaced(report):
    data, _ = report
    (orphan,) = [f for f in data["findings"] if f["rule"] == "WHS005"]
    assert orphan["node"] == "source.alcohol_marketplace.inventory_feed.inventory"
    assert orphan["path"] == "models/staging/_sources.yml"
    assert orphan["message"] == (
        "table `raw.store_inventory` (8,656 rows) is in the project's schema `raw` but no dbt node, source or exposure accounts "
        "for it; it has every column of source `inventory_feed.inventory` (`raw.inventory`), whose latest `_loaded_at` is "
        "2026-11-04 05:19 (3 days 2 hours old): renamed upstream?"
    )
    # nothing else in the warehouse contradicts dbt: no missing relation, no drift
    assert [f for f in data["findings"] if f["rule"] in ("WHS001", "WHS002", "WHS003", "WHS006")] == []
