"""YAML and JSON last-mile files: load them (safely), know the line of each key, and tell the tool.

The tool is recognised from the document, not from the folder: a Hightouch model has
``raw_sql``/``rawSql`` or a ``type`` of ``raw_sql``/``table``/``dbt_model`` with a ``slug`` or
``primaryKey``; a Hightouch sync a ``model`` and a ``destination``; a Census sync
``source_attributes``/``destination_attributes`` (its API's shape) or ``operation``; a Census
model a ``query``; a Metabase question a ``dataset_query``. The folder name only breaks ties
(``census/`` vs ``hightouch/`` for a bare ``name`` + ``query``/``sql`` document).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import orjson
import yaml

from collectors.dbt_project.safe_yaml import safe_load_yaml
from console.errors import InputError

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

KeyLines = dict[tuple, tuple[int, bool]]
"""key path (tuple of keys and list indices) -> (1-based line where the value's text starts,
True for a block scalar ``|``/``>`` whose text starts on the next line already counted)."""


def load_yaml(rel: str, text: str) -> tuple[Any, KeyLines]:
    """The document and the line of every key's value (up to four levels deep).

    Raises:
        InputError: invalid YAML (the message names the line), too deep or alias bombs.
    """
    doc = safe_load_yaml(PurePosixPath(rel), text)
    return doc, yaml_key_lines(text)


def yaml_key_lines(text: str, max_depth: int = 4) -> KeyLines:
    """Where each value starts, from libyaml's events (a second, cheap pass).

    Example:
        >>> lines = yaml_key_lines("name: a\\nraw_sql: |-\\n  select 1\\n  from t\\n")
        >>> lines[("raw_sql",)], lines[("name",)]
        ((3, True), (1, False))
    """
    out: KeyLines = {}
    stack: list[list] = []  # [is_mapping, path, expecting_key, current_key, index]
    for ev in yaml.parse(text, Loader=_Loader):
        kind = type(ev)
        if kind in (yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.ScalarEvent, yaml.AliasEvent):
            key_path = None
            if stack:
                top = stack[-1]
                if top[0]:
                    if top[2]:  # this event is a key
                        top[3] = ev.value if kind is yaml.ScalarEvent else None
                        top[2] = False
                        continue
                    key_path = (*top[1], top[3])
                    top[2] = True
                else:
                    key_path = (*top[1], top[4])
                    top[4] += 1
            else:
                key_path = ()
            if key_path is not None and 0 < len(key_path) <= max_depth and None not in key_path:
                block = kind is yaml.ScalarEvent and ev.style in ("|", ">")
                out[key_path] = (ev.start_mark.line + 1 + (1 if block else 0), block)
            if kind is yaml.MappingStartEvent:
                stack.append([True, key_path or (), True, None, 0])
            elif kind is yaml.SequenceStartEvent:
                stack.append([False, key_path or (), False, None, 0])
        elif kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            stack.pop()
    return out


def load_json(rel: str, text: str) -> Any:
    """The JSON document.

    Raises:
        InputError: not JSON, naming the line.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as e:
        line = text.count("\n", 0, getattr(e, "pos", 0) or 0) + 1
        raise InputError(rel, f"not valid JSON (line {line}): {str(e).split(':')[0]}") from None


def json_value_line(text: str, *keys: str) -> int:
    """The line of ``"key":`` for the last of ``keys``, each searched after the one before (1 when absent).

    JSON keeps no positions; this walks the text for the quoted keys in order, which is exact
    for the pretty-printed exports tools write.

    Example:
        >>> json_value_line('{\\n "a": 1,\\n "native": {\\n  "query": "select 1"}}', "native", "query")
        4
    """
    pos = 0
    for key in keys:
        found = text.find(f'"{key}"', pos)
        if found < 0:
            return 1
        pos = found + len(key) + 2
    return text.count("\n", 0, pos) + 1


def folder_hint(rel: str) -> str | None:
    """The tool a folder name suggests (used only to break ties).

    Example:
        >>> folder_hint("reverse_etl/census/models/a.yaml"), folder_hint("x/y.yaml")
        ('census', None)
    """
    for part in reversed(PurePosixPath(rel.lower()).parts[:-1]):
        for tool in ("hightouch", "census", "metabase", "looker", "lookml"):
            if tool in part:
                return "lookml" if tool == "looker" else tool
    return None


def sniff(doc: Any, rel: str) -> str | None:
    """Which tool wrote this document: hightouch, census, metabase, or None.

    Example:
        >>> sniff({"name": "m", "slug": "m", "type": "raw_sql", "raw_sql": "select 1"}, "x.yaml")
        'hightouch'
        >>> sniff({"model": "m", "destination": "sf"}, "x.yaml"), sniff({"dataset_query": {}}, "q.json")
        ('hightouch', 'metabase')
        >>> sniff({"source_attributes": {}, "destination_attributes": {}}, "s.yaml")
        'census'
    """
    docs = doc if isinstance(doc, list) else [doc]
    for d in docs:
        if not isinstance(d, dict):
            continue
        keys = set(d)
        if "dataset_query" in keys or ("serdes/meta" in keys and "query_type" in keys):
            return "metabase"
        if keys & {"source_attributes", "destination_attributes"} or "census" in keys:
            return "census"
        hint = folder_hint(rel)
        if keys & {"raw_sql", "rawSql"} or (d.get("type") in ("raw_sql", "table", "dbt_model", "dbt") and keys & {"slug", "primaryKey", "primary_key"}):
            return "census" if hint == "census" else "hightouch"
        if "model" in keys and "destination" in keys:
            return "census" if hint == "census" or "operation" in keys else "hightouch"
        if "query" in keys and isinstance(d.get("query"), str) and "name" in keys:
            return "hightouch" if hint == "hightouch" else ("census" if hint == "census" else None)
    return None
