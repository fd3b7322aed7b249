"""The HTML report in a real headless Chromium: every chart renders, nothing injected runs.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``); skipped without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from console.report import render
from console.report.model import build_report
from tests.report.conftest import EXPIRED_EXC, FINDINGS, RULES, SUPPRESSED

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHARTS = ("chart-findings", "chart-tests", "chart-durations", "chart-freshness", "chart-dag")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", *args],
        capture_output=True, text=True, timeout=180,
    )


@pytest.fixture(scope="module")
def report_file(shop_ctx, tmp_path_factory) -> Path:
    data = build_report(shop_ctx, FINDINGS, rules=RULES, suppressed=SUPPRESSED, expired=((FINDINGS[2], EXPIRED_EXC),), charts=True)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render("html", data), encoding="utf-8")
    return path


def test_every_chart_renders_and_nothing_is_injected(report_file, tmp_path):
    proc = chromium(tmp_path, "--dump-dom", report_file.as_uri())
    dom = proc.stdout
    assert proc.returncode == 0 and "<h1>shop</h1>" in dom, proc.stderr[-2000:]
    starts = sorted((dom.index(f'id="{c}"'), c) for c in CHARTS)
    for (start, chart), end in zip(starts, [s for s, _ in starts[1:]] + [len(dom)]):
        block = dom[start:end]
        assert "plot-container" in block and "main-svg" in block, f"{chart} did not render"
    assert len(re.findall(r'class="[^"]*\bmain-svg\b', dom)) >= 2 * len(CHARTS)
    assert "<img" not in dom  # the hostile name stayed text
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom  # ...and is shown (DAG label, legend)


def test_screenshot_is_a_real_page(report_file, tmp_path):
    png = tmp_path / "report.png"
    proc = chromium(tmp_path, "--window-size=1400,2600", "--hide-scrollbars", f"--screenshot={png}", report_file.as_uri())
    assert png.is_file(), proc.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000  # a blank page compresses to a few kB


def test_the_summary_renders_at_the_top_and_stays_text(shop_ctx, tmp_path):
    data = build_report(shop_ctx, FINDINGS, rules=RULES, charts=True, overview=True)
    page = tmp_path / "summary.html"
    page.write_text(render("html", data), encoding="utf-8")
    proc = chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = proc.stdout
    assert proc.returncode == 0 and '<section id="summary">' in dom, proc.stderr[-2000:]
    summary = dom[dom.index('<section id="summary">'):dom.index('<section id="findings">')]
    assert f"{data.overview.score:.1f}/10</span> health" in summary
    assert "5 findings" in summary and "Top 5 by priority" in summary and "Most frequent: " in summary
    assert summary.count('<tr class="') == len(data.overview.top)  # the top list, one row each
    assert "<script" not in summary and "breaks out &lt;/script&gt;&lt;script&gt;" in summary  # inert text
    assert dom.count("<script") == 3  # the filter, plotly.js and the charts: nothing injected
    assert "plot-container" in dom  # and the charts below still draw
