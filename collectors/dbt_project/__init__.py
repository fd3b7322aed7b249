"""A dbt project's own files -> store frames: the DAG without any artifacts.

:func:`read_project` reads ``dbt_project.yml`` (or every ``dbt_project.yml`` below the folder,
as subprojects), the model, seed, snapshot, analysis and test files, and the property files,
and returns the frames of the project snapshot (``project``, ``nodes``, ``edges``,
``node_columns``, ``tests``) with ``origin = 'project'``. No SQL is parsed: ``ref()``/``source()``/``config()``
calls are read by :func:`collectors.dbt_project.jinja_refs.extract_calls`, and models whose
Jinja only rendering resolves are rendered (:mod:`collectors.dbt_project.render`), through the
render cache (:mod:`collectors.dbt_project.render_cache`) and on every core.

What differs from a manifest, by design:

* ``path`` is relative to the folder read (with subprojects, it starts with the subproject's
  folder); ``patch_path`` is ``<project>://<path of the property file>``;
* ``database``, ``schema`` (of models) and ``relation_name`` need the profile and stay NULL;
  a custom ``schema``/``database`` config is in ``config``;
* generic tests' ids need not match dbt's (see :mod:`collectors.dbt_project.generic_tests`);
* refs that resolve nowhere (installed packages are not read) add no edge; disabled nodes
  and saved queries are left out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from collectors.layers import DEFAULT_LAYERS, LayerRule, classify_layers

if TYPE_CHECKING:
    from collectors.dbt_project.graph import Graph
    from collectors.dbt_project.jinja_refs import JinjaCalls, extract_calls, extract_python_calls
    from collectors.dbt_project.render_cache import RenderCache
    from collectors.dbt_project.safe_yaml import safe_load_yaml
    from collectors.dbt_project.scan import find_project_files

__all__ = [
    "JinjaCalls",
    "extract_calls",
    "extract_python_calls",
    "find_project_files",
    "read_project",
    "safe_load_yaml",
]

# The package imports its modules when they are used, not when it is imported: importing any
# submodule runs this file first, and a cold collect from a manifest needs only
# ``safe_yaml`` (the profile lookup), never Jinja, the render pool or the file readers (about
# 0.1 s of imports, measured with ``python -X importtime``).
_LAZY = {
    "JinjaCalls": "collectors.dbt_project.jinja_refs",
    "extract_calls": "collectors.dbt_project.jinja_refs",
    "extract_python_calls": "collectors.dbt_project.jinja_refs",
    "find_project_files": "collectors.dbt_project.scan",
    "safe_load_yaml": "collectors.dbt_project.safe_yaml",
}


def __getattr__(name: str):
    """The re-exported names of :data:`__all__`, imported on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


_COLUMN_NAMES = ("unique_id", "name", "description", "data_type", "tags", "meta", "constraints", "position")


def render_note(graph: Graph) -> str:
    """One summary line: models rendered with Jinja, and the first failures with their reasons."""
    done = f"Jinja: {graph.rendered} model{'s' if graph.rendered != 1 else ''} rendered"
    if not graph.render_failures:
        return done
    first = "; ".join(f"{path}: {reason}" for path, reason in graph.render_failures[:3])
    more = f" and {len(graph.render_failures) - 3} more" if len(graph.render_failures) > 3 else ""
    return f"{done}, {len(graph.render_failures)} kept their static refs (rendering failed: {first}{more})"


def read_project(
    root: Path, layer_rules: Sequence[LayerRule] = DEFAULT_LAYERS, notes: list[str] | None = None,
    *, render: bool = True, adapter: str | None = None, render_cache: RenderCache | None = None,
    preloaded: dict[str, bytes] | None = None, keep: dict | None = None,
) -> dict[str, pl.DataFrame]:
    """Read the dbt project at ``root`` (or every subproject below it) into store frames.

    Args:
        root: a dbt project folder, or a folder with dbt projects below it.
        layer_rules: how models are put in layers (the ``layer`` column).
        notes: receives a line for each kind of entry the walk skipped (FIFOs, devices,
            undecodable names; see :func:`console.files.walk_files`), and one for the models
            rendered with Jinja (:mod:`collectors.dbt_project.render`) and those that failed.
        render: render the Jinja of models the static reading cannot resolve (default).
        adapter: the adapter ``target.type`` stands for when the project has no profile.
        render_cache: earlier renders (:mod:`collectors.dbt_project.render_cache`); it receives
            this collect's new entries (:meth:`RenderCache.frame`). Without one, only the
            in-process memo is used.
        preloaded: absolute path -> bytes of files already read (by the stat snapshot,
            :mod:`collectors.dbt_project.file_snapshot`), used instead of reading them again.
        keep: receives ``graph`` (the :class:`Graph` built) and ``projects``, for patching
            later (:mod:`collectors.dbt_project.incremental`).

    Returns:
        Frames keyed ``project`` (one row: ``name``, ``root``, ``origin = 'project'``; with
        several subprojects the name is the folder's), ``nodes``, ``edges``, ``node_columns``,
        ``tests``.

    Raises:
        InputError: no dbt_project.yml here or below, or a file that cannot be read
            (unreadable, not UTF-8, invalid YAML with its line, a Jinja tag never closed,
            an unexpected shape), naming the file and the problem.
    """
    from collectors.dbt_project.file_nodes import add_file_nodes
    from collectors.dbt_project.frames import frame_from_dicts, frame_from_tuples
    from collectors.dbt_project.graph import Graph
    from collectors.dbt_project.project_yml import read_projects
    from collectors.dbt_project.render_cache import RenderCache
    from collectors.dbt_project.render_setup import renderer_for
    from collectors.dbt_project.safe_yaml import gc_paused
    from collectors.dbt_project.scan import FileCache, scan_project
    from collectors.dbt_project.schema_yml import read_properties
    from collectors.dbt_project.yml_nodes import add_yml_nodes

    root = Path(os.path.abspath(root))
    with gc_paused():
        projects = read_projects(root)
        graph = Graph(root)
        cache = FileCache(preloaded)
        graph.render_cache = render_cache if render_cache is not None else RenderCache()
        for project in projects:
            graph.renderer = renderer_for(project, cache, adapter=adapter) if render else None
            graph.renderers[project.name] = graph.renderer
            files = scan_project(project, notes)
            props = read_properties(files.properties, cache)
            add_file_nodes(graph, project, files, props, cache)
            add_yml_nodes(graph, project, props)
        if notes is not None and (graph.rendered or graph.render_failures):
            notes.append(render_note(graph))
        edges = graph.edges()
        graph.apply_owners()
        nodes = frame_from_dicts("nodes", list(graph.nodes.values()))
        frames = {
            "project": frame_from_dicts(
                "project",
                [
                    {
                        "name": projects[0].name if len(projects) == 1 else root.name,
                        "root": str(root),
                        "origin": "project",
                    }
                ],
            ),
            "nodes": nodes.with_columns(classify_layers(nodes, layer_rules).alias("layer")),
            "edges": frame_from_tuples("edges", ("parent_id", "child_id"), edges),
            "node_columns": frame_from_tuples("node_columns", _COLUMN_NAMES, graph.columns),
            "tests": frame_from_dicts("tests", graph.tests),
        }
    if keep is not None:
        keep["graph"], keep["projects"] = graph, projects
    return frames
