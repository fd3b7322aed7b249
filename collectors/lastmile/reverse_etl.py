"""Reverse ETL: Hightouch and Census models and syncs (YAML, JSON or, for Census, SQL).

A **model** is the query a sync sends: raw SQL (``raw_sql``/``rawSql``/``sql``/``query``), a
table (``table``/``tableName``: a relation read), or a dbt model (``dbt_model``/``dbtModel``:
read as ``ref:<name>``). A **sync** sends a model to a destination: its field mappings,
schedule and destination go to ``meta``; its filters (``filters``, also under ``config``) become
``literal_filters``. A Census sync has its API's shape (``source_attributes.object`` with a
``model`` or a ``table``, ``destination_attributes.object``, ``operation``, ``mappings`` of
``{from: {type, data}, to}``).
"""

from __future__ import annotations

from typing import Any

from collectors.lastmile.model import item, literal_filter, payload, skip
from collectors.lastmile.sqltext import parse_error
from collectors.lastmile.structured import KeyLines

_OPS = {
    "=": "=", "==": "=", "eq": "=", "equals": "=", "is": "=",
    "!=": "!=", "<>": "!=", "ne": "!=", "neq": "!=", "not_equals": "!=", "does_not_equal": "!=", "is_not": "!=",
    "<": "<", "lt": "<", "less_than": "<", "<=": "<=", "lte": "<=", "less_than_or_equal": "<=",
    ">": ">", "gt": ">", "greater_than": ">", ">=": ">=", "gte": ">=", "greater_than_or_equal": ">=",
    "in": "in", "is_in": "in", "is_one_of": "in", "not_in": "not_in", "is_not_one_of": "not_in",
    "is_null": "is_null", "null": "is_null", "is_empty": "is_null", "not_null": "not_null", "is_not_null": "not_null",
    "exists": "not_null", "is_not_empty": "not_null", "like": "like", "contains": "like",
}


def norm_op(op: Any) -> str | None:
    """A filter operator in the house's words, or None when it is not one of them.

    Example:
        >>> norm_op("greater_than"), norm_op("Is Not Null"), norm_op("between")
        ('>', 'not_null', None)
    """
    if not isinstance(op, str):
        return None
    return _OPS.get(op.strip().lower().replace(" ", "_").replace("-", "_"))


def structured_filters(raw: Any) -> tuple[list[dict], list[str]]:
    """``[{column|field|property, operator|op, value}]`` -> literal filters, and what was not understood.

    Example:
        >>> structured_filters([{"field": "volume_ml", "operator": "greater_than", "value": 50}, {"op": "??"}])
        ([{'column': 'volume_ml', 'op': '>', 'value': 50}], ['filter 2: operator ?? on ?'])
    """
    out, bad = [], []
    for i, f in enumerate(raw if isinstance(raw, list) else [], 1):
        if not isinstance(f, dict):
            bad.append(f"filter {i}: not a mapping")
            continue
        column = f.get("column") or f.get("field") or f.get("property") or f.get("from")
        op = norm_op(f.get("operator") or f.get("op") or f.get("condition") or "=")
        if isinstance(column, dict):
            column = column.get("data") or column.get("name")
        if not isinstance(column, str) or op is None:
            bad.append(f"filter {i}: operator {f.get('operator') or f.get('op')} on {column or '?'}")
            continue
        value = f.get("value", f.get("values"))
        if op == "like" and isinstance(value, str) and "%" not in value:
            value = f"%{value}%"
        out.append(literal_filter(column, op, value))
    return out, bad


def _sql_item(kind: str, name: str, line: int, sql: str, sql_line: int, dialect: str, **kw: Any) -> dict:
    return item(kind, name, line, sql=sql, sql_line=sql_line, parse_error=parse_error(sql, dialect), **kw)


def _first(d: dict, *keys: str) -> Any:
    for k in keys:
        if d.get(k) not in (None, ""):
            return d[k]
    return None


def _dbt_name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("unique_id") or value.get("uniqueId")
    if isinstance(value, str) and value:
        return value.rsplit(".", 1)[-1] if value.startswith("model.") else value
    return None


def _model(tool: str, d: dict, lines: KeyLines, dialect: str) -> tuple[dict | None, list[dict]]:
    name = str(_first(d, "slug", "name", "id") or "model")
    meta = {k: d[k] for k in ("name", "slug", "source", "type", "primaryKey", "primary_key", "connection", "folder") if k in d}
    line = min((ln for (k, *rest), (ln, _) in lines.items() if not rest), default=1)
    sql_key = next((k for k in ("raw_sql", "rawSql", "sql", "query") if isinstance(d.get(k), str) and d[k].strip()), None)
    if sql_key:
        sql_line = lines.get((sql_key,), (line, False))[0]
        return _sql_item("model", name, line, d[sql_key], sql_line, dialect, meta=meta), []
    table = _first(d, "table", "tableName", "table_name")
    if isinstance(table, dict):
        table = ".".join(str(table[k]) for k in ("database", "schema", "name", "table") if table.get(k))
    if isinstance(table, str):
        return item("model", name, line, relations_read=[table], meta=meta), []
    dbt = _dbt_name(_first(d, "dbt_model", "dbtModel", "dbt"))
    if dbt:
        return item("model", name, line, relations_read=[f"ref:{dbt}"], meta=meta), []
    return None, [skip(line, f"{tool} model `{name}` has no SQL, table or dbt model")]


def _sync(tool: str, d: dict, lines: KeyLines) -> tuple[dict, list[dict]]:
    config = d.get("config") if isinstance(d.get("config"), dict) else {}
    model = d.get("model")
    meta: dict[str, Any] = {}
    relations: list[str] = []
    src = d.get("source_attributes") if isinstance(d.get("source_attributes"), dict) else None
    if src is not None:  # Census API shape
        obj = src.get("object") if isinstance(src.get("object"), dict) else {}
        if obj.get("type") == "model" or "model" in obj:
            model = obj.get("name") or obj.get("model") or obj.get("id")
        table = obj.get("table_name") or obj.get("table")
        if table:
            relations.append(".".join(str(p) for p in (obj.get("table_catalog"), obj.get("table_schema"), table) if p))
        if obj.get("type") == "dbt_model" or obj.get("dbt_model"):
            relations.append(f"ref:{_dbt_name(obj.get('dbt_model') or obj.get('name'))}")
        dest = d.get("destination_attributes") or {}
        meta["destination"] = dest.get("object") if isinstance(dest, dict) else dest
        meta["destination_connection"] = dest.get("connection_id") if isinstance(dest, dict) else None
    else:
        meta["destination"] = d.get("destination")
        if isinstance(config, dict) and config.get("object"):
            meta["destination_object"] = config.get("object")
    if isinstance(model, dict):
        model = model.get("slug") or model.get("name")
    if model is not None:
        meta["model"] = str(model)
    for key in ("type", "operation", "mode"):
        if d.get(key) is not None or config.get(key) is not None:
            meta[key] = d.get(key, config.get(key))
    mappings = d.get("mappings") if d.get("mappings") is not None else config.get("mappings")
    if mappings is not None:
        meta["field_mappings"] = mappings
    if d.get("schedule") is not None:
        meta["schedule"] = d["schedule"]
    raw_filters = d.get("filters") if d.get("filters") is not None else config.get("filters")
    filters, bad = structured_filters(raw_filters)
    line = min((ln for (k, *rest), (ln, _) in lines.items() if not rest), default=1)
    name = str(_first(d, "slug", "name", "id", "label") or (f"{model}->{meta.get('destination')}" if model else "sync"))
    skips = [skip(lines.get(("filters",), lines.get(("config", "filters"), (line, False)))[0], f"{tool} sync `{name}`: {b}") for b in bad]
    return item("sync", name, line, relations_read=relations, literal_filters=filters, meta=meta), skips


def read_reverse_etl(tool: str, doc: Any, lines: KeyLines, dialect: str) -> dict:
    """Items of a Hightouch or Census YAML/JSON document (one object, or a list of them)."""
    docs = doc if isinstance(doc, list) else [doc]
    items, skips = [], []
    for i, d in enumerate(docs):
        if not isinstance(d, dict):
            skips.append(skip(None, f"entry {i + 1} is not a mapping"))
            continue
        dl = lines if len(docs) == 1 else {k[1:]: v for k, v in lines.items() if k and k[0] == i}
        is_sync = ("destination" in d and "model" in d) or "source_attributes" in d or "destination_attributes" in d
        it, sk = _sync(tool, d, dl) if is_sync else _model(tool, d, dl, dialect)
        skips.extend(sk)
        if it is not None:
            items.append(it)
    return payload(tool, items, skips)


def read_census_sql(rel: str, text: str, dialect: str) -> dict:
    """A Census SQL model file: the whole file is the model's query."""
    name = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    lead = len(text) - len(text.lstrip())
    sql_line = text.count("\n", 0, lead) + 1
    return payload("census", [_sql_item("model", name, 1, text.strip(), sql_line, dialect)])
