"""``console triage --format json``: DESIGN.md's triage document, extended.

A node's triage (``mode`` ``node``): ``node`` (its unique_id), ``status`` (its own level:
``error``, ``warn``, ``ok`` or ``unknown``), ``root_causes`` (nodes, each with ``level``,
``signals``, ``distance`` and the ``path`` down to the node), ``blast_radius`` (``models`` and
``exposures`` each with ``name``, ``type``, ``owner``, plus ``critical``; ``lastmile``,
``consumers``, ``tests``, ``notes``), ``changed_since_last_success`` (a list of changes with
their SQL diffs); and beyond DESIGN.md: ``name``, ``resource_type``, ``layer``, ``owner``,
``path``, ``level`` (the worst of ``status`` and the root causes: what ``--fail-on`` judges),
``result``, ``freshness``, ``signals``, ``symptoms``, ``last_success``, ``recent_runs``,
``rerun``. The latest run's triage (``mode`` ``run``): ``run``, ``level``, ``counts`` and
``groups`` (each: ``root_cause``, ``level``, ``failures``, ``blast_radius``, ``rerun``).
See docs/triage.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from console import TOOL_NAME, __version__
from console.triage.model import NodeTriage, RunTriage

SCHEMA_VERSION = 1


def _head(mode: str, project: dict, generated_at: dt.datetime) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "project": {k: project.get(k) for k in ("name", "root", "dbt_version", "adapter")},
        "generated_at": generated_at.isoformat(timespec="seconds") + "Z",
        "mode": mode,
    }


def node_document(tr: NodeTriage, project: dict, generated_at: dt.datetime) -> dict[str, Any]:
    """A node's triage as a JSON-ready dict."""
    n = tr.node
    return {
        **_head("node", project, generated_at),
        "node": n.unique_id, "name": n.name, "resource_type": n.resource_type, "layer": n.layer, "owner": n.owner, "path": n.path,
        "status": tr.status.level,
        "level": tr.level,
        "result": tr.status.run.to_dict() if tr.status.run else None,
        "freshness": tr.status.freshness.to_dict() if tr.status.freshness else None,
        "signals": [s.to_dict() for s in tr.status.signals],
        "root_causes": [c.to_dict() for c in tr.root_causes],
        "symptoms": [c.to_dict() for c in tr.symptoms],
        "blast_radius": tr.blast_radius.to_dict(),
        "last_success": tr.changes.last_success.to_dict() if tr.changes.last_success else None,
        "changed_since_last_success": [c.to_dict() for c in tr.changes.changes],
        "changes_note": tr.changes.note or None,
        "recent_runs": [r.to_dict() for r in tr.recent_runs],
        "rerun": [c.to_dict() for c in tr.rerun],
    }


def run_document(rt: RunTriage, project: dict, generated_at: dt.datetime) -> dict[str, Any]:
    """The latest run's triage as a JSON-ready dict."""
    return {
        **_head("run", project, generated_at),
        "run": rt.run.to_dict() if rt.run else None,
        "freshness_at": rt.freshness_at.isoformat(timespec="seconds") + "Z" if rt.freshness_at else None,
        "level": rt.level,
        "counts": dict(rt.counts),
        "groups": [
            {
                "root_cause": g.root.to_dict(),
                "level": g.level,
                "failures": [
                    {**f.node.to_dict(), "status": f.status.level,
                     "result": f.status.run.to_dict() if f.status.run else None,
                     "freshness": f.status.freshness.to_dict() if f.status.freshness else None,
                     "signals": [s.to_dict() for s in f.status.signals], "root_causes": list(f.root_causes)}
                    for f in g.failures
                ],
                "blast_radius": g.blast_radius.to_dict(),
                "rerun": [c.to_dict() for c in g.rerun],
            }
            for g in rt.groups
        ],
    }


def dumps(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"
