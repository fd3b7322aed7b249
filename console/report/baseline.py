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
    """The fingerprints of a JSON report's findings.

    Raises:
        InputError: the file cannot be read, is not JSON, is not a console report, or has an
            unsupported ``schema_version``.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "baseline file not found") from None
    except OSError as e:
        raise InputError(path, f"cannot read the baseline: {e.strerror}") from None
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
    return frozenset(f["fingerprint"] for f in findings)
