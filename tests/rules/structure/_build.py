"""Small builders for structure rule tests: a real store written through tests.rules.helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rules.base import Rule, Violation
from rules.context import Context
from tests.rules.helpers import make_context, node

PROJECT = "shop"


def model(name: str, **fields: Any) -> dict[str, Any]:
    """A model row of the project; path defaults to models/<layer folder>/<name>.sql."""
    fields.setdefault("path", f"models/{name}.sql")
    fields.setdefault("materialized", "table")
    return node(f"model.{PROJECT}.{name}", **fields)


def source(source_name: str, table: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("path", f"models/staging/{source_name}/_sources.yml")
    fields.setdefault("layer", "source")
    return node(f"source.{PROJECT}.{source_name}.{table}", source_name=source_name, **fields)


def exposure(name: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("layer", "exposure")
    return node(f"exposure.{PROJECT}.{name}", **fields)


def mid(name: str) -> str:
    return f"model.{PROJECT}.{name}"


def sid(source_name: str, table: str) -> str:
    return f"source.{PROJECT}.{source_name}.{table}"


def build(tmp_path: Path, nodes: list[dict], edges: list[tuple[str, str]] = (), **tables: list[dict]) -> Context:
    """A Context over a real store holding these nodes and edges (project named ``shop``)."""
    return make_context(
        tmp_path,
        project=[{"name": PROJECT}],
        nodes=nodes,
        edges=[{"parent_id": p, "child_id": c} for p, c in edges],
        **tables,
    )


def run(rule: type[Rule], ctx: Context, **options: Any) -> list[Violation]:
    """Run one rule with its default options, some overridden."""
    opts = {k: o.default for k, o in rule.options.items()}
    opts.update(options)
    return list(rule().check(ctx, opts))
