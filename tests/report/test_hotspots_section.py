"""The report's "Layerinitis hotspots" section, run as a real ``console report`` on a real store
(sample_project's last mile, plus an item with a hostile name): the same hotspots as ``console
hotspots``, after the summary, in text, Markdown, JSON and HTML, escaped in each."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from console.report import render
from console.report.hotspots_section import SHOWN, HotspotsSection
from console.report.model import ReportData
from tests.layerinitis.story import ITEMS, lastmile_item, story_context

NOW = "2026-11-08T09:00:00Z"
EVIL = "Evil \x1b[31mred\x1b[0m | <script>alert(1)</script> *x* `t"


def console(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_hotspots")
    hostile = lastmile_item("metabase", "native_question", "lastmile/metabase/evil.json", 1, EVIL,
                            sql="select a from analytics.fct_orders where a > 1 and b = 'x' and c < 3", sql_line=2)
    story_context(root, items=[*ITEMS, hostile])
    (root / "proj").mkdir()
    return root


def report(story, *more: str, project: str = "proj") -> subprocess.CompletedProcess:
    return console("report", str(story / project), "--no-collect", "--store", str(story / "store.duckdb"),
                   "--now", NOW, "--exit-zero", *more)


def test_json_hotspots_are_console_hotspots_items(story):
    out = report(story, "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    ranked = json.loads(console("hotspots", str(story / "proj"), "--no-collect", "--store", str(story / "store.duckdb"),
                                "--now", NOW, "--format", "json", "--limit", str(SHOWN)).stdout)
    assert len(doc["hotspots"]) == SHOWN
    assert doc["hotspots"] == ranked["items"]  # one ranking, not a second one computed differently
    assert doc["hotspots"][0]["label"] == "Hightouch model `Top items for Salesforce`"
    assert doc["hotspots"][0]["home"] == {"node": "model.alcohol_marketplace.exp_top_items_salesforce", "new_export": None}
    assert list(doc)[:6] == ["schema_version", "tool", "project", "generated_at", "summary", "findings"]


def test_text_shows_the_section_after_the_summary_in_80_columns(story):
    out = report(story)
    assert out.returncode == 0, out.stderr
    summary, rest = out.stdout.split("\n\n", 1)
    assert "Layerinitis hotspots" not in summary and len(summary.splitlines()) <= 23
    lines = rest.splitlines()
    assert lines[0] == f"Layerinitis hotspots (top {SHOWN} of 8; all: console hotspots)"
    assert lines[1].startswith(" 1. Hightouch model `Top items for Salesforce`") and lines[1].endswith("score 14.0")
    assert "    belongs: `exp_top_items_salesforce`, the export it reads" in lines
    section = rest.split("\n\n", 1)[0].splitlines()
    assert sum(1 for line in section if line[:4].strip().rstrip(".").isdigit()) == SHOWN
    assert max(len(line) for line in section) <= 80
    assert "\x1b" not in out.stdout


def test_markdown_section_follows_the_summary(story):
    out = report(story, "--format", "markdown")
    summary, rest = out.stdout.split("\n### ", 1)
    assert "Layerinitis" not in summary
    assert rest.startswith(f"Layerinitis hotspots (top {SHOWN} of 8; all: `console hotspots`)")
    assert "1. **Hightouch model `Top items for Salesforce`** (score 14.0): " \
           "`lastmile/hightouch/models/top_items_for_salesforce.yaml:2`" in rest


def test_html_has_the_table_and_escapes_it(story):
    out = report(story, "--format", "html")
    assert out.returncode == 0, out.stderr
    section = out.stdout.split('<section id="hotspots">', 1)[1].split("</section>", 1)[0]
    assert section.count("<tr><td>") == SHOWN
    assert "<td>`exp_top_items_salesforce`, the export it reads</td>" in section


def test_junit_sarif_github_carry_no_hotspots(story):
    from console.config import load_config
    from console.report.hotspots_section import wanted

    config = load_config(story / "proj")
    assert {fmt for fmt in ("text", "markdown", "json", "junit", "sarif", "github", "html") if wanted(config, fmt)} \
        == {"text", "markdown", "json", "html"}
    out = report(story, "--format", "junit")
    assert out.returncode == 0 and "Layerinitis hotspots" not in out.stdout


def test_a_bad_hotspots_table_is_an_input_error(story):
    proj = story / "weighted"
    proj.mkdir(exist_ok=True)
    (proj / "console.toml").write_text("[hotspots]\nbypas = 5\n")
    out = report(story, project="weighted")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().endswith("unknown key `hotspots.bypas` (did you mean `bypass`?)")
    assert "console.toml" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_no_last_mile_no_section(tmp_path):
    story_context(tmp_path, items=[])
    (tmp_path / "proj").mkdir()
    for fmt in ("text", "markdown", "html"):
        out = report(tmp_path, "--format", fmt)
        assert out.returncode == 0 and "Layerinitis hotspots" not in out.stdout, out.stderr
    assert json.loads(report(tmp_path, "--format", "json").stdout)["hotspots"] == []


def _hostile_data() -> ReportData:
    from console.layerinitis.hotspots import Hotspot

    spot = Hotspot("item", "lastmile.metabase.x#evil", f"Metabase native question `{EVIL}`", "lastmile/<b>.json", 3, 4.0,
                   {}, (f"reads `{EVIL}`",), f"a new export `exp_{EVIL}`")
    return ReportData({"name": "shop"}, dt.datetime(2026, 1, 1), {}, (), hotspots=HotspotsSection((spot,), 1, 1))


def test_hostile_text_is_escaped_in_every_format():
    data = _hostile_data()
    text = render("text", data)
    assert "\x1b" not in text and "\\x1b[31mred" in text
    markdown = render("markdown", data)
    assert "\x1b" not in markdown and "<script>" not in markdown and "<b>" not in markdown
    page = render("html", data)
    section = page.split('<section id="hotspots">', 1)[1].split("</section>", 1)[0]
    assert "<script>" not in section and "<b>" not in section and "\x1b" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert json.loads(render("json", data))["hotspots"][0]["label"] == f"Metabase native question `{EVIL}`"


def test_the_section_is_the_head_of_the_one_ranking(tmp_path):
    from console.layerinitis import hotspots
    from console.layerinitis.hotspots import item_hotspots
    from console.report.hotspots_section import build

    ctx = story_context(tmp_path, items=ITEMS)
    section = build(ctx)
    assert section.top == tuple(item_hotspots(ctx)[:SHOWN]) and section.total == len(item_hotspots(ctx))
    assert hotspots(ctx)["items"] is item_hotspots(ctx)  # ranked once per context
    assert section.items == len(ITEMS)
