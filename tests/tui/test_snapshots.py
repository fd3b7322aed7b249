"""Whole-screen snapshots of each screen on sample_project, at 80x24 and 160x48 (SVGs in __snapshots__).

"Now" is frozen (tests/tui/conftest.py), the app draws no clock, and every list is sorted
stably, so a snapshot changes only when a screen does. Update with ``--snapshot-update`` and
look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app, settle

SIZES = [(80, 24), (160, 48)]
SCREENS = [("overview", ()), ("checks", ("3", "j")), ("freshness", ("4",)), ("runs", ("5", "j")), ("runs-nodes", ("5", "n")), ("layerinitis", ("6",))]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("name", "keys"), SCREENS, ids=[s[0] for s in SCREENS])
def test_screen_snapshot(snap_compare, sample_loc, name, keys, size):
    async def run_before(pilot) -> None:
        await settle(pilot, pilot.app)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.5)  # a finding's SQL is fetched once the cursor rests (0.25 s)
        await settle(pilot, pilot.app)

    assert snap_compare(make_app(sample_loc), terminal_size=size, run_before=run_before)
