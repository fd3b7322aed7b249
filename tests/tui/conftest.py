"""The terminal UI on real stores: sample_project collected once into a temp store, and helpers.

Screens are judged at a frozen "now" (:data:`NOW`, an hour after the sample week's last build)
with a configuration that keeps the rule categories the screens are about, so adding a
structure or layerinitis rule elsewhere does not move every snapshot.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from console.cli.options import resolve_locations

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_project"
NOW = dt.datetime(2026, 11, 7, 8, 0, 0)
#: The rule categories the UI tests judge with (see the module docstring).
CONFIG = """\
[production]
exposure_types = ["application", "ml"]

[rules]
select = ["checks", "freshness", "runs", "hardening"]
"""


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """sample_project collected (as `console collect` does) into a temp store."""
    from collectors.pipeline import collect

    store = tmp_path_factory.mktemp("tui-store") / "store.duckdb"
    collect(resolve_locations(SAMPLE, store=store))
    return store


@pytest.fixture(scope="session")
def tui_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tui-config") / "console.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def sample_loc(sample_store, tui_config):
    """Locations of sample_project with the collected store and the tests' configuration."""
    return resolve_locations(SAMPLE, store=sample_store, config_file=tui_config)


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A writable copy of sample_project (no store yet)."""
    dest = tmp_path / "sample_project"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns(".console", "__pycache__", "logs"))
    return dest


def make_app(loc, **kw):
    """The app as the tests run it: frozen now, no background collect, no watcher (unless asked)."""
    from console.tui.app import ConsoleApp

    kw.setdefault("now", NOW)
    kw.setdefault("collect", False)
    kw.setdefault("live", False)
    return ConsoleApp(loc, **kw)


async def settle(pilot, app) -> None:
    """Wait until the app's workers are done and the screen has drawn what they posted."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
        except (WorkerFailed, WorkerCancelled):  # the app reports these itself (an error dialog)
            pass
        await pilot.pause()
        if app.data is not None and not app._busy and not app.workers._workers:
            break
    await pilot.pause()
