"""``--baseline FILE``: an earlier JSON report whose findings are known and so hidden.

A finding is known when its fingerprint (rule, node and key; never the message) is among the
baseline's ``findings``. A file that is not a console JSON report is an input error naming it.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from console import TOOL_NAME
from console.errors import InputError
from console.report.model import SCHEMA_VERSION


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints of a JSON report's findings (see :func:`load_baseline_report`)."""
    return load_baseline_report(path)[0]


def load_baseline_report(path: Path) -> tuple[frozenset[str], dict[str, dict[str, int]]]:
    """The fingerprints of a JSON report's findings, and their counts {category: {severity: n}}.

    Raises:
        InputError: the file cannot be read, is not JSON, is not a console report, or has an
            unsupported ``schema_version``.
    """
    from console.files import limit_for, read_limited

    if not path.exists():
        raise InputError(path, "baseline file not found")
    raw = read_limited(path, limit_for("report"), "baseline reports")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise InputError(path, f"baseline is not valid JSON ({e})") from None
    tool = doc.get("tool") if isinstance(doc, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != TOOL_NAME or "findings" not in doc or "schema_version" not in doc:
        raise InputError(path, "baseline is not a console JSON report (write one with `console report --format json`)")
    version = doc["schema_version"]
    if version != SCHEMA_VERSION:
        raise InputError(path, f"baseline schema_version {version!r} is not supported (this console reads {SCHEMA_VERSION})")
    findings = doc["findings"]
    if not isinstance(findings, list) or not all(isinstance(f, dict) and isinstance(f.get("fingerprint"), str) for f in findings):
        raise InputError(path, "baseline `findings` must be a list of findings, each with a `fingerprint`")
    counts: dict[str, dict[str, int]] = {}
    for f in findings:
        row = counts.setdefault(str(f.get("category")), {"error": 0, "warn": 0, "info": 0})
        sev = str(f.get("severity"))
        row[sev] = row.get(sev, 0) + 1
    return frozenset(f["fingerprint"] for f in findings), counts
