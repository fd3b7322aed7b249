"""The app with the Pilot: screens, bindings, the data contract, failures."""

from __future__ import annotations

import pytest

from console.tui.screens.checks import ChecksScreen
from console.tui.screens.freshness import FreshnessScreen
from console.tui.screens.overview import OverviewScreen
from console.tui.screens.runs import RunsScreen
from tests.tui.conftest import NOW, make_app, settle


async def test_opens_on_the_overview_with_the_reports_findings(sample_loc):
    from console.cli.report_cmd import _evaluate

    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, OverviewScreen)
        report = _evaluate(sample_loc, NOW, "json", (), (), None)
        assert [f.fingerprint for f in app.data.findings] == [f.fingerprint for f in report.findings]
        assert app.data.now == NOW and app.data.missing == ()


@pytest.mark.parametrize(("key", "screen"), [("3", ChecksScreen), ("4", FreshnessScreen), ("5", RunsScreen), ("1", OverviewScreen)])
async def test_number_keys_switch_screens(sample_loc, key, screen):
    app = make_app(sample_loc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("5" if key != "5" else "3", key)
        assert isinstance(app.screen, screen)
        assert app.screen.data is app.data
