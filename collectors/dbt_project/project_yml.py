"""``dbt_project.yml``: finding the projects under a folder, their paths and their config trees.

A folder is read as one dbt project when it holds a ``dbt_project.yml``; otherwise every
``dbt_project.yml`` below it is a subproject (folders that are build output, installed
packages, virtual environments or hidden are skipped, and so is everything below a project
that was found: its folders belong to it).

Config trees (``models:``, ``seeds:``, ``snapshots:``, ``data_tests:``/``tests:``, ``sources:``,
``exposures:``...) are applied by fully qualified name, as dbt does: the top level of a tree
applies to every node, the key named after the project to the project's nodes, and each
nested key to a sub-folder (or, last, a node name). A key is a config when it starts with
``+`` or when its value is not a mapping or it is one of dbt's configs whose value is a
mapping (``meta``, ``docs``, ``contract``...). Deeper levels win; ``tags`` add up and ``meta``
merges.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from collectors.dbt_project.safe_yaml import safe_load_yaml
from console.errors import InputError
from console.files import walk_files

SKIPPED_DIRS = frozenset({"target", "dbt_packages", "dbt_modules", "logs", "node_modules", "venv", "__pycache__"})
"""Folder names never searched for projects (hidden folders are skipped too)."""

DICT_CONFIGS = frozenset(
    {
        "meta", "docs", "contract", "persist_docs", "grants", "quoting", "column_types", "freshness",
        "labels", "partition_by", "snapshot_meta_column_names", "event_time", "config", "hours_to_expiration",
    }
)  # fmt: skip
"""Configs whose value is a mapping: under a config tree they are configs, not folders."""

TREE_KEYS = {
    "model": ("models",),
    "seed": ("seeds",),
    "snapshot": ("snapshots",),
    "analysis": ("analyses",),
    "test": ("data_tests", "tests"),
    "source": ("sources",),
    "exposure": ("exposures",),
    "metric": ("metrics",),
    "semantic_model": ("semantic_models",),
    "unit_test": ("unit_tests",),
}
"""Resource type -> the keys of dbt_project.yml holding its config tree."""

_PATHS = {
    "model": (("model-paths", "source-paths"), ("models",)),
    "seed": (("seed-paths", "data-paths"), ("seeds",)),
    "snapshot": (("snapshot-paths",), ("snapshots",)),
    "analysis": (("analysis-paths",), ("analyses",)),
    "test": (("test-paths",), ("tests",)),
    "macro": (("macro-paths",), ("macros",)),
}


@dataclass
class Project:
    """One dbt project, as its ``dbt_project.yml`` describes it.

    Attributes:
        name: the project's name (the package of its nodes).
        dir: the folder holding ``dbt_project.yml``.
        file: the ``dbt_project.yml`` itself.
        paths: resource type (``model``, ``seed``, ``snapshot``, ``analysis``, ``test``,
            ``macro``) -> folders relative to ``dir`` (``../shared/models`` allowed).
        trees: resource type -> its config tree (``{}`` when none).
        packages_dir: where its packages are installed, relative to ``dir``
            (``packages-install-path``, default ``dbt_packages``).
    """

    name: str
    dir: Path
    file: Path
    paths: dict[str, tuple[str, ...]]
    trees: dict[str, dict] = field(default_factory=dict)
    packages_dir: str = "dbt_packages"
    _cache: dict = field(default_factory=dict, repr=False)

    def folders(self, resource_type: str) -> list[Path]:
        """The resolved, existing folders of a resource type, without repeats."""
        out: list[Path] = []
        for rel in self.paths.get(resource_type, ()):
            folder = Path(os.path.normpath(self.dir / rel))
            if folder.is_dir() and folder not in out:
                out.append(folder)
        return out

    def tree_config(self, resource_type: str, fqn: Sequence[str]) -> dict:
        """The config the project's tree gives the node with this fully qualified name.

        Example:
            >>> p = Project("shop", Path("."), Path("dbt_project.yml"), {}, {"model": {
            ...     "+materialized": "view", "shop": {"marts": {"+materialized": "table",
            ...     "+tags": ["daily"], "finance": {"tags": "pii", "+meta": {"owner": "ana"}}}}}})
            >>> p.tree_config("model", ["shop", "marts", "finance", "revenue"])
            {'materialized': 'table', 'tags': ['daily', 'pii'], 'meta': {'owner': 'ana'}}
        """
        tree = self.trees.get(resource_type)
        if not tree:
            return {}
        key = (resource_type, tuple(fqn[:-1]))
        cached = self._cache.get(key)
        if cached is None:  # folders repeat: one walk per folder, then the node's own key
            config = merge_config({}, tree)
            level: Mapping | None = tree
            for part in fqn[:-1]:
                level = level.get(part)  # type: ignore[union-attr]
                if not isinstance(level, Mapping):
                    level = None
                    break
                merge_config(config, level)
            cached = self._cache[key] = (config, level)
        config, level = cached
        own = level.get(fqn[-1]) if level is not None else None
        if isinstance(own, Mapping):
            return merge_config(_copy(config), own)
        return _copy(config)


def _copy(config: dict) -> dict:
    out = dict(config)
    if "tags" in out:
        out["tags"] = list(out["tags"])
    if "meta" in out:
        out["meta"] = dict(out["meta"])
    return out


def merge_config(into: dict, level: Mapping, tree: bool = True) -> dict:
    """Apply one level's configs onto ``into`` (tags add up, meta merges, the rest replaces).

    Args:
        into: the config so far (changed in place and returned).
        level: a mapping of config keys (``+materialized`` or ``materialized``) and, in a
            tree, sub-folder keys.
        tree: True when ``level`` is a level of a dbt_project.yml tree (mapping values that
            are not known configs are sub-folders then, and skipped).
    """
    for raw_key, value in level.items():
        if not isinstance(raw_key, str):
            continue
        plus = raw_key.startswith("+")
        key = raw_key[1:] if plus else raw_key
        if tree and not plus and isinstance(value, Mapping) and key not in DICT_CONFIGS:
            continue  # a sub-folder
        if key == "tags":
            tags = into.get("tags") or []
            into["tags"] = tags + [t for t in as_str_list(value) if t not in tags]
        elif key == "meta" and isinstance(value, Mapping):
            into["meta"] = {**(into.get("meta") or {}), **value}
        elif key in ("meta", "docs", "contract", "persist_docs", "grants", "quoting") and not isinstance(value, Mapping):
            continue  # `+meta: [1]`: dbt refuses it at parse; the console reads on without it
        else:
            into[key] = value
    return into


def as_str_list(value: object) -> list[str]:
    """A string or a list of strings as a list (other values dropped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
    return []


def find_project_dirs(root: Path) -> list[Path]:
    """The folders holding a ``dbt_project.yml``: ``root`` itself, else every project below it.

    Raises:
        InputError: ``root`` is not a folder, or there is no dbt_project.yml here or below.
    """
    if not root.is_dir():
        raise InputError(root, "is not a folder")
    if (root / "dbt_project.yml").is_file():
        return [root]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        if "dbt_project.yml" in files:
            found.append(Path(folder))
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
    if not found:
        raise InputError(root, "no dbt_project.yml found here or below")
    return sorted(found)


def read_project_file(folder: Path) -> Project:
    """Read ``folder/dbt_project.yml``.

    Raises:
        InputError: unreadable or invalid YAML, not a mapping, no ``name``, or a path setting
            that is not a list of folders.
    """
    file = folder / "dbt_project.yml"
    doc = safe_load_yaml(file)
    if not isinstance(doc, Mapping):
        raise InputError(file, "is not a YAML mapping of project settings")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(file, "has no project name (the 'name:' key)")
    paths = {}
    for resource_type, (keys, default) in _PATHS.items():
        value = next((doc[k] for k in keys if doc.get(k) is not None), default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InputError(file, f"'{keys[0]}' must be a list of folders")
        paths[resource_type] = tuple(value)
    trees = {}
    for resource_type, keys in TREE_KEYS.items():
        for key in keys:
            tree = doc.get(key)
            if tree is None:
                continue
            if not isinstance(tree, Mapping):
                raise InputError(file, f"'{key}:' must be a mapping of configs and folders")
            trees[resource_type] = _merge_trees(trees.get(resource_type), tree)
    return Project(name.strip(), folder, file, paths, trees, packages_dir=str(doc.get("packages-install-path") or "dbt_packages"))


def _merge_trees(first: Mapping | None, second: Mapping) -> dict:
    """``tests:`` and ``data_tests:`` together (the newer key wins on conflicts)."""
    if not first:
        return dict(second)
    out = dict(first)
    for key, value in second.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge_trees(out[key], value)
        else:
            out[key] = value
    return out


def read_projects(root: Path) -> list[Project]:
    """Every project at or below ``root`` (see :func:`find_project_dirs`), names unique.

    Raises:
        InputError: as :func:`find_project_dirs` and :func:`read_project_file`; two projects
            with the same name.
    """
    projects = [read_project_file(d) for d in find_project_dirs(root)]
    seen: dict[str, Project] = {}
    for project in projects:
        other = seen.setdefault(project.name, project)
        if other is not project:
            raise InputError(project.file, f"project name '{project.name}' is also the name of {other.file}")
    return projects


@functools.lru_cache(maxsize=65536)
def _folder_parts(folder: str, base: str) -> tuple[str, ...]:
    rel = os.path.relpath(folder, base)
    return () if rel == "." else tuple(rel.split(os.sep))


def folder_parts(path: Path, base: Path) -> tuple[str, ...]:
    """The folders between ``base`` and the file ``path`` (a fully qualified name's middle).

    Example:
        >>> folder_parts(Path("models/marts/finance/revenue.sql"), Path("models"))
        ('marts', 'finance')
    """
    return _folder_parts(os.path.dirname(path), str(base))


def iter_files(folder: Path, suffixes: Iterable[str], notes: list[str] | None = None) -> list[Path]:
    """Regular files under ``folder`` with one of these suffixes, sorted; hidden entries, FIFOs,
    devices and names that are not UTF-8 skipped, the walk bounded (:func:`console.files.walk_files`)."""
    suffixes = tuple(suffixes)
    return walk_files(folder, lambda name: name.endswith(suffixes) and not name.startswith("."), skip_dirs=SKIPPED_DIRS, notes=notes)