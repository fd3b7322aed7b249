"""dbt models the project itself marks as sync outputs: items of tool ``dbt_sync``.

A model is a sync output when it has a tag ``sync``, ``reverse_etl``, ``hightouch`` or
``census``, a truthy ``meta.sync`` / ``meta.reverse_etl`` (also under ``config.meta``), or sits
in the ``export`` layer. These are dbt nodes, not files: the item points at the node
(``meta.unique_id``) and holds no SQL (the model's SQL is analysed as a model).
"""

from __future__ import annotations

from typing import Any

import orjson
import polars as pl

from collectors.lastmile.model import item

SYNC_TAGS = frozenset({"sync", "reverse_etl", "hightouch", "census"})
SYNC_META = ("sync", "reverse_etl")


def _json(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            loaded = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def sync_reasons(tags: list | None, meta: Any, config: Any, layer: str | None) -> list[str]:
    """Why a model counts as a sync output (empty: it does not).

    Example:
        >>> sync_reasons(["sync", "daily"], '{"owner": "x"}', None, "mart")
        ['tag:sync']
        >>> sync_reasons([], '{"reverse_etl": true}', None, "export")
        ['meta.reverse_etl', 'layer:export']
    """
    reasons = [f"tag:{t}" for t in (tags or []) if isinstance(t, str) and t.lower() in SYNC_TAGS]
    metas = [_json(meta), _json(_json(config).get("meta"))]
    for key in SYNC_META:
        if any(m.get(key) for m in metas):
            reasons.append(f"meta.{key}")
    if layer == "export":
        reasons.append("layer:export")
    return reasons


def dbt_sync_items(nodes: pl.DataFrame | None) -> list[tuple[str, dict]]:
    """(model file path, item) for every model marked as a sync output."""
    if nodes is None or nodes.is_empty():
        return []
    cols = [c for c in ("unique_id", "resource_type", "name", "path", "tags", "meta", "config", "layer", "relation_name") if c in nodes.columns]
    out = []
    models = nodes.filter(pl.col("resource_type") == "model").select(cols)
    marks = _may_mark(models)
    if marks is not None:
        models = models.filter(marks)
    for row in models.iter_rows(named=True):
        reasons = sync_reasons(row.get("tags"), row.get("meta"), row.get("config"), row.get("layer"))
        if not reasons:
            continue
        relations = [f"ref:{row['name']}"]
        meta = {"unique_id": row["unique_id"], "marked_by": reasons, "relation_name": row.get("relation_name")}
        out.append((row.get("path") or row["unique_id"], item("model", row["name"], 1, relations_read=relations, meta=meta)))
    return out


def _may_mark(models: pl.DataFrame) -> pl.Expr | None:
    """A cheap test over whole columns that keeps every row :func:`sync_reasons` could mark
    (a sync tag, a ``sync``/``reverse_etl`` key in the meta or config text, the export layer),
    so that only those rows are decoded; None when a column is of a shape it cannot test.

    Example:
        >>> models = pl.DataFrame({"tags": [["Sync"], [], []], "meta": ["{}", '{"sync": 1}', "{}"],
        ...                        "layer": ["mart", "mart", "mart"]})
        >>> models.filter(_may_mark(models)).height
        2
    """
    tests = []
    schema = models.schema
    if "tags" in schema:
        if schema["tags"] != pl.List(pl.String):
            return None
        tests.append(pl.col("tags").list.eval(pl.element().str.to_lowercase().is_in(list(SYNC_TAGS))).list.any().fill_null(False))
    for column in ("meta", "config"):
        if column in schema:
            if schema[column] != pl.String:
                return None
            tests.append(pl.col(column).str.contains("|".join(SYNC_META), literal=False).fill_null(False))
    if "layer" in schema:
        tests.append((pl.col("layer").cast(pl.String) == "export").fill_null(False))
    return pl.any_horizontal(tests) if tests else None
