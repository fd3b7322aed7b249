"""What rules read: the store's frames, loaded once, plus the graph and a few indexes.

A :class:`Context` is built by :meth:`Context.from_store` (one short read-only visit to the
store) or, in tests, from a real store written by a real collect. Rules never touch the store
or files; everything they may look at is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from console.graph import Graph
from console.store import read_tables

#: dbt commands whose run_results describe nodes being built or tested.
RUN_COMMANDS = ("build", "run", "test", "seed", "snapshot")

#: Tables a report loads, and the columns (None: all). Code text stays in the store.
CONTEXT_TABLES: dict[str, list[str] | None] = {
    "project": None,
    "nodes": None,
    "edges": None,
    "tests": None,
    "node_columns": None,
    "invocations": None,
    "node_results": None,
    "freshness_results": None,
    "catalog_tables": None,
    "sql_facts": None,
    # the last mile (without its SQL text: logic_facts holds what rules judge)
    "lastmile_artifacts": [
        "artifact_id", "tool", "kind", "path", "line", "name", "owner", "relations_read",
        "literal_filters", "meta", "dialect", "sql_line", "owner_source", "modified_at",
    ],
    "logic_facts": None,
    "lastmile_skips": None,
    # who read what, summed from the query logs (the raw query_log rows stay in the store)
    "query_consumers": None,
    # the warehouse as it is (collectors/warehouse): snapshot, history, freshness, NULL counts
    "catalog_columns": None,
    "warehouse_relations": None,
    "warehouse_columns": None,
    "warehouse_snapshots": None,
    "warehouse_relation_history": None,
    "warehouse_column_history": None,
    "warehouse_freshness": None,
}
_CODE_COLUMNS = ("raw_code", "compiled_code")

#: Columns that name a node: a row naming an excluded node is dropped from every frame.
_NODE_COLUMNS = ("unique_id", "parent_id", "child_id", "attached_node")


def excluded_nodes(nodes: pl.DataFrame, project_name: str | None, paths: Sequence[str], packages: Sequence[str]) -> list[str]:
    """The unique_ids that ``[project] exclude_paths`` and ``exclude_packages`` remove.

    As dbt-project-evaluator's ``exclude_paths_from_project`` and ``exclude_packages``: a path
    pattern is a regular expression searched (any case) in the file path of the project's own
    nodes; a package name (or ``all``) removes the nodes of installed packages, never the
    project's own.

    Example:
        >>> nodes = pl.DataFrame({"unique_id": ["model.shop.a", "model.shop.b", "model.utils.c"],
        ...     "package_name": ["shop", "shop", "utils"], "path": ["models/legacy/a.sql", "models/b.sql", "models/legacy/c.sql"]})
        >>> excluded_nodes(nodes, "shop", ["^models/LEGACY/"], []), excluded_nodes(nodes, "shop", [], ["all"])
        (['model.shop.a'], ['model.utils.c'])
    """
    if nodes.is_empty():
        return []
    own = pl.col("package_name").is_null() | (pl.col("package_name") == project_name) if project_name else pl.lit(True)
    mask = pl.lit(False)
    if paths:
        pattern = "(?i)(?:" + ")|(?:".join(paths) + ")"
        mask = mask | (own & pl.col("path").fill_null("").str.replace_all("\\", "/", literal=True).str.contains(pattern))
    if packages:
        theirs = ~own if project_name else pl.lit(False)
        in_list = pl.lit(True) if "all" in packages else pl.col("package_name").is_in(list(packages))
        mask = mask | (theirs & in_list)
    return nodes.filter(mask)["unique_id"].to_list()


def without_excluded(
    frames: dict[str, pl.DataFrame], settings: Mapping[str, Any]
) -> tuple[dict[str, pl.DataFrame], dict[str, list[str]]]:
    """``frames`` without every row that names an excluded node (see :func:`excluded_nodes`),
    and child -> the excluded parents it lost.

    The one place exclusions happen: every rule, and the graph, see the project without them,
    so an excluded model is neither flagged nor counted as another's parent, child or leaf.
    The lost parents are kept for the one rule that, in dbt-project-evaluator, still counts
    them (``fct_root_models`` drops only excluded children: a model reading an excluded model
    is not a root model).
    """
    nodes = frames.get("nodes")
    project = frames.get("project")
    if nodes is None or "package_name" not in nodes.columns:
        return frames, {}
    rows = project.to_dicts() if project is not None else []
    name = rows[0].get("name") if rows else None
    gone = excluded_nodes(nodes, name, list(settings.get("exclude_paths") or ()), list(settings.get("exclude_packages") or ()))
    if not gone:
        return frames, {}
    lost: dict[str, list[str]] = {}
    edges = frames.get("edges")
    if edges is not None and {"parent_id", "child_id"} <= set(edges.columns):
        cut = edges.filter(pl.col("parent_id").is_in(gone) & ~pl.col("child_id").is_in(gone))
        for parent, child in cut.select("parent_id", "child_id").iter_rows():
            lost.setdefault(child, []).append(parent)
    out = {}
    for table, frame in frames.items():
        for column in _NODE_COLUMNS:
            if column in frame.columns and frame.schema[column] == pl.String:
                frame = frame.filter(pl.col(column).is_null() | ~pl.col(column).is_in(gone))
        out[table] = frame
    return out, lost


class NodeIndex(Mapping[str, dict[str, Any]]):
    """unique_id -> the node's row as a dict, built when first asked for and then kept.

    Rules look up a few nodes each (the ones a finding names); a dict of every row of a
    50,000-node project would hold about two million Python objects (140 MB) for that. After
    :attr:`BULK_AFTER` single rows, the rest are built at once (faster than one by one).
    As with a dict built from the rows, the last row of a repeated unique_id wins.

    Example:
        >>> index = NodeIndex(pl.DataFrame({"unique_id": ["model.a", "model.b"], "name": ["a", "b"]}))
        >>> index["model.b"], "model.a" in index, index.get("model.c"), len(index)
        ({'unique_id': 'model.b', 'name': 'b'}, True, None, 2)
    """

    BULK_AFTER = 2_000

    def __init__(self, nodes: pl.DataFrame):
        self._nodes = nodes
        self._at = {uid: i for i, uid in enumerate(nodes["unique_id"].to_list())} if "unique_id" in nodes.columns else {}
        self._rows: dict[str, dict[str, Any]] = {}

    def __getitem__(self, unique_id: str) -> dict[str, Any]:
        row = self._rows.get(unique_id)
        if row is None:
            at = self._at[unique_id]
            if len(self._rows) >= self.BULK_AFTER:
                self._rows = {row["unique_id"]: row for row in self._nodes.to_dicts()} | self._rows
                return self._rows[unique_id]
            row = self._rows[unique_id] = self._nodes.row(at, named=True)
        return row

    def __contains__(self, unique_id: object) -> bool:
        return unique_id in self._at

    def __iter__(self):
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


@dataclass
class Context:
    """The project as rules see it.

    Attributes:
        frames: table name -> polars frame (see :data:`CONTEXT_TABLES`).
        now: the time rules judge ages against (UTC, naive).
        settings: project-wide settings from configuration (e.g. ``production_exposures``).
    """

    frames: dict[str, pl.DataFrame]
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        #: child -> its parents that ``[project]`` exclusions removed (see :func:`without_excluded`).
        self.excluded_parents: dict[str, list[str]] = {}
        if self.settings.get("exclude_paths") or self.settings.get("exclude_packages"):
            self.frames, self.excluded_parents = without_excluded(self.frames, self.settings)

    @classmethod
    def from_store(cls, store_path: Path, *, now: dt.datetime | None = None, settings: Mapping[str, Any] | None = None,
                   extra: Mapping[str, Any] | None = None) -> Context:
        """The context of the store at ``store_path``, in one read-only visit.

        ``extra``: more frames read in the same visit (name -> a reader of ``console.store``,
        see :func:`console.store.read_tables`), e.g. the report's score history; they join
        ``frames`` under their names.
        """
        from console.store import TABLES

        tables = dict(CONTEXT_TABLES)
        tables["nodes"] = [c for c in TABLES["nodes"].column_names if c not in _CODE_COLUMNS]
        frames = read_tables(store_path, tables, extra=extra)
        kw: dict[str, Any] = {"settings": settings or {}}
        if now is None:  # a project recorded at one moment is judged as of then ([project] as_of)
            now = (settings or {}).get("as_of")
        if now is not None:
            kw["now"] = now
        return cls(frames, **kw)

    # -- frames ---------------------------------------------------------------------------
    def __getattr__(self, name: str) -> pl.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
        raise AttributeError(name)

    @cached_property
    def project(self) -> dict[str, Any]:
        rows = self.frames["project"].to_dicts()
        return rows[0] if rows else {}

    @cached_property
    def graph(self) -> Graph:
        return Graph.from_frames(self.frames["nodes"], self.frames["edges"])

    @cached_property
    def node_index(self) -> NodeIndex:
        """unique_id -> the node's row as a dict (each row built when first asked for)."""
        return NodeIndex(self.frames["nodes"])

    def node(self, unique_id: str) -> dict[str, Any]:
        return self.node_index[unique_id]

    def of_type(self, *resource_types: str) -> list[str]:
        """unique_ids of the nodes of these resource types, in store order."""
        nodes = self.frames["nodes"]
        return nodes.filter(pl.col("resource_type").is_in(list(resource_types)))["unique_id"].to_list()

    @cached_property
    def tests_by_node(self) -> dict[str, list[dict[str, Any]]]:
        """attached node -> the rows of the tests that test it."""
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self.frames["tests"].to_dicts():
            if row["attached_node"]:
                out.setdefault(row["attached_node"], []).append(row)
        return out

    # -- run history ----------------------------------------------------------------------
    @cached_property
    def runs(self) -> pl.DataFrame:
        """Invocations that built or tested nodes, oldest first."""
        inv = self.frames["invocations"]
        return inv.filter(
            (pl.col("kind") == "run_results") & pl.col("command").is_in(list(RUN_COMMANDS))
        ).sort("generated_at")

    @cached_property
    def latest_run(self) -> dict[str, Any] | None:
        rows = self.runs.tail(1).to_dicts()
        return rows[0] if rows else None

    def results_of(self, invocation_id: str) -> pl.DataFrame:
        nr = self.frames["node_results"]
        return nr.filter(pl.col("invocation_id") == invocation_id)

    @cached_property
    def result_history(self) -> pl.DataFrame:
        """Every node result of a run command, with its invocation's generated_at and command, oldest first."""
        runs = self.runs.select("invocation_id", "generated_at", "command")
        return self.frames["node_results"].join(runs, on="invocation_id", how="inner").sort("generated_at")

    def history_of(self, unique_id: str) -> pl.DataFrame:
        """:attr:`result_history`'s rows of one node, oldest first: filtered from it when it
        is built, else from ``node_results`` before the join (an open app asks this per node
        and need not hold the whole history for it)."""
        if "result_history" in self.__dict__:
            return self.result_history.filter(pl.col("unique_id") == unique_id)
        runs = self.runs.select("invocation_id", "generated_at", "command")
        rows = self.frames["node_results"].filter(pl.col("unique_id") == unique_id)
        return rows.join(runs, on="invocation_id", how="inner").sort("generated_at")

    @cached_property
    def freshness_runs(self) -> pl.DataFrame:
        inv = self.frames["invocations"]
        return inv.filter(pl.col("kind") == "sources").sort("generated_at")
