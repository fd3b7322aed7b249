"""The JUnit XML report: CI systems show it as test results.

One ``<testsuite>`` per rule that ran (named ``ID name``), one ``<testcase>`` per (rule, node)
with findings: error and warn findings carry a ``<failure type="error|warn">``; info findings
pass and carry their text in ``<system-out>``. A rule without findings gets one passing
testcase (``no findings``), so CI shows what was checked. Built with ElementTree (escaping is
the library's); characters XML 1.0 cannot hold are written as ``\\xNN``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from console.report.model import ReportData
from console.report.text import location
from rules.base import Finding

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str | None) -> str:
    r"""Text XML 1.0 can hold.

    Example:
        >>> _x("a\x1bb")
        'a\\x1bb'
    """
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", "" if text is None else str(text))


def _details(findings: list[Finding]) -> str:
    parts = []
    for f in findings:
        block = f"{f.severity}: {f.message}\n  at {location(f.path, f.line, f.node)}"
        if f.hint:
            block += f"\n  hint: {f.hint}"
        parts.append(block)
    return _x("\n".join(parts))


def _case(suite: ET.Element, classname: str, name: str, findings: list[Finding]) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", classname=_x(classname), name=_x(name), time="0")
    if not findings:
        return 0, 0
    first = findings[0]
    if first.path:
        case.set("file", _x(first.path))
        if first.line:
            case.set("line", str(first.line))
    failing = [f for f in findings if f.severity in ("error", "warn")]
    if failing:
        worst = "error" if any(f.severity == "error" for f in failing) else "warn"
        message = failing[0].message if len(failing) == 1 else f"{len(failing)} findings: {failing[0].message}"
        failure = ET.SubElement(case, "failure", message=_x(message), type=worst)
        failure.text = _details(failing)
    info = [f for f in findings if f.severity not in ("error", "warn")]
    if info:
        ET.SubElement(case, "system-out").text = _details(info)
    return 1, (1 if failing else 0)


def render(data: ReportData) -> str:
    """The JUnit XML report (UTF-8, with an XML declaration)."""
    by_rule: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in data.findings:
        by_rule[f.rule][f.node or "project"].append(f)
    root = ET.Element("testsuites", name=_x(data.tool_name))
    total_tests = total_failures = 0
    for rule in data.rules:
        suite = ET.SubElement(root, "testsuite", name=_x(f"{rule.id} {rule.name}"), timestamp=data.generated_at_iso.removesuffix("Z"))
        classname = f"{data.tool_name}.{rule.category}.{rule.id}"
        cases = by_rule.get(rule.id, {})
        tests = failures = 0
        if not cases:
            _case(suite, classname, "no findings", [])
            tests = 1
        for node in sorted(cases):
            n, failed = _case(suite, classname, node, cases[node])
            tests += n
            failures += failed
        for key, value in (("tests", tests), ("failures", failures), ("errors", 0), ("skipped", 0), ("time", 0)):
            suite.set(key, str(value))
        total_tests += tests
        total_failures += failures
    for key, value in (("tests", total_tests), ("failures", total_failures), ("errors", 0), ("time", 0)):
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
