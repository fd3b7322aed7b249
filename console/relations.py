"""Relation names as written (in last-mile SQL, query logs) resolved to dbt nodes.

A :class:`RelationIndex` is built once from the store's ``nodes`` frame and the project's
adapter; :meth:`RelationIndex.resolve` then answers, with dictionary lookups, which dbt node a
name such as ``analytics.exp_top_items_crm``, ``"ANALYTICS"."PUBLIC"."Orders"`` or
```proj.dataset.orders``` stands for.

Decisions (each is a rule of the warehouse, not a guess):

* **Case and quoting follow the dialect.** Each part of a name is put in the form the
  warehouse stores it in, and forms are compared exactly:

  - Snowflake and Oracle fold unquoted identifiers to upper case; a quoted identifier keeps
    its case (``"Orders"`` is not ``ORDERS``).
  - PostgreSQL folds unquoted identifiers to lower case; a quoted identifier keeps its case.
  - BigQuery and ClickHouse never fold: dataset and table names are case-sensitive whether
    quoted or not (the BigQuery project part is compared case-insensitively: project ids are
    lower case). A backticked ```proj.dataset.table``` is three parts.
  - Every other dialect (DuckDB, Redshift, Databricks/Spark, Trino, MySQL, SQL Server, ...)
    compares case-insensitively, quoted or not.

  A node's own form comes from its ``relation_name`` as dbt rendered it (its quotes say how
  dbt created the relation); without one, from database, schema and alias (identifier for a
  source), quoted as dbt quotes by default (Snowflake: unquoted; others: quoted).
* **Defaults.** A 2-part name gets the project's default database, a 1-part name its default
  database and schema: the profile's when given, else the most common database and schema of
  the project's models. When the defaulted name matches no node, a name whose written parts
  match exactly one node's trailing parts resolves to that node (the warehouse's search path
  may differ from the default); several candidates resolve to none. Likewise a 3-part name in a
  database the project has no node in (the production database, while the manifest was built
  for development) resolves by schema and name when exactly one node has them. Names of 4 parts and more
  keep their last 3.
* **Special forms.** ``ref:<model>`` (a Hightouch model built on a dbt model) resolves by model
  name (the latest version of a versioned model); ``source:<source>.<table>`` by source and
  table name; ``<tool>:<name>`` for another tool (``lookml:orders``) is that tool's object (a bare
  name of the reading item's own tool is resolved before this index is asked:
  :func:`console.layerinitis.resolve.resolve_written`). Parts given as ``holes`` (placeholders
  interpolated by application code) match anything: the parts after them must match exactly one node.
* **Kinds.** ``node`` (a model, seed, snapshot or source: :attr:`Resolution.unique_id` is
  set), ``raw`` (no node, in a database/schema that holds dbt sources or no dbt relation at
  all: a raw table dbt does not know), ``tool`` (another tool's object: a ``<tool>:`` name or
  a schema of a tool's own, such as Looker's ``looker_scratch``), ``system`` (the warehouse's
  own catalogue: ``information_schema``, ``pg_catalog``, Snowflake's ``SNOWFLAKE`` database),
  ``unknown`` (no node, in a schema where dbt builds models, or a name that is not a relation
  name).

Example:
    >>> import polars as pl
    >>> nodes = pl.DataFrame({
    ...     "unique_id": ["model.p.exp_crm", "source.p.shop.orders", "model.p.stg_orders"],
    ...     "resource_type": ["model", "source", "model"], "name": ["exp_crm", "orders", "stg_orders"],
    ...     "database": ["warehouse"] * 3, "schema": ["analytics", "raw", "analytics"],
    ...     "alias": ["exp_crm", None, "stg_orders"], "identifier": [None, "orders", None],
    ...     "relation_name": ['"warehouse"."analytics"."exp_crm"', '"warehouse"."raw"."orders"', None],
    ...     "layer": ["export", "source", "staging"]})
    >>> index = RelationIndex.from_nodes(nodes, adapter="duckdb")
    >>> index.resolve("ANALYTICS.Exp_Crm").unique_id
    'model.p.exp_crm'
    >>> index.resolve("exp_crm").parts
    ('warehouse', 'analytics', 'exp_crm')
    >>> index.resolve("raw.orders").unique_id, index.resolve("raw.refunds").kind
    ('source.p.shop.orders', 'raw')
    >>> index.resolve("analytics.dropped_model").kind, index.resolve("ref:stg_orders").layer
    ('unknown', 'staging')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from collectors.sql_facts.relations import dialect_for_adapter

#: Dialects that fold unquoted identifiers and keep quoted ones as written: dialect -> fold.
_QUOTED_SENSITIVE: dict[str, str] = {"snowflake": "upper", "oracle": "upper", "postgres": "lower"}
#: Dialects whose names are case-sensitive whether quoted or not (never folded).
_ALWAYS_SENSITIVE = frozenset({"bigquery", "clickhouse"})
#: Resource types a relation name can stand for.
RELATION_TYPES = ("model", "seed", "snapshot", "source")
#: Schemas that other tools create for their own objects (Looker PDTs, reverse-ETL state).
TOOL_SCHEMAS: dict[str, str] = {
    "looker_scratch": "lookml", "looker_pdt": "lookml", "hightouch_planner": "hightouch",
    "hightouch_audit": "hightouch", "census": "census", "census_internal": "census",
    "metabase": "metabase",
}
#: The warehouse's own catalogues: a read of them is metadata, not data.
SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "account_usage", "performance_schema", "sys", "mysql"})
SYSTEM_DATABASES = frozenset({"snowflake", "system", "temp"})
_TOOL_PREFIXES = frozenset({
    "hightouch", "census", "lookml", "looker", "metabase", "tableau", "python", "javascript",
    "typescript", "notebook", "dbt_sync",
})
_QUOTES = {'"': '"', "`": "`", "[": "]"}

Part = tuple[str, bool]
"""One part of a written name: its text and whether it was quoted."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a relation name stands for.

    Attributes:
        kind: ``node``, ``raw``, ``tool``, ``system`` or ``unknown`` (see the module docstring).
        unique_id: the dbt node's unique_id when kind is ``node``, else None.
        parts: (database, schema, name) in the warehouse's stored form, defaults filled in
            (empty strings where a part is not known; for ``ref:``/``source:`` names, the
            node's parts; for a ``<tool>:`` name, (tool, '', name)).
        resource_type: the node's resource type (model, seed, snapshot, source), or None.
        layer: the node's layer (staging, intermediate, mart, export, source...), or None.
        tool: for kind ``tool``, the tool the object belongs to.
    """

    kind: str
    unique_id: str | None
    parts: tuple[str, str, str]
    resource_type: str | None = None
    layer: str | None = None
    tool: str | None = None

    @property
    def written_as_node(self) -> str:
        """``database.schema.name`` of :attr:`parts`, empty parts left out.

        Example:
            >>> Resolution("raw", None, ("", "raw", "orders")).written_as_node
            'raw.orders'
        """
        return ".".join(p for p in self.parts if p)


def split_name(name: str, dialect: str = "duckdb") -> list[Part]:
    """Split a relation name into parts, keeping whether each part was quoted.

    Quotes are ``"``, backticks and ``[]``; a doubled quote inside quotes is one quote
    character. In BigQuery a backticked part may hold dots (```proj.ds.t```): it is split.

    Example:
        >>> split_name('"Warehouse".main."stg.orders"')
        [('Warehouse', True), ('main', False), ('stg.orders', True)]
        >>> split_name("`proj.dataset.Orders`", "bigquery")
        [('proj', True), ('dataset', True), ('Orders', True)]
    """
    text = name.strip()
    if '"' not in text and "`" not in text and "[" not in text:  # the common case: no quotes
        return [("".join(p.split()), False) for p in text.split(".")]
    parts: list[Part] = []
    current: list[str] = []
    quoted = False
    quote: str | None = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote is not None:
            close = _QUOTES[quote]
            if ch == close:
                if i + 1 < n and text[i + 1] == close and close != "]":
                    current.append(ch)
                    i += 2
                    continue
                quote = None
            elif ch == "." and dialect == "bigquery" and quote == "`":
                parts.append(("".join(current), True))
                current = []
            else:
                current.append(ch)
        elif ch in _QUOTES:
            quote = ch
            quoted = True
        elif ch == ".":
            parts.append(("".join(current), quoted))
            current, quoted = [], False
        elif not ch.isspace():
            current.append(ch)
        i += 1
    parts.append(("".join(current), quoted))
    return parts


def stored_form(part: Part, dialect: str, position: int = 2) -> str:
    """A name part as the warehouse stores (and this index compares) it.

    Args:
        part: (text, quoted).
        dialect: a sqlglot dialect name.
        position: 0 database, 1 schema, 2 relation (BigQuery's project part is case-insensitive).

    Example:
        >>> stored_form(("orders", False), "snowflake"), stored_form(("Orders", True), "snowflake")
        ('ORDERS', 'Orders')
        >>> stored_form(("Orders", True), "duckdb"), stored_form(("Orders", False), "bigquery")
        ('orders', 'Orders')
    """
    text, quoted = part
    fold = _QUOTED_SENSITIVE.get(dialect)
    if fold is not None:
        if quoted:
            return text
        return text.upper() if fold == "upper" else text.lower()
    if dialect in _ALWAYS_SENSITIVE and position > 0:
        return text
    return text.lower()


class RelationIndex:
    """Resolves relation names as written to dbt nodes (see the module docstring).

    Build it with :meth:`from_nodes`; :meth:`resolve` is a few dictionary lookups, and its
    answers are memoised by the name as written.
    """

    def __init__(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        dialect: str,
        default_database: str | None = None,
        default_schema: str | None = None,
    ) -> None:
        self.dialect = dialect
        self._by_key: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._by_suffix2: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._by_suffix1: dict[str, list[dict[str, Any]]] = {}
        self._models: dict[str, dict[str, Any]] = {}
        self._sources: dict[tuple[str, str], dict[str, Any]] = {}
        self._model_schemas: set[tuple[str, str]] = set()
        self._source_schemas: set[tuple[str, str]] = set()
        self._memo: dict[str, Resolution] = {}
        self._databases_folded: set[str] = set()  # a database differing only by case is not another environment
        databases: Counter[str] = Counter()
        schemas: Counter[str] = Counter()
        for row in rows:
            if row.get("resource_type") not in RELATION_TYPES:
                continue
            key = self._node_key(row)
            if key is None:
                continue
            entry = {"unique_id": row["unique_id"], "resource_type": row["resource_type"], "layer": row.get("layer"), "key": key}
            self._by_key.setdefault(key, entry)
            self._databases_folded.add(key[0].lower())
            self._by_suffix2.setdefault(key[1:], []).append(entry)
            self._by_suffix1.setdefault(key[2], []).append(entry)
            if row["resource_type"] == "source":
                self._source_schemas.add(key[:2])
                if row.get("source_name"):
                    self._sources[(str(row["source_name"]).lower(), str(row.get("name") or "").lower())] = entry
            else:
                if row["resource_type"] == "model":
                    databases[key[0]] += 1
                    schemas[key[1]] += 1
                self._model_schemas.add(key[:2])
                name = str(row.get("name") or "").lower()
                if row["resource_type"] in ("model", "seed", "snapshot") and name:
                    known = self._models.get(name)
                    if known is None or self._is_later_version(row):
                        self._models[name] = entry
        self.default_database = (
            stored_form((default_database, False), dialect, 0) if default_database
            else (databases.most_common(1)[0][0] if databases else "")
        )
        self.default_schema = (
            stored_form((default_schema, False), dialect, 1) if default_schema
            else (schemas.most_common(1)[0][0] if schemas else "")
        )

    @classmethod
    def from_nodes(
        cls,
        nodes: pl.DataFrame,
        *,
        adapter: str | None = None,
        dialect: str | None = None,
        default_database: str | None = None,
        default_schema: str | None = None,
    ) -> RelationIndex:
        """An index of the relations of a store ``nodes`` frame.

        Args:
            nodes: the store's nodes (columns unique_id, resource_type, name, database,
                schema, alias, identifier, relation_name, layer; source_name, materialized and
                version / latest_version when present). Ephemeral models are left out.
            adapter: the project's dbt adapter (``project.adapter``); ignored if ``dialect``.
            dialect: a sqlglot dialect name, to override the adapter's.
            default_database: the profile's database, when known.
            default_schema: the profile's schema, when known.
        """
        wanted = [
            c for c in (
                "unique_id", "resource_type", "name", "database", "schema", "alias", "identifier",
                "relation_name", "layer", "source_name", "version", "latest_version", "materialized",
            ) if c in nodes.columns
        ]
        rows = nodes.filter(pl.col("resource_type").is_in(list(RELATION_TYPES))).select(wanted).iter_rows(named=True)
        return cls(
            rows,
            dialect=dialect if dialect is not None else dialect_for_adapter(adapter),
            default_database=default_database,
            default_schema=default_schema,
        )

    # -- building ---------------------------------------------------------------------------
    @staticmethod
    def _is_later_version(row: Mapping[str, Any]) -> bool:
        version, latest = row.get("version"), row.get("latest_version")
        return version is None or (latest is not None and str(version) == str(latest))

    def _node_key(self, row: Mapping[str, Any]) -> tuple[str, str, str] | None:
        if row.get("materialized") == "ephemeral":
            return None  # inlined by dbt: nothing in the warehouse to read
        relation_name = row.get("relation_name")
        if relation_name:
            parts = split_name(str(relation_name), self.dialect)
        else:
            name = row.get("identifier") if row.get("resource_type") == "source" else row.get("alias")
            name = name or row.get("name")
            if not name or not row.get("schema"):
                return None
            quoted = _QUOTED_SENSITIVE.get(self.dialect) != "upper"  # dbt's default quoting
            parts = [(str(p), quoted) for p in (row.get("database") or "", row["schema"], name)]
        parts = [("", False)] * (3 - len(parts)) + parts[-3:]
        db, schema, name = (stored_form(p, self.dialect, i) for i, p in enumerate(parts))
        if not db and row.get("database"):
            db = stored_form((str(row["database"]), False), self.dialect, 0)
        return (db, schema, name)

    # -- resolving --------------------------------------------------------------------------
    def resolve(self, name: str, *, holes: Iterable[str] = ()) -> Resolution:
        """What ``name`` (a relation as written in SQL, a query log or a tool's file) stands for.

        Args:
            name: the relation as written.
            holes: identifiers that stand for placeholders in the name (``p1`` where application
                code interpolated ``{SCHEMA}``): parts before them are unknown, so the parts
                after the last one must match exactly one node's trailing parts.

        Example:
            >>> import polars as pl
            >>> nodes = pl.DataFrame({"unique_id": ["model.p.orders"], "resource_type": ["model"],
            ...     "name": ["orders"], "database": ["ANALYTICS"], "schema": ["MARTS"],
            ...     "alias": ["orders"], "relation_name": ["ANALYTICS.MARTS.orders"]})
            >>> index = RelationIndex.from_nodes(nodes, adapter="snowflake")
            >>> index.resolve("marts.Orders").kind, index.resolve('marts."orders"').kind
            ('node', 'unknown')
            >>> index.resolve("looker_scratch.lr_1_orders").tool
            'lookml'
            >>> index.resolve("p1.ORDERS", holes={"p1"}).unique_id, index.resolve("p1", holes={"p1"}).kind
            ('model.p.orders', 'unknown')
        """
        if holes:
            return self._resolve_with_holes(name, frozenset(h.lower() for h in holes))
        found = self._memo.get(name)
        if found is None:
            found = self._resolve(name)
            self._memo[name] = found
        return found

    def _resolve_with_holes(self, name: str, holes: frozenset[str]) -> Resolution:
        """A name some of whose parts are placeholders (``p1.FCT_ORDERS`` from an f-string):
        the parts after the last placeholder must match exactly one node's trailing parts."""
        key = (name, holes)
        found = self._memo.get(key)  # type: ignore[call-overload]
        if found is not None:
            return found
        parts = split_name(name.strip(), self.dialect)
        last_hole = max((i for i, (text, quoted) in enumerate(parts) if not quoted and text.lower() in holes), default=-1)
        if last_hole < 0:
            found = self.resolve(name)
        elif last_hole == len(parts) - 1 or len(parts) - last_hole - 1 > 2:
            found = Resolution("unknown", None, ("", "", name.strip()))
        else:
            rest = parts[last_hole + 1:]
            forms = [stored_form(p, self.dialect, 3 - len(rest) + i) for i, p in enumerate(rest)]
            candidates = self._by_suffix1.get(forms[0], ()) if len(forms) == 1 else self._by_suffix2.get((forms[0], forms[1]), ())
            found = self._node(candidates[0]) if len(candidates) == 1 else Resolution("unknown", None, ("", "", name.strip()))
        self._memo[key] = found  # type: ignore[index]
        return found

    def resolve_many(self, names: Iterable[str]) -> dict[str, Resolution]:
        """``{name: resolve(name)}`` for each distinct name."""
        return {n: self.resolve(n) for n in dict.fromkeys(names)}

    def _node(self, entry: Mapping[str, Any]) -> Resolution:
        return Resolution("node", entry["unique_id"], entry["key"], entry["resource_type"], entry["layer"])

    def _resolve(self, name: str) -> Resolution:
        text = name.strip()
        prefix, sep, rest = text.partition(":")
        if sep and prefix.isidentifier() and rest and not rest.startswith(":"):
            return self._resolve_prefixed(prefix.lower(), rest.strip())
        parts = split_name(text, self.dialect)
        if not text or any(not p[0] for p in parts):
            return Resolution("unknown", None, ("", "", text))
        written = len(parts)
        parts = parts[-3:]
        forms = [stored_form(p, self.dialect, i + 3 - len(parts)) for i, p in enumerate(parts)]
        if written == 1:
            key = (self.default_database, self.default_schema, forms[0])
        elif written == 2:
            key = (self.default_database, forms[0], forms[1])
        else:
            key = (forms[0], forms[1], forms[2])
        entry = self._by_key.get(key)
        if entry is not None:
            return self._node(entry)
        if written < 3:
            candidates = self._by_suffix1.get(forms[0], ()) if written == 1 else self._by_suffix2.get((forms[0], forms[1]), ())
            if len(candidates) == 1:
                return self._node(candidates[0])
        elif key[0].lower() not in self._databases_folded:  # another environment's database (prod, while dbt built dev)
            candidates = self._by_suffix2.get(key[1:], ())
            if len(candidates) == 1:
                return self._node(candidates[0])
        if key[1].lower() in SYSTEM_SCHEMAS or key[0].lower() in SYSTEM_DATABASES:
            return Resolution("system", None, key)
        tool = TOOL_SCHEMAS.get(key[1].lower())
        if tool is not None:
            return Resolution("tool", None, key, tool=tool)
        if key[:2] in self._model_schemas and key[:2] not in self._source_schemas:
            return Resolution("unknown", None, key)
        return Resolution("raw", None, key)

    def _resolve_prefixed(self, prefix: str, rest: str) -> Resolution:
        if prefix == "ref":
            entry = self._models.get(rest.strip("'\"` ").lower())
            return self._node(entry) if entry else Resolution("unknown", None, ("", "", rest))
        if prefix == "source":
            source, _, table = rest.partition(".")
            entry = self._sources.get((source.strip("'\"` ").lower(), table.strip("'\"` ").lower()))
            return self._node(entry) if entry else Resolution("unknown", None, ("", source, table))
        if prefix in _TOOL_PREFIXES:
            return Resolution("tool", None, (prefix, "", rest), tool=prefix)
        return Resolution("unknown", None, ("", prefix, rest))
