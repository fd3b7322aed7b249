"""The first screen a lead reads, on the real sample project: the summary fits 80x24, the statistics
equal the JSON findings, a group's selector lists exactly its findings, and the summary compares
with the previous report through the store's history."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_project"
NOW = "2026-11-07T09:00:00Z"


def console(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, Path]:
    """The sample project collected once into a store of its own: (project, store)."""
    store = tmp_path_factory.mktemp("summary") / "store.duckdb"
    proc = console("collect", str(SAMPLE), "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    return SAMPLE, store


def report(sample, *extra: str) -> subprocess.CompletedProcess:
    project, store = sample
    return console("report", str(project), "--store", str(store), "--no-collect", "--now", NOW, "--exit-zero", *extra)


def summary_block(text: str) -> list[str]:
    """The text report's summary: the lines before the first empty one."""
    return text.split("\n\n", 1)[0].splitlines()


def check_one_screen(text: str, markdown: str) -> None:
    lines = summary_block(text)
    assert 4 <= len(lines) <= 23  # plus the empty line after it: one 24-line screen
    assert max(len(line) for line in lines) <= 80
    assert lines[0].split(" · ")[1].startswith("health ")
    assert "Top findings by priority" in lines
    top = lines[lines.index("Top findings by priority") + 1:]
    priorities = [int(line.split()[0]) for line in top if line[:3].strip().isdigit()]
    assert len(priorities) == 10 and priorities == sorted(priorities, reverse=True)
    md = markdown.split("\n### ", 1)[0].split("\n<details>", 1)[0].rstrip("\n").splitlines()
    assert len(md) <= 24 and max(len(line) for line in md) <= 80, md
    assert md[2].startswith("**Health ")


def test_the_summary_fits_one_screen_on_the_sample_project(sample):
    text = report(sample).stdout
    check_one_screen(text, report(sample, "--format", "markdown").stdout)
    lines = summary_block(text)
    assert lines[1].split() == ["category", "error", "warn", "info"]
    assert any(line.startswith("hardening") for line in lines)
    assert lines[-1].startswith("Most frequent: ")


def test_statistics_counts_equal_the_json_findings(sample):
    doc = json.loads(report(sample, "--format", "json").stdout)
    by_rule = Counter(f["rule"] for f in doc["findings"])
    stats = json.loads(report(sample, "--statistics", "--format", "json").stdout)
    assert {s["rule"]: s["count"] for s in stats} == dict(by_rule)
    assert stats == doc["statistics"]
    assert [s["count"] for s in stats] == sorted((s["count"] for s in stats), reverse=True)
    proc = report(sample, "--statistics")
    text = proc.stdout.splitlines()
    assert len(text) == len(stats) + 1, proc.stderr
    assert {line.split()[1]: int(line.split()[0]) for line in text[:-1]} == dict(by_rule)
    assert text[-1].startswith(f"{len(doc['findings'])} findings")
    fixable = {s["rule"] for s in stats if s["fixable_by_config"]}
    assert {"STR014", "HRD001"} <= fixable and not fixable & {"CHK001", "FRS001", "STR022"}
    assert all(("[*]" in line) == (line.split()[1] in fixable) for line in text[:-1])


def test_statistics_refuses_formats_it_cannot_print(sample):
    proc = report(sample, "--statistics", "--format", "sarif")
    assert proc.returncode == 2 and "--statistics prints text, markdown or json, not sarif" in proc.stderr


def test_a_group_names_the_selector_that_lists_all_its_findings(sample):
    doc = json.loads(report(sample, "--format", "json").stdout)
    assert doc["groups"], "the sample project has a rule firing on many nodes"
    group = doc["groups"][0]
    members = [f for f in doc["findings"] if f["rule"] == group["rule"]]
    assert group["count"] == len(members) >= 8
    assert group["top"] == [f["fingerprint"] for f in members[:5]]  # findings come in rank order
    assert group["production"] == sum(1 for f in members if f["priority"] >= 20 + 25)  # warn + production points
    selected = json.loads(report(sample, "--format", "json", "--select", group["select"]).stdout)
    assert [f["fingerprint"] for f in selected["findings"]] == [f["fingerprint"] for f in members]
    assert selected["groups"] == []  # a selection lists every finding it selected
    text = report(sample).stdout
    assert f"all: --select {group['select']}" in text
    assert text.count(f"  {group['rule']} {group['name']}  ") == 5  # top five shown, the rest counted
    narrowed = json.loads(report(sample, "--format", "json", "--select", f"{group['select']},path:models/staging").stdout)
    assert {f["path"].split("/")[1] for f in narrowed["findings"]} <= {"staging"}
    assert "matched no rule" in report(sample, "--select", "rule:NOPE999").stderr


def test_the_summary_compares_with_the_previous_report(tmp_path):
    """Two collects: the first report records its counts; the next one shows the change."""
    store = tmp_path / "store.duckdb"
    narrow = tmp_path / "narrow.toml"
    narrow.write_text('[rules]\nselect = ["hardening"]\n')
    wide = tmp_path / "wide.toml"
    wide.write_text('[rules]\nselect = ["hardening", "checks"]\n')
    first = console("report", str(SAMPLE), "--store", str(store), "--config", str(narrow), "--now", NOW, "--exit-zero")
    assert first.returncode == 0, first.stderr
    assert "since last report" not in summary_block(first.stdout)[0]
    second = console("report", str(SAMPLE), "--store", str(store), "--config", str(wide), "--now", NOW, "--exit-zero")
    lines = summary_block(second.stdout)
    checks = sum(int(n) for n in lines[[line.split()[0] for line in lines].index("checks")].split()[1:4])
    assert f"(+{checks} since last report)" in lines[0]
    assert lines[1].endswith("vs last")
    assert next(line for line in lines if line.startswith("checks")).split()[-1] == f"+{checks}"
    assert next(line for line in lines if line.startswith("hardening")).split()[-1] == "·"
    history = json.loads(console("scores", str(SAMPLE), "--store", str(store), "--no-collect", "--format", "json").stdout)
    assert len(history["project"]["history"]) == 1  # the latest collect's scores are today's, not history


def test_hostile_names_stay_inert_in_the_summary(tmp_path):
    from console.report import render
    from console.report.model import build_report
    from tests.report.conftest import EVIL_ID, FINDINGS, NOW as SHOP_NOW, shop_tables
    from tests.rules.helpers import make_context

    ctx = make_context(tmp_path, now=SHOP_NOW, **shop_tables())
    data = build_report(ctx, FINDINGS, scores=True, overview=True)
    text = render("text", data)
    assert "\x1b" not in text and EVIL_ID not in summary_block(text)[0]
    md = render("markdown", data)
    assert "<img" not in md and "</script>" not in md


@pytest.mark.slow
def test_the_summary_and_statistics_hold_on_a_10k_node_project(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synthetic

    project = tmp_path / "big"
    synthetic.generate(project, 10_000)
    store = tmp_path / "big.duckdb"
    from collectors.pipeline import collect
    from console.cli.options import resolve_locations

    collect(resolve_locations(project, store=store), sql_facts=False)  # the SQL rules are not what this measures
    big = (project, store)
    check_one_screen(report(big).stdout, report(big, "--format", "markdown").stdout)
    doc = json.loads(report(big, "--format", "json").stdout)
    stats = json.loads(report(big, "--statistics", "--format", "json").stdout)
    assert {s["rule"]: s["count"] for s in stats} == dict(Counter(f["rule"] for f in doc["findings"]))
    assert sum(s["count"] for s in stats) == len(doc["findings"]) > 5_000
    assert len(doc["scores"]["models"]) > 5_000
    shutil.rmtree(project)
