"""The SARIF report validates against the official SARIF 2.1.0 JSON schema (kept in tests/report/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.report import render
from console.report.model import ReportData
from rules.base import Finding

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def _validate(doc: dict) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_is_valid_sarif_2_1_0(report_data):
    doc = json.loads(render("sarif", report_data))
    assert doc["runs"][0]["results"], "the case must have results to validate"
    _validate(doc)


def test_sarif_ranks_results_by_priority(report_data):
    doc = json.loads(render("sarif", report_data))
    ranks = [r["rank"] for r in doc["runs"][0]["results"]]
    assert ranks == [float(report_data.priority[f.fingerprint]) for f in report_data.findings]
    assert all(0.0 <= r <= 100.0 for r in ranks) and len(set(ranks)) > 1
    _validate(doc)  # rank is SARIF's own field


def test_empty_sarif_is_valid(report_data):
    empty = ReportData(report_data.project, report_data.generated_at, {}, (), rules=report_data.rules)
    doc = json.loads(render("sarif", empty))
    assert doc["runs"][0]["results"] == []
    _validate(doc)


def test_a_schema_violation_is_caught(report_data):
    """The validator is live: a wrong level is rejected."""
    doc = json.loads(render("sarif", report_data))
    doc["runs"][0]["results"][0]["level"] = "warn"
    with pytest.raises(AssertionError, match="level"):
        _validate(doc)


def test_absolute_paths_become_file_uris(report_data):
    f = Finding("X1", "x", "checks", "error", "lastmile.app", "/srv/app/query.py", 7, "m", "", "fp")
    doc = json.loads(render("sarif", ReportData({}, report_data.generated_at, {}, (f,))))
    art = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "file:///srv/app/query.py"}
    _validate(doc)
