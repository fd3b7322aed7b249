"""The SARIF 2.1.0 report, for GitHub code scanning and other SARIF readers.

One run; the driver lists every rule that ran (``rules[]``: id, name, descriptions, help,
default level); each finding is a result with its ``ruleIndex``, a level (error, warning,
note), the message (with the hint), a physical location relative to ``%SRCROOT%`` (the
repository root: the project's folder inside its repository is prefixed) and
``partialFingerprints["consoleFingerprint/v1"]``, and its priority as SARIF's ``rank`` (0 to
100, see docs/priority.md). Code scanning needs a file for every result:
a finding without one points at the project's ``dbt_project.yml``.
"""

from __future__ import annotations

from typing import Any

import orjson

from console.report.model import ReportData, RuleInfo

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "consoleFingerprint/v1"
LEVELS = {"error": "error", "warn": "warning", "info": "note"}
PROJECT_FILE = "dbt_project.yml"


def _rule(rule: RuleInfo) -> dict[str, Any]:
    short = rule.summary or rule.name
    help_text = rule.doc or short
    if rule.hint:
        help_text += f"\n\nWhat to do: {rule.hint}"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": rule.doc or short},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        "properties": {"category": rule.category, "tags": [rule.category]},
    }


def _location(data: ReportData, path: str | None, line: int | None, node: str | None) -> dict[str, Any]:
    uri = data.repo_path(path or PROJECT_FILE)
    artifact: dict[str, Any] = {"uri": uri}
    if not uri.startswith("/"):
        artifact["uriBaseId"] = "%SRCROOT%"
    else:
        artifact["uri"] = "file://" + uri
    physical: dict[str, Any] = {"artifactLocation": artifact, "region": {"startLine": max(1, int(line or 1))}}
    loc: dict[str, Any] = {"physicalLocation": physical}
    if node:
        loc["logicalLocations"] = [{"fullyQualifiedName": node}]
    return loc


def document(data: ReportData) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    index = {r.id: i for i, r in enumerate(data.rules)}
    results = []
    for f in data.findings:
        text = f.message + (f"\nHint: {f.hint}" if f.hint else "")
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": text},
            "locations": [_location(data, f.path, f.line, f.node)],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            "properties": {"category": f.category, "severity": f.severity},
        }
        if f.fingerprint in data.priority:  # SARIF's own field for a priority from 0 to 100
            result["rank"] = float(data.priority[f.fingerprint])
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": data.tool_name,
                        "version": data.tool_version,
                        "semanticVersion": data.tool_version,
                        "rules": [_rule(r) for r in data.rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
                "invocations": [{"executionSuccessful": True, "endTimeUtc": data.generated_at_iso}],
                "results": results,
            }
        ],
    }


def render(data: ReportData) -> str:
    """The SARIF log, indented by two spaces."""
    return orjson.dumps(document(data), option=orjson.OPT_INDENT_2).decode() + "\n"
