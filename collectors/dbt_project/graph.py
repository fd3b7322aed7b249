"""The graph being built from a project's files: nodes, what they name, and resolving names to ids.

Nodes are plain dicts keyed by the store's column names (see
:data:`console.store.schema.TABLES`); what a node depends on is recorded as a name
(``ref``, ``source``, metric, measure) and resolved once every project is read, so refs between
subprojects and to nodes defined later resolve alike.

Resolution: ``ref('x')`` names the model, seed or snapshot ``x`` of the node's own project,
else of another subproject (the first by project name); ``ref('p', 'x')`` names it in project
``p``; ``ref('x', v=2)`` names a version (no version: the latest). A name that resolves
nowhere (a model of an installed package, a typo, a disabled node) adds no edge.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.owners import owner_text
from console.errors import InputError


def as_text(value: object) -> str | None:
    """A YAML scalar as text (numbers and dates too); None for None, lists and mappings.

    Example:
        >>> as_text(2), as_text("table"), as_text(None), as_text(["a"])
        ('2', 'table', None, None)
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, dict, tuple, set, Mapping)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)




@dataclass
class _Named:
    """What one ref-able name resolves to: its latest (or only) node and its versions."""

    latest: str | None
    path: Path
    versions: dict[str, str] = field(default_factory=dict)


@dataclass
class Graph:
    """Nodes, columns and tests of every project read so far, and their unresolved dependencies.

    Attributes:
        root: the folder read (node paths are relative to it).
    """

    root: Path
    nodes: dict[str, dict] = field(default_factory=dict)
    columns: list[tuple] = field(default_factory=list)
    tests: list[dict] = field(default_factory=list)
    deps: list[tuple[str, str, tuple]] = field(default_factory=list)
    refable: dict[str, dict[str, _Named]] = field(default_factory=dict)
    sources: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)
    named: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    group_owners: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)
    #: renders models whose refs only Jinja can resolve (:mod:`collectors.dbt_project.render`)
    renderer: Any = None
    #: the render cache of this collect (a :class:`collectors.dbt_project.render_cache.RenderCache`)
    render_cache: Any = None
    #: models rendered, and (file, reason) of those whose rendering failed
    rendered: int = 0
    render_failures: list[tuple[str, str]] = field(default_factory=list)
    #: the models set up from each model file, and each project's renderer (for patching one
    #: model later: :mod:`collectors.dbt_project.incremental`)
    model_files: dict[Path, list[Any]] = field(default_factory=dict)
    renderers: dict[str, Any] = field(default_factory=dict)
    _rel_dirs: dict[str, str] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        """``path`` relative to the root, with ``/`` separators."""
        folder, name = os.path.split(str(path))
        rel_dir = self._rel_dirs.get(folder)
        if rel_dir is None:
            rel_dir = self._rel_dirs[folder] = Path(os.path.relpath(folder, self.root)).as_posix()
        return name if rel_dir == "." else f"{rel_dir}/{name}"

    def add(self, node: dict, path: Path) -> None:
        """Add a node.

        Raises:
            InputError: another node has the same unique_id (two models of one name).
        """
        uid = node["unique_id"]
        other = self.nodes.get(uid)
        if other is not None:
            raise InputError(path, f"defines {uid}, already defined by {other['path']}")
        self.nodes[uid] = node

    def register(
        self, project: str, name: str, uid: str, path: Path, version: str | None = None, latest: bool = True
    ) -> None:
        """Make a model, seed or snapshot ref-able by name (and version).

        Raises:
            InputError: the project has another ref-able node of that name.
        """
        names = self.refable.setdefault(project, {})
        entry = names.get(name)
        if entry is None:
            entry = names[name] = _Named(None, path)
        elif version is None or not entry.versions:
            raise InputError(path, f"the name '{name}' is also used by {self.rel(entry.path)} in project '{project}'")
        if version is not None:
            entry.versions[version] = uid
        if latest or entry.latest is None:
            entry.latest = uid

    def register_named(self, project: str, resource_type: str, name: str, uid: str) -> None:
        """Make a metric, semantic model or measure findable by name within its project."""
        self.named.setdefault((project, resource_type), {})[name] = uid

    def depend(self, child: str, project: str, dep: tuple) -> None:
        """Record that ``child`` depends on ``dep``: ``("ref", package, name, version)``,
        ``("source", source, table)``, ``("uid", unique_id)``, or ``(resource_type, name)``
        for metrics, semantic models and measures."""
        self.deps.append((child, project, dep))

    def resolve_ref(self, project: str, package: str | None, name: str, version: str | None) -> str | None:
        """The unique_id a ``ref()`` names, or None (see the module docstring)."""
        if package is not None:
            entry = self.refable.get(package, {}).get(name)
        else:
            entry = self.refable.get(project, {}).get(name)
            if entry is None:
                for other in sorted(self.refable):
                    entry = self.refable[other].get(name)
                    if entry is not None:
                        break
        if entry is None:
            return None
        if version is not None and entry.versions:
            return entry.versions.get(version)
        return entry.latest

    def resolve_source(self, project: str, source: str, table: str) -> str | None:
        """The unique_id a ``source()`` names: in the node's project first, else any other."""
        uid = self.sources.get(project, {}).get((source, table))
        if uid is None:
            for other in sorted(self.sources):
                uid = self.sources[other].get((source, table))
                if uid is not None:
                    break
        return uid

    def resolve(self, project: str, dep: tuple) -> str | None:
        """The unique_id of one recorded dependency, or None."""
        kind = dep[0]
        if kind == "ref":
            return self.resolve_ref(project, dep[1], dep[2], dep[3])
        if kind == "source":
            return self.resolve_source(project, dep[1], dep[2])
        if kind == "uid":
            return dep[1] if dep[1] in self.nodes else None
        return self.named.get((project, kind), {}).get(dep[1])

    def edges(self) -> list[tuple[str, str]]:
        """Every resolved dependency as ``(parent_id, child_id)``, without repeats; singular
        tests get their ``attached_node`` (first resolved dependency) on the way."""
        firsts: dict[str, str] = {}
        out: dict[tuple[str, str], None] = {}
        for child, project, dep in self.deps:
            parent = self.resolve(project, dep)
            if parent is None or parent == child:
                continue
            out[(parent, child)] = None
            firsts.setdefault(child, parent)
        for test in self.tests:
            if test["attached_node"] is None:
                test["attached_node"] = firsts.get(test["unique_id"])
        return list(out)

    def apply_owners(self) -> None:
        """Owners: ``meta.owner`` (and ``meta.owner_email``), else the node's group's owner."""
        for node in self.nodes.values():
            self.apply_owner(node)

    def apply_owner(self, node: dict) -> None:
        """One node's owner (see :meth:`apply_owners`)."""
        if node["resource_type"] in ("exposure", "group"):
            return
        meta = node.get("meta")
        owner = email = None
        if meta:
            owner = owner_text(meta.get("owner"))
            email = as_text(meta.get("owner_email"))
        group = node.get("group_name")
        if not owner and group is not None:
            owner, group_email = self.group_owners.get((node["package_name"], group), (None, None))
            email = email or group_email
        if email is None and owner and "@" in owner and " " not in owner:
            email = owner
        node["owner"], node["owner_email"] = owner, email
