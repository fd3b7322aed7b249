"""The JSON report: DESIGN.md's stable schema (``schema_version`` 1), plus what was added since.

Top level: ``schema_version``, ``tool``, ``project``, ``generated_at``, ``summary``,
``findings`` (exactly as DESIGN.md fixes them, each with a ``priority`` added: 0 to 100, see
docs/priority.md), then ``suppressed`` (findings hidden by a live exception, each with its
``exception``), ``expired_exceptions`` (one item per reported finding whose exception has
expired), ``statistics`` (findings per rule, as ``--statistics`` prints them), ``groups``
(rules firing on many nodes, with the ``select`` that lists them) and ``scores`` (health
scores, see docs/scores.md; null when not computed). A JSON report is also what
``--baseline`` reads.

Example:
    >>> import datetime as dt, json
    >>> from console.report.model import ReportData
    >>> doc = json.loads(render(ReportData({"name": "shop"}, dt.datetime(2026, 1, 1), {"model": 3}, ())))
    >>> doc["schema_version"], doc["generated_at"], doc["summary"]["nodes"]["model"]
    (1, '2026-01-01T00:00:00Z', 3)
"""

from __future__ import annotations

from typing import Any

import orjson
import polars as pl

from console.config import RuleException
from console.gc_pause import gc_paused
from console.ranking.statistics import rule_counts
from console.report import hotspots_section
from console.report.model import NODE_KINDS, SCHEMA_VERSION, ReportData
from console.scores.compute import NODE_KEYS, Scores


def _exception(exc: RuleException) -> dict[str, Any]:
    return {"rule": exc.rule, "node": exc.node, "reason": exc.reason, "expires": exc.expires.isoformat()}


def document(data: ReportData, *, scores: bool = True) -> dict[str, Any]:
    """The report as a JSON-ready dict (``scores``: False leaves the scores out, as None)."""
    priority = data.priority
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": data.tool_name, "version": data.tool_version},
        "project": {k: data.project.get(k) for k in ("name", "root", "dbt_version", "adapter")},
        "generated_at": data.generated_at_iso,
        "summary": {
            "nodes": {k: int(data.node_counts.get(k, 0)) for k in NODE_KINDS},
            "findings": data.severity_counts(),
        },
        "findings": [{**f.to_dict(), "priority": priority.get(f.fingerprint, 0)} for f in data.findings],
        "suppressed": [{**f.to_dict(), "exception": _exception(exc)} for f, exc in data.suppressed],
        "expired_exceptions": [{**_exception(exc), "fingerprint": f.fingerprint} for f, exc in data.expired],
        "statistics": statistics(data),
        "groups": [g.to_dict() for g in data.groups],
        "scores": data.scores.to_dict() if scores and data.scores is not None else None,
        "hotspots": hotspots_section.json_items(data),
    }


def statistics(data: ReportData) -> list[dict[str, Any]]:
    """Findings per rule, most first: ``rule``, ``name``, ``category``, ``severity``, ``count``,
    ``fixable_by_config`` (what ``console report --statistics --format json`` prints)."""
    return [c.to_dict() for c in rule_counts(data.findings, data.ranked)]


def render(data: ReportData) -> str:
    """The JSON report, indented by two spaces, ending with a newline.

    The parsed result is :func:`document`'s. The scores of every model and source (5,600
    objects at 10,000 nodes, most of the report's growth) are written column-wise: polars
    encodes each node's score as one compact JSON object on a line of its own, and orjson places
    that text in the document (indented as ever) as it is. Building a dict per node and
    serialising it cost four times as much.
    """
    with gc_paused():  # a dict per finding and no cycle: a collection would only walk the heap
        doc = document(data, scores=False)
        if data.scores is not None:  # written already, placed as it is (orjson's Fragment)
            doc["scores"] = orjson.Fragment(_scores(data.scores))
        return orjson.dumps(doc, option=_INDENT | orjson.OPT_APPEND_NEWLINE).decode()  # no copy to add the newline


_INDENT = orjson.OPT_INDENT_2


def _nested(text: bytes, depth: int) -> bytes:
    """An indented value placed ``depth`` levels deep (JSON strings hold no raw newline: every
    newline in orjson's output is between tokens)."""
    return text.replace(b"\n", b"\n" + b"  " * depth)


def _scores(scores: Scores) -> bytes:
    """The ``scores`` object, two levels deep; each node's score one line."""
    parts = [b'{\n    "project": ', orjson.dumps(scores.project)]
    for key, kind in (("models", "model"), ("sources", "source")):
        rows = scores.node_rows(kind)
        parts += [b',\n    "', key.encode(), b'": ']
        if rows.height:
            lines = rows.select(pl.struct(NODE_KEYS).struct.json_encode().str.join(",\n      ")).item()
            parts += [b"[\n      ", lines.encode(), b"\n    ]"]
        else:
            parts.append(b"[]")
    for key, groups in (("folders", scores.folders), ("owners", scores.owners)):
        parts += [b',\n    "', key.encode(), b'": ', _nested(orjson.dumps([g.to_dict() for g in groups], option=_INDENT), 2)]
    parts.append(b"\n  }")
    return b"".join(parts)
