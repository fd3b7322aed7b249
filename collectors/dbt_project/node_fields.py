"""Building one node's row: identity, config precedence, and the columns derived from config.

Config precedence is dbt's: the ``dbt_project.yml`` tree, then the property file (the entry's
``tags``/``meta``/``access``/``group``/``docs`` keys and its ``config:`` block; a model
version's own keys after the model's), then the ``config()`` call in the code. ``tags`` add up
and ``meta`` merges at every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from collectors.dbt_project.graph import as_text
from collectors.dbt_project.project_yml import Project, as_str_list, merge_config
from collectors.dbt_project.schema_yml import Entry, entry_list, entry_map

ENTRY_CONFIG_KEYS = ("tags", "meta", "access", "group", "docs")
"""Keys of a property entry that act as configs (older dbt put them beside ``config:``)."""

DEFAULT_MATERIALIZED = {
    "model": "view",
    "seed": "seed",
    "snapshot": "snapshot",
    "analysis": "view",
    "test": "test",
}


def new_node(resource_type: str, project: Project, name: str, uid: str, fqn: list[str], path: str, **fields) -> dict:
    """A node row with its identity set and every other column empty."""
    node = {
        "unique_id": uid,
        "resource_type": resource_type,
        "name": name,
        "package_name": project.name,
        "path": path,
        "fqn": fqn,
        "enabled": True,
        "tags": [],
        "origin": "project",
    }
    node.update(fields)
    return node


def entry_config(config: dict, entry: Entry | None, within: Mapping | None = None) -> dict:
    """Apply a property entry's configs (or those of a mapping inside it, e.g. a model
    version) onto ``config``.

    Raises:
        InputError: ``config:`` is not a mapping.
    """
    if entry is None:
        return config
    data = entry.data if within is None else within
    direct = {k: data[k] for k in ENTRY_CONFIG_KEYS if data.get(k) is not None}
    if direct:
        merge_config(config, direct, tree=False)
    block = entry_map(entry, "config", within)
    if block:
        merge_config(config, block, tree=False)
    return config


def is_enabled(config: Mapping) -> bool:
    """False only for an explicit ``enabled: false``."""
    return config.get("enabled", True) is not False


def apply_config(node: dict, config: dict, default_alias: str | None = None) -> dict:
    """Set the columns that come from the final config (materialized, tags, meta, access...)."""
    resource_type = node["resource_type"]
    default = DEFAULT_MATERIALIZED.get(resource_type)
    if resource_type == "model" and node.get("language") == "python":
        default = "table"
    config.setdefault("enabled", True)
    if default is not None:
        config.setdefault("materialized", default)
    node["materialized"] = as_text(config.get("materialized"))
    node["tags"] = as_str_list(config.get("tags"))
    meta = config.get("meta")
    node["meta"] = meta if isinstance(meta, Mapping) and meta else None
    node["group_name"] = as_text(config.get("group"))
    node["access"] = as_text(config.get("access")) or ("protected" if resource_type == "model" else None)
    contract = config.get("contract")
    if isinstance(contract, Mapping):
        node["contract_enforced"] = contract.get("enforced") is True
    elif resource_type in ("model", "seed", "snapshot", "analysis"):
        node["contract_enforced"] = False
    if resource_type not in ("source", "exposure", "group", "metric", "semantic_model", "unit_test"):
        node["alias"] = as_text(config.get("alias")) or default_alias or node["name"]
    node["config"] = config
    return node


def description(*mappings: Mapping | None) -> str:
    """The first ``description`` found (a version's before its model's); ``""`` as dbt writes."""
    for data in mappings:
        if data and data.get("description") is not None:
            return (as_text(data.get("description")) or "").strip()
    return ""


def column_entries(entry: Entry, within: Mapping | None = None) -> list[Mapping]:
    """The ``columns`` of an entry as mappings with a name.

    Raises:
        InputError: ``columns`` is not a list, or a column is not a mapping with a name.
    """
    out = []
    for i, column in enumerate(entry_list(entry, "columns", within=within)):
        if not isinstance(column, Mapping):
            raise entry.error(f"columns[{i}] is not a mapping")
        if "include" in column or "exclude" in column:  # a model version's inheritance rule
            out.append(column)
            continue
        if not isinstance(column.get("name"), (str, int)) or column.get("name") == "":
            raise entry.error(f"columns[{i}] has no name")
        out.append(column)
    return out


def version_columns(entry: Entry, version: Mapping) -> list[Mapping]:
    """A model version's columns: the model's (as its ``include``/``exclude`` say), then its own.

    Example:
        >>> from pathlib import Path
        >>> model = Entry({"name": "m", "columns": [{"name": "a"}, {"name": "b"}, {"name": "c"}]},
        ...               Path("s.yml"), Path("."), "models[0]")
        >>> v2 = {"v": 2, "columns": [{"include": "all", "exclude": ["b"]}, {"name": "d"}]}
        >>> [c["name"] for c in version_columns(model, v2)]
        ['a', 'c', 'd']
    """
    inherited = column_entries(entry)
    if version.get("columns") is None:
        return inherited
    include: object = "all"
    exclude: list[str] = []
    own = []
    for column in column_entries(entry, version):
        if "include" in column or "exclude" in column:
            include = column.get("include", "all")
            exclude = as_str_list(column.get("exclude"))
        else:
            own.append(column)
    own_names = {str(c["name"]) for c in own}
    keep_all = include in ("all", "*")
    included = set(as_str_list(include))
    kept = [
        c
        for c in inherited
        if (keep_all or str(c["name"]) in included)
        and str(c["name"]) not in exclude
        and str(c["name"]) not in own_names
    ]
    return kept + own


def column_rows(uid: str, columns: Sequence[Mapping]) -> list[tuple]:
    """``node_columns`` rows (position from 1, in file order)."""
    rows = []
    position = 0
    for column in columns:
        if "name" not in column:  # an include/exclude rule
            continue
        position += 1
        config = column.get("config") if isinstance(column.get("config"), Mapping) else {}
        meta = column.get("meta") or config.get("meta")
        constraints = column.get("constraints")
        rows.append(
            (
                uid,
                as_text(column["name"]),
                (as_text(column.get("description")) or "").strip(),
                as_text(column.get("data_type")),
                as_str_list(column.get("tags") or config.get("tags")),
                meta if isinstance(meta, Mapping) and meta else None,
                [_constraint(c) for c in constraints] if isinstance(constraints, list) and constraints else None,
                position,
            )
        )
    return rows


def _constraint(value: object) -> object:
    """A column constraint in dbt's full shape (the keys dbt fills in when it parses)."""
    if not isinstance(value, Mapping) or "type" not in value:
        return value
    return {
        "type": value.get("type"),
        "name": value.get("name"),
        "expression": value.get("expression"),
        "warn_unenforced": value.get("warn_unenforced", True),
        "warn_unsupported": value.get("warn_unsupported", True),
        "to": value.get("to"),
        "to_columns": value.get("to_columns") or [],
    }
