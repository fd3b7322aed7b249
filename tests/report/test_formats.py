"""Every format carries the same findings; small cases are checked line for line."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from console.report import FORMATS, render
from console.report.model import ReportData, RuleInfo
from rules.base import Finding, fingerprint
from tests.report.conftest import EVIL_ID, EVIL_MESSAGE, FINDINGS, NOW, SRC, TEST

SMALL = ReportData(
    project={"name": "shop", "root": "/srv/shop", "dbt_version": "1.11.2", "adapter": "duckdb"},
    generated_at=NOW,
    node_counts={"model": 4, "test": 1, "source": 1, "exposure": 1},
    findings=(
        Finding("CHK001", "failing-test", "checks", "error", TEST, "models/marts/_marts.yml", 12,
                "`not_null_fct_orders_id` failed on 3 rows", "Fix the data.", fingerprint("CHK001", TEST)),
        Finding("FRS001", "source-freshness", "freshness", "warn", SRC, "models/staging/_sources.yml", None,
                "`raw.orders` is 30 h old", "Check the loader.", fingerprint("FRS001", SRC)),
        Finding("WRH001", "no-warehouse", "warehouse", "info", None, None, None, "no warehouse: 50% skipped", "", fingerprint("WRH001", None)),
    ),
    rules=(RuleInfo("CHK001", "failing-test", "checks", "error"), RuleInfo("CHK002", "build-error", "checks", "error"),
           RuleInfo("FRS001", "source-freshness", "freshness", "warn"), RuleInfo("WRH001", "no-warehouse", "warehouse", "info")),
)


def test_text_small_case_exactly():
    assert render("text", SMALL) == (
        "error (1)\n"
        "error  CHK001 failing-test  models/marts/_marts.yml:12  `not_null_fct_orders_id` failed on 3 rows\n"
        "  hint: Fix the data.\n"
        "\n"
        "warn (1)\n"
        "warn   FRS001 source-freshness  models/staging/_sources.yml  `raw.orders` is 30 h old\n"
        "  hint: Check the loader.\n"
        "\n"
        "info (1)\n"
        "info   WRH001 no-warehouse  -  no warehouse: 50% skipped\n"
        "\n"
        "3 findings: 1 error, 1 warning, 1 info · 4 models, 1 test, 1 source, 1 exposure · 4 rules\n"
    )


def test_text_without_findings_says_so():
    empty = ReportData({"name": "shop"}, NOW, {"model": 2}, ())
    assert render("text", empty) == "No findings · 2 models, 0 tests, 0 sources, 0 exposures\n"


def test_text_color_only_when_asked():
    plain = render("text", SMALL)
    colored = render("text", SMALL, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31merror\x1b[0m" in colored
    assert "\x1b" not in colored.replace("\x1b[", "")  # nothing but our own SGR sequences


def test_text_escapes_control_characters():
    hostile = Finding("X1", "x", "checks", "error", "model.p.a", "m.sql", 1, "red\x1b[31m\x07 and\nnewline", "", "f")
    out = render("text", ReportData({}, NOW, {}, (hostile,)), color=True)
    assert "\\x1b[31m\\x07 and\\nnewline" in out
    assert "\x07" not in out and "red\x1b[31m" not in out


def test_markdown_small_case_exactly():
    assert render("markdown", SMALL) == (
        "## console: 1 error, 1 warning, 1 info in shop\n"
        "\n"
        "4 models · 1 test · 1 source · 1 exposure · dbt 1.11.2 · duckdb · generated 2026-11-07T09:00:00Z\n"
        "\n"
        "### 🔴 Errors (1)\n"
        "\n"
        "| Rule | Location | Message |\n"
        "| --- | --- | --- |\n"
        "| `CHK001` failing-test | models/marts/\\_marts.yml:12 | \\`not\\_null\\_fct\\_orders\\_id\\` failed on 3 rows"
        "<br>_Hint: Fix the data._ |\n"
        "\n"
        "### 🟡 Warnings (1)\n"
        "\n"
        "| Rule | Location | Message |\n"
        "| --- | --- | --- |\n"
        "| `FRS001` source-freshness | models/staging/\\_sources.yml | \\`raw.orders\\` is 30 h old<br>_Hint: Check the loader._ |\n"
        "\n"
        "<details>\n"
        "<summary>🔵 Info (1)</summary>\n"
        "\n"
        "| Rule | Location | Message |\n"
        "| --- | --- | --- |\n"
        "| `WRH001` no-warehouse | - | no warehouse: 50% skipped |\n"
        "\n"
        "</details>\n"
    )


def test_markdown_escapes_untrusted_text(report_data):
    out = render("markdown", report_data)
    evil_row = next(line for line in out.splitlines() if "STR001" in line)
    assert "<script" not in out and "<img" not in out and "</script" not in out
    assert "&lt;/script&gt;&lt;script&gt;" in evil_row
    assert "\\| \\`tick\\` &amp; \\*bold\\* \\[link\\](javascript:alert(1))" in evil_row
    # the row still has exactly its three cells: every unescaped pipe is a cell border
    cells = evil_row.replace("\\|", "").split("|")
    assert len(cells) == 5
    assert "_Exception expired on 2026-11-01: loader migration_" in out
    assert "> 1 finding hidden by exceptions · 1 exception expired" in out


def test_github_small_case_exactly():
    assert render("github", SMALL) == (
        "::error file=models/marts/_marts.yml,line=12,title=CHK001 failing-test::`not_null_fct_orders_id` failed on 3 rows%0AHint: Fix the data.\n"
        "::warning file=models/staging/_sources.yml,title=FRS001 source-freshness::`raw.orders` is 30 h old%0AHint: Check the loader.\n"
        "::notice title=WRH001 no-warehouse::no warehouse: 50%25 skipped\n"
    )


def test_github_escapes_properties_and_data():
    f = Finding("X1", "x", "checks", "error", "n", "models/a,b:c%.sql", 3, "100%\r\nnext ::error::no", "", "fp")
    out = render("github", ReportData({}, NOW, {}, (f,)))
    assert out == "::error file=models/a%2Cb%3Ac%25.sql,line=3,title=X1 x::100%25%0D%0Anext ::error::no\n"
    assert out.count("\n") == 1


def test_github_paths_are_repository_relative():
    f = SMALL.findings[0]
    data = ReportData({}, NOW, {}, (f,), repo_prefix="analytics/dbt/")
    assert render("github", data).startswith("::error file=analytics/dbt/models/marts/_marts.yml,line=12,")


def test_json_matches_the_design_schema(report_data):
    doc = json.loads(render("json", report_data))
    # DESIGN.md's keys first and unchanged; later additions after them
    assert list(doc) == ["schema_version", "tool", "project", "generated_at", "summary", "findings", "suppressed",
                         "expired_exceptions", "statistics", "groups", "scores", "hotspots"]
    assert doc["schema_version"] == 1
    assert doc["tool"] == {"name": "console", "version": doc["tool"]["version"]}
    assert doc["project"] == {"name": "shop", "root": "/srv/shop", "dbt_version": "1.11.2", "adapter": "duckdb"}
    assert doc["generated_at"] == "2026-11-07T09:00:00Z"
    assert doc["summary"] == {"nodes": {"model": 4, "test": 1, "source": 1, "exposure": 1}, "findings": {"error": 2, "warn": 1, "info": 2}}
    keys = ["rule", "name", "category", "severity", "node", "path", "line", "message", "hint", "fingerprint", "priority"]
    assert all(list(f) == keys for f in doc["findings"])
    assert [f["rule"] for f in doc["findings"]] == ["CHK001", "STR001", "FRS001", "HRD001", "WRH001"]
    assert all(0 <= f["priority"] <= 100 for f in doc["findings"])
    assert sum(s["count"] for s in doc["statistics"]) == len(doc["findings"])
    evil = doc["findings"][1]
    assert evil["node"] == EVIL_ID and evil["message"] == EVIL_MESSAGE
    assert doc["suppressed"][0]["exception"] == {"rule": "STR002", "node": "model.shop.*", "reason": "legacy names until Q1", "expires": "2027-03-31"}
    assert doc["expired_exceptions"] == [{"rule": "FRS001", "node": SRC, "reason": "loader migration", "expires": "2026-11-01",
                                          "fingerprint": FINDINGS[2].fingerprint}]


def test_junit_has_a_suite_per_rule_and_a_case_per_node(report_data):
    root = ET.fromstring(render("junit", report_data).encode())
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["CHK001 failing-test", "CHK002 build-error", "FRS001 source-freshness",
                            "HRD001 missing-owner", "STR001 model-naming", "WRH001 no-warehouse"]
    assert root.get("tests") == "6" and root.get("failures") == "3"
    passing = suites["CHK002 build-error"].findall("testcase")
    assert [(c.get("name"), list(c)) for c in passing] == [("no findings", [])]
    failure = suites["CHK001 failing-test"].find("testcase/failure")
    assert failure.get("type") == "error" and "failed on 3 rows" in failure.get("message")
    assert suites["FRS001 source-freshness"].find("testcase/failure").get("type") == "warn"
    info_case = suites["HRD001 missing-owner"].find("testcase")
    assert info_case.find("failure") is None and "has no owner" in info_case.find("system-out").text
    evil = suites["STR001 model-naming"].find("testcase")
    assert evil.get("name") == EVIL_ID
    assert evil.find("failure").get("message") == EVIL_MESSAGE
    assert suites["WRH001 no-warehouse"].find("testcase").get("name") == "project"


def test_junit_survives_characters_xml_cannot_hold():
    f = Finding("X1", "x", "checks", "error", "model.p.\x00a", None, None, "bell\x07 & <tag> \x1b[31m", "", "fp")
    text = render("junit", ReportData({}, NOW, {}, (f,)))
    case = ET.fromstring(text.encode()).find("testsuite/testcase")
    assert case.get("name") == "model.p.\\x00a"
    assert case.find("failure").get("message") == "bell\\x07 & <tag> \\x1b[31m"


def test_sarif_results_and_rules(report_data):
    doc = json.loads(render("sarif", report_data))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "console"
    assert [r["id"] for r in rules] == ["CHK001", "CHK002", "FRS001", "HRD001", "STR001", "WRH001"]
    assert rules[0]["defaultConfiguration"] == {"level": "error"} and rules[2]["defaultConfiguration"] == {"level": "warning"}
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("CHK001", "error"), ("STR001", "error"), ("FRS001", "warning"), ("HRD001", "note"), ("WRH001", "note")]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        art = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "%SRCROOT%" and "\\" not in art["uri"] and art["uri"]
    first = results[0]
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 12}
    assert first["partialFingerprints"] == {"consoleFingerprint/v1": FINDINGS[0].fingerprint}
    assert results[1]["message"]["text"].startswith(EVIL_MESSAGE)
    assert results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dbt_project.yml"


def test_sarif_uris_are_relative_to_the_repository(tmp_path, shop_ctx):
    from console.report.model import build_report

    (tmp_path / ".git").mkdir()
    project = tmp_path / "analytics" / "shop"
    project.mkdir(parents=True)
    data = build_report(shop_ctx, FINDINGS[:1], project_root=project)
    doc = json.loads(render("sarif", data))
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "analytics/shop/models/marts/_marts.yml"


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "html"])
def test_every_format_carries_every_finding(fmt, report_data):
    out = render(fmt, report_data)
    for f in report_data.findings:
        if fmt in ("json", "sarif"):
            assert f.fingerprint in out
        elif fmt == "junit":
            assert f.rule in out
        else:
            assert f.rule in out


def test_markdown_and_text_agree_on_counts(report_data):
    assert "2 errors, 1 warning, 2 info" in render("markdown", report_data)
    assert "5 findings: 2 errors, 1 warning, 2 info" in render("text", report_data)


def test_generated_at_is_utc_with_z():
    data = ReportData({}, dt.datetime(2026, 1, 2, 3, 4, 5, 999), {}, ())
    assert data.generated_at_iso == "2026-01-02T03:04:05Z"
