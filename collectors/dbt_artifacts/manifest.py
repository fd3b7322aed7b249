"""manifest.json (schema v1 to v12) -> the project, nodes, edges, node_columns and tests frames.

One pass over every resource section reads each node's fields into row tuples; each frame is
then built once. Fields moved between versions are read from wherever the version keeps them:

* SQL: ``raw_sql``/``compiled_sql`` until v6, ``raw_code``/``compiled_code`` from v7.
* ``meta``, ``tags``, ``group``, ``access``, ``contract``, source ``freshness`` and
  ``loaded_at_field``: on the node in older versions, under ``config`` in newer ones (both
  are read; the node's value wins).
* sections: ``metrics`` from v4, ``groups`` from v9, ``semantic_models`` from v10,
  ``saved_queries`` from v11, ``unit_tests`` and ``functions`` from v12.
* tests: ``attached_node`` from v9; before that (and for singular tests) the node a test is
  attached to is resolved from ``test_metadata.kwargs.model`` or the first ``ref``.

Owners: ``meta.owner`` (or ``config.meta.owner``); an exposure's or group's ``owner.name``
(else ``owner.email``); a node of a group without an owner of its own takes the group's.
Empty ``meta``, ``config`` and ``constraints`` are stored as NULL.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import polars as pl

from collectors.dbt_artifacts._common import (
    EMPTY,
    SHAPE_ERRORS,
    ShapeError,
    Where,
    dumps,
    frame,
    gc_paused,
    obj,
    shape_error,
    text,
    threshold,
    utc_iso,
)
from collectors.dbt_artifacts.data_tests import TEST_COLUMNS, data_test_row
from collectors.dbt_artifacts.pieces import ManifestPieces
from collectors.owners import owner_text

SECTIONS = (
    ("nodes", None),
    ("sources", "source"),
    ("exposures", "exposure"),
    ("metrics", "metric"),
    ("semantic_models", "semantic_model"),
    ("saved_queries", "saved_query"),
    ("groups", "group"),
    ("unit_tests", "unit_test"),
    ("functions", "function"),
)
"""Manifest sections holding nodes, with the resource type of their entries."""

SKIPPED_TYPES = frozenset({"macro", "doc", "docs", "operation", "sql_operation", "rpc"})
"""Resource types that are not part of the project's graph (hooks, RPC calls, docs)."""

NODE_COLUMNS = (
    "unique_id", "resource_type", "name", "package_name", "path", "patch_path", "fqn",
    "database", "schema", "alias", "relation_name", "materialized", "language", "enabled",
    "access", "group_name", "contract_enforced", "version", "latest_version", "deprecation_date",
    "owner", "owner_email", "description", "tags", "meta", "config", "raw_code", "compiled_code",
    "checksum", "source_name", "source_description", "identifier", "loaded_at_field", "freshness",
    "exposure_type", "maturity", "url", "label", "time_spine",
)  # fmt: skip
"""The nodes columns read per node (``origin`` is the constant ``manifest``)."""
COLUMN_COLUMNS = ("unique_id", "name", "description", "data_type", "tags", "meta", "constraints", "position")
EDGE_COLUMNS = ("parent_id", "child_id")
PROJECT_COLUMNS = (
    "name", "dbt_version", "adapter", "manifest_schema_version", "manifest_generated_at",
    "manifest_invocation_id", "origin",
)  # fmt: skip


def parse_manifest(path: Path, doc: dict | ManifestPieces, version: int) -> dict[str, pl.DataFrame]:
    """Read a parsed manifest into store frames.

    Args:
        path: the file (named in errors).
        doc: the parsed manifest (see :func:`collectors.dbt_artifacts.sniff.sniff`), or a big
            one in pieces (:func:`collectors.dbt_artifacts.pieces.split_manifest`): each piece
            is read into frames and dropped before the next is parsed.
        version: its schema version, 1 to 12.

    Returns:
        Frames keyed ``project`` (one row), ``nodes``, ``edges``, ``node_columns``, ``tests``.
        ``layer`` is left to the pipeline.

    Raises:
        InputError: the manifest has an unexpected shape (naming the node and the field).
    """
    where = Where()
    rows = _Rows(path)
    with gc_paused():  # the document holds millions of objects: a full collection costs seconds
        try:
            metadata = obj((doc.head if isinstance(doc, ManifestPieces) else doc).get("metadata"), "metadata")
            if isinstance(doc, ManifestPieces):
                where.section = "nodes"
                packages = None if metadata.get("project_name") else Counter()
                for chunk in doc.chunks():
                    _read_section(chunk, None, where, rows)
                    rows.flush()
                    if packages is not None:
                        packages.update(_packages(chunk))
                    del chunk
                doc = doc.rest()
            else:
                packages = None
            for section, default_type in SECTIONS:
                where.section, where.key = section, None
                _read_section(obj(doc.get(section), section), default_type, where, rows)
            rows.flush()
            where.section, where.key = "groups", None
            group_owners = _group_owners(obj(doc.get("groups"), "groups"), where)
            where.section, where.key = "metadata", None
            name = text(metadata.get("project_name"))
            if not name:
                packages = packages if packages is not None else Counter()
                for section in ("nodes", "sources", "exposures"):
                    packages.update(_packages(obj(doc.get(section), section)))
                name = packages.most_common(1)[0][0] if packages else None
            project = (
                name,
                text(metadata.get("dbt_version")),
                text(metadata.get("adapter_type")),
                version,
                utc_iso(metadata.get("generated_at")),
                text(metadata.get("invocation_id")),
                "manifest",
            )
        except SHAPE_ERRORS as e:
            raise shape_error(path, where, e) from None
        del doc
        nodes = _with_group_owners(rows.frame("nodes"), group_owners)
        duplicate = nodes.filter(nodes["unique_id"].is_duplicated())["unique_id"].head(1).to_list()
        if duplicate:
            raise shape_error(path, Where("nodes", duplicate[0]), ShapeError("the same unique_id appears in two sections"))
        return {
            "project": frame(path, "project", PROJECT_COLUMNS, [project]),
            "nodes": nodes,
            "edges": rows.frame("edges"),
            "node_columns": rows.frame("node_columns"),
            "tests": rows.frame("tests"),
        }


class _Rows:
    """Row tuples of the frames being read, turned into frames piece by piece (:meth:`flush`)."""

    TABLES = {"nodes": NODE_COLUMNS, "edges": EDGE_COLUMNS, "node_columns": COLUMN_COLUMNS, "tests": TEST_COLUMNS}

    def __init__(self, path: Path):
        self.path = path
        self.nodes: list[tuple] = []
        self.edges: list[tuple] = []
        self.columns: list[tuple] = []
        self.tests: list[tuple] = []
        self._frames: dict[str, list[pl.DataFrame]] = {table: [] for table in self.TABLES}

    def flush(self) -> None:
        """Build frames of the rows read so far and drop the rows (and the objects only they held)."""
        for table, rows in (("nodes", self.nodes), ("edges", self.edges), ("node_columns", self.columns), ("tests", self.tests)):
            if rows or not self._frames[table]:
                constants = {"origin": "manifest"} if table == "nodes" else None
                self._frames[table].append(frame(self.path, table, self.TABLES[table], rows, constants))
        self.nodes, self.edges, self.columns, self.tests = [], [], [], []

    def frame(self, table: str) -> pl.DataFrame:
        frames = self._frames[table]
        return frames[0] if len(frames) == 1 else pl.concat(frames, rechunk=False)


def _read_section(entries: dict, default_type: str | None, where: Where, rows: _Rows) -> None:
    """The one pass over a section's entries: rows for nodes, edges, node_columns and tests."""
    nodes, edges, columns, tests = rows.nodes, rows.edges, rows.columns, rows.tests
    for uid, node in entries.items():
        where.key = uid
        if type(node) is not dict:
            node = obj(node, "the entry")
        rtype = node.get("resource_type") or default_type
        if rtype in SKIPPED_TYPES:
            continue
        cfg = node.get("config")
        if type(cfg) is not dict:
            cfg = obj(cfg, "config")
        nodes.append(_node_row(uid, rtype, node, cfg))
        deps = (node.get("depends_on") or EMPTY).get("nodes") or ()
        if type(deps) is not list and deps:
            raise ShapeError("depends_on.nodes is not a list")
        if len(deps) == 1:
            edges.append((deps[0], uid))
        elif deps:
            edges.extend([(parent, uid) for parent in dict.fromkeys(deps)])
        cols = node.get("columns")
        if cols:
            _column_rows(uid, cols, columns)
        if rtype == "test":
            tests.append(data_test_row(uid, node, cfg, deps))


def _with_group_owners(nodes: pl.DataFrame, group_owners: dict) -> pl.DataFrame:
    """A node of a group, without an owner of its own, takes the group's owner and email.

    Groups are read after the nodes (they follow them in the file), so this is done on the frame.
    """
    owners = {k: v for k, v in group_owners.items() if type(k) is str}
    if not owners or nodes.is_empty():
        return nodes
    group = pl.col("group_name")
    pending = pl.col("_pending")
    nodes = nodes.with_columns(
        ((pl.col("owner").is_null() | (pl.col("owner") == "")) & group.is_not_null() & (pl.col("resource_type") != "group")).alias("_pending")
    )
    owner = group.replace_strict({k: v[0] for k, v in owners.items()}, default=None, return_dtype=pl.String)
    email = group.replace_strict({k: v[1] for k, v in owners.items()}, default=None, return_dtype=pl.String)
    nodes = nodes.with_columns(
        pl.when(pending).then(owner).otherwise(pl.col("owner")).alias("owner"),
        pl.when(pending & group.is_in(list(owners))).then(email).otherwise(pl.col("owner_email")).alias("owner_email"),
    )
    owner = pl.col("owner")
    by_email = pending & pl.col("owner_email").is_null() & owner.str.contains("@", literal=True) & ~owner.str.contains(" ", literal=True)
    return nodes.with_columns(pl.when(by_email).then(owner).otherwise(pl.col("owner_email")).alias("owner_email")).drop("_pending")


def _node_row(uid: str, rtype: str, node: dict, cfg: dict) -> tuple:
    get = node.get
    cget = cfg.get
    meta = get("meta")
    config_meta = cget("meta")
    if config_meta and config_meta is not meta:
        meta = _merged_meta(meta, config_meta)
    group = get("group") or cget("group")
    if rtype == "exposure" or rtype == "group":
        owner_field = get("owner") or EMPTY
        owner = owner_text(owner_field)
        email = text(owner_field.get("email"))
    elif meta:
        owner = meta.get("owner")
        if owner is not None and type(owner) is not str:
            owner = owner_text(owner)
        email = text(meta.get("owner_email"))
    else:
        owner = email = None
    if email is None and owner and "@" in owner and " " not in owner:  # a group's owner: _with_group_owners
        email = owner
    raw = get("raw_code")
    language = get("language")
    if raw is None:
        raw = get("raw_sql")
        if raw is not None and language is None:
            language = "sql"
    compiled = get("compiled_code")
    if compiled is None:
        compiled = get("compiled_sql")
    contract = get("contract") or cget("contract")
    checksum = get("checksum")
    if type(checksum) is dict:
        checksum = checksum.get("checksum")
    version, latest, deprecation = get("version"), get("latest_version"), get("deprecation_date")
    if version is not None or latest is not None or deprecation is not None:
        version, latest, deprecation = text(version), text(latest), text(deprecation)
    source = rtype == "source"
    exposure = rtype == "exposure"
    return (
        uid,
        rtype,
        get("name"),
        get("package_name"),
        get("original_file_path") or get("path"),
        get("patch_path"),
        get("fqn"),
        get("database"),
        get("schema"),
        get("identifier") if source else get("alias"),
        get("relation_name"),
        cget("materialized"),
        language,
        cget("enabled", True),
        get("access") or cget("access"),
        group,
        contract.get("enforced") if contract else None,
        version,
        latest,
        deprecation,
        owner,
        email,
        get("description"),
        get("tags") or cget("tags") or (),
        orjson.dumps(meta).decode() if meta else None,  # inlined `dumps`: this loop is the hot path
        orjson.dumps(cfg).decode() if cfg else None,
        raw,
        compiled,
        checksum or None,
        get("source_name") if source else None,
        get("source_description") if source else None,
        get("identifier") if source else None,
        (get("loaded_at_field") or cget("loaded_at_field")) if source else None,
        _freshness(get("freshness") or cget("freshness")) if source else None,
        get("type") if exposure else None,
        get("maturity") if exposure else None,
        get("url") if exposure else None,
        get("label"),
        _time_spine(get("time_spine")) if rtype == "model" else None,
    )


def _time_spine(spine: object) -> str | None:
    """A MetricFlow time spine's standard granularity column (manifest v12: ``time_spine`` on the model)."""
    if type(spine) is dict:
        return text(spine.get("standard_granularity_column")) or None
    return None


def _merged_meta(node_meta: object, config_meta: object) -> dict:
    """``meta`` lives on the node in older manifests and under ``config`` in newer ones."""
    node_meta = obj(node_meta, "meta")
    config_meta = obj(config_meta, "config.meta")
    if not node_meta or node_meta == config_meta:
        return config_meta
    return {**config_meta, **node_meta}


def _column_rows(uid: str, cols: dict, out: list) -> None:
    append = out.append
    for position, (key, col) in enumerate(obj(cols, "columns").items(), 1):
        if type(col) is not dict:
            col = obj(col, f"columns[{key!r}]")
        meta = col.get("meta")
        if not meta:
            meta = obj(col.get("config"), f"columns[{key!r}].config").get("meta")
        constraints = col.get("constraints")
        append(
            (
                uid,
                col.get("name") or key,
                col.get("description"),
                col.get("data_type"),
                col.get("tags") or (),
                orjson.dumps(meta).decode() if meta else None,
                orjson.dumps(constraints).decode() if constraints else None,
                position,
            )
        )


def _freshness(value: object) -> str | None:
    """Source freshness as ``{warn_after, error_after, filter}``; None when no count is set.

    Example:
        >>> _freshness({"warn_after": {"count": None, "period": None}, "error_after": {"count": None}})
        >>> _freshness({"warn_after": {"count": 1, "period": "hour"}, "error_after": {"count": None}})
        '{"warn_after":{"count":1,"period":"hour"},"error_after":null,"filter":null}'
    """
    value = obj(value, "freshness")
    warn = threshold(value.get("warn_after"), "freshness.warn_after")
    error = threshold(value.get("error_after"), "freshness.error_after")
    if warn is None and error is None:
        return None
    return dumps({"warn_after": warn, "error_after": error, "filter": value.get("filter")})


def _group_owners(groups: dict, where: Where) -> dict[str, tuple[str | None, str | None]]:
    """group name -> (owner, owner email)."""
    owners = {}
    for uid, group in groups.items():
        where.key = uid
        group = obj(group, "the entry")
        owner = obj(group.get("owner"), "owner")
        owners[group.get("name")] = (owner_text(owner), text(owner.get("email")))
    return owners


def _packages(entries: dict) -> Counter:
    """Package names of a section's entries: the project is the package most nodes belong to
    (manifests before v10 lack its name)."""
    return Counter(
        node.get("package_name") for node in entries.values() if isinstance(node, dict) and isinstance(node.get("package_name"), str)
    )
