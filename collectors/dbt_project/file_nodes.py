"""Nodes defined by files: models (SQL and Python, versioned or not), seeds, SQL snapshots,
analyses and singular tests, each with the property entry that describes it.

Fully qualified names follow dbt: ``[project, *folders, name]`` (a model version adds
``v2``; a snapshot adds its file's name before the snapshot's; analyses start with
``analysis``). A model version's code is the file ``<name>_v<v>`` unless the version says
``defined_in`` (the latest version may also be ``<name>``); a version whose file is missing
is left out. Disabled nodes
(``enabled: false`` anywhere in the config chain) are left out, with their tests, as dbt
leaves them out of its graph.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.dbt_project.generic_tests import Target, add_entry_tests
from collectors.dbt_project.graph import Graph, as_text
from collectors.dbt_project.jinja_refs import (
    JinjaCalls,
    JinjaSyntaxError,
    extract_calls,
    extract_python_calls,
)
from collectors.dbt_project.node_fields import (
    apply_config,
    column_entries,
    column_rows,
    description,
    entry_config,
    is_enabled,
    new_node,
    version_columns,
)
from collectors.dbt_project.project_yml import Project, folder_parts, merge_config
from collectors.dbt_project.render import needs_rendering
from collectors.dbt_project.render_cache import Ahead, render_key
from collectors.dbt_project.render_pool import RenderJob
from collectors.dbt_project.scan import FileCache, ProjectFiles
from collectors.dbt_project.schema_yml import Entry, Properties, entry_list
from console.errors import InputError


def read_calls(path: Path, text: str, language: str = "sql") -> JinjaCalls:
    """The calls of one code file.

    Raises:
        InputError: a Jinja tag that never closes, or a Python model that is not valid Python.
    """
    try:
        return extract_python_calls(text) if language == "python" else extract_calls(text)
    except JinjaSyntaxError as e:
        raise InputError(path, f"{e} (line {e.line})") from None
    except SyntaxError as e:
        raise InputError(path, f"not valid Python (line {e.lineno}): {e.msg}") from None


def depend_on_calls(graph: Graph, project: Project, uid: str, calls: JinjaCalls) -> None:
    """Record a node's refs (first) and sources."""
    for ref in calls.refs:
        graph.depend(uid, project.name, ("ref", *ref))
    for source in calls.sources:
        graph.depend(uid, project.name, ("source", *source))


def _patch_path(graph: Graph, project: Project, entry: Entry | None) -> str | None:
    return f"{project.name}://{graph.rel(entry.path)}" if entry is not None else None


def add_file_nodes(graph: Graph, project: Project, files: ProjectFiles, props: Properties, cache: FileCache) -> None:
    """Add every file-defined node of one project (singular tests before models, so a
    generic test whose id a singular test has is the one renamed)."""
    _add_singular_tests(graph, project, files, props, cache)
    _add_seeds(graph, project, files, props, cache)
    _add_snapshots(graph, project, files, props, cache)
    _add_analyses(graph, project, files, props, cache)
    _add_models(graph, project, files, props, cache)


def _add_models(graph: Graph, project: Project, files: ProjectFiles, props: Properties, cache: FileCache) -> None:
    patches = props.patches["model"]
    by_stem: dict[str, tuple[Path, Path]] = {}
    for path, base in files.code["model"]:
        other = by_stem.setdefault(path.stem, (path, base))
        if other[0] != path:
            raise InputError(
                path, f"a second model named '{path.stem}' in project '{project.name}' (also {graph.rel(other[0])})"
            )
    used: set[str] = set()
    models: list[_Model] = []
    ahead = graph.render_cache.ahead_of(graph.renderer) if graph.renderer is not None else None
    with ahead or contextlib.nullcontext():  # the other cores render while the models are set up
        _set_up_models(graph, project, cache, patches, by_stem, models, used, ahead)
        if ahead is not None:
            ahead.finish()
    for model in models:
        graph.model_files.setdefault(model.path, []).append(model)
        _add_model(graph, project, model)


def _set_up_models(graph: Graph, project: Project, cache: FileCache, patches: dict[str, Entry],
                   by_stem: dict[str, tuple[Path, Path]], models: list[_Model], used: set[str], ahead: Ahead | None) -> None:
    """Set up every model file (versions first), handing those to render to ``ahead``."""

    def setup(*args: Any) -> None:
        model = _model_setup(graph, project, cache, *args)
        models.append(model)
        if ahead is not None and model.job is not None:
            ahead.add(model.job)

    for name, entry in patches.items():
        versions = entry_list(entry, "versions")
        if not versions:
            continue
        parsed = []
        for i, version in enumerate(versions):
            if not isinstance(version, Mapping) or as_text(version.get("v")) is None:
                raise entry.error(f"versions[{i}] has no 'v'")
            parsed.append((as_text(version["v"]), version))
        latest = as_text(entry.data.get("latest_version")) or _max_version([v for v, _ in parsed])
        for v, version in parsed:
            stem = as_text(version.get("defined_in")) or f"{name}_v{v}"
            found = by_stem.get(stem)
            if found is None and v == latest and name in by_stem:  # the latest may be in <name>.sql
                stem, found = name, by_stem[name]
            if found is not None:
                used.add(stem)
                setup(found, name, entry, (v, version, latest))
    for stem, found in by_stem.items():
        if stem not in used:
            entry = patches.get(stem)
            setup(found, stem, None if entry and entry.data.get("versions") else entry, None)


def _rendered_calls(graph: Graph, project: Project, model: _Model) -> JinjaCalls:
    """The model's calls as rendering finds them (rendered ahead on every core, or from the
    render cache when its dependencies hold); the static reading's when rendering fails (the
    failure is counted with its reason for the collect summary)."""
    renderer, cache, job = graph.renderer, graph.render_cache, model.job
    found = cache.take(job.key)
    if found is None:
        found = cache.lookup(job.key, renderer)
    if found is None:
        found = cache.render(renderer, job.key, job.text, **job.kwargs)
    model.render_failure = found if isinstance(found, str) else None
    if isinstance(found, str):
        graph.render_failures.append((graph.rel(model.path), found))
        return model.calls
    graph.rendered += 1
    found.config = {**model.calls.config, **found.config}
    return found


def _time_spine(data: Mapping | None) -> str | None:
    """The standard granularity column of a model declared a MetricFlow time spine in its YAML.

    Example:
        >>> _time_spine({"time_spine": {"standard_granularity_column": "date_day"}}), _time_spine({})
        ('date_day', None)
    """
    spine = (data or {}).get("time_spine")
    return as_text(spine.get("standard_granularity_column")) if isinstance(spine, Mapping) else None


def _max_version(versions: list[str]) -> str:
    def key(v: str) -> tuple:
        try:
            return (1, float(v), v)
        except ValueError:
            return (0, 0.0, v)

    return max(versions, key=key)


@dataclass
class _Model:
    """A model file read, its config merged; ``job`` when its Jinja needs rendering."""

    path: Path
    name: str
    entry: Entry | None
    text: str
    checksum: str
    language: str
    calls: JinjaCalls
    fqn: list[str]
    config: dict
    v: str | None
    spec: Mapping | None
    latest: str | None
    job: RenderJob | None
    project: Project | None = None
    base: Path | None = None
    #: after :func:`model_node`: the failure's reason when its rendering failed
    render_failure: str | None = None


def _model_setup(
    graph: Graph,
    project: Project,
    cache: FileCache,
    found: tuple[Path, Path],
    name: str,
    entry: Entry | None,
    version: tuple | None,
) -> _Model:
    path, base = found
    text, checksum = cache.text(path)
    language = "python" if path.suffix == ".py" else "sql"
    calls = read_calls(path, text, language)
    fqn = [project.name, *folder_parts(path, base), name]
    v = spec = latest = None
    if version is not None:
        v, spec, latest = version
        fqn.append(f"v{v}")
    config = entry_config(project.tree_config("model", fqn), entry)
    if spec is not None:
        entry_config(config, entry, spec)
    merge_config(config, calls.config, tree=False)
    job = None
    if language == "sql" and graph.renderer is not None and needs_rendering(text):
        key = render_key(text, name=name, package=project.name, config=config, target=graph.renderer.target)
        kwargs = {"name": name, "package": project.name, "config": config, "schema": config.get("schema"),
                  "database": config.get("database")}
        job = RenderJob(key, text, kwargs)
    return _Model(path, name, entry, text, checksum, language, calls, fqn, config, v, spec, latest, job, project, base)


def model_setup(graph: Graph, model: _Model, cache: FileCache) -> _Model:
    """The setup of ``model``'s file read again (its text changed; its entry, name and
    version are those of ``model``): for patching one model (:mod:`collectors.dbt_project.incremental`)."""
    version = (model.v, model.spec, model.latest) if model.v is not None else None
    return _model_setup(graph, model.project, cache, (model.path, model.base), model.name, model.entry, version)


def model_node(graph: Graph, project: Project, model: _Model) -> tuple[str, dict | None, JinjaCalls]:
    """``(unique_id, node or None when disabled, calls)`` of a model set up by :func:`_model_setup`
    (rendered through the graph's render cache when its Jinja needs it)."""
    name, entry, text, checksum, language = model.name, model.entry, model.text, model.checksum, model.language
    fqn, config, v, spec, latest = model.fqn, model.config, model.v, model.spec, model.latest
    calls = model.calls
    if model.job is not None:
        calls = _rendered_calls(graph, project, model)
        merge_config(config, calls.config, tree=False)
    uid = f"model.{project.name}.{name}" + (f".v{v}" if v is not None else "")
    if not is_enabled(config):
        return uid, None, calls
    data = entry.data if entry is not None else None
    node = new_node(
        "model", project, name, uid, fqn, graph.rel(model.path),
        language=language, raw_code=text, checksum=checksum, version=v, latest_version=latest,
        description=description(spec, data), patch_path=_patch_path(graph, project, entry),
        deprecation_date=as_text((spec or {}).get("deprecation_date") or (data or {}).get("deprecation_date")),
        time_spine=_time_spine(data),
    )  # fmt: skip
    apply_config(node, config, default_alias=f"{name}_v{v}" if v is not None else None)
    return uid, node, calls


def _add_model(graph: Graph, project: Project, model: _Model) -> None:
    path, name, entry, v, spec, latest = model.path, model.name, model.entry, model.v, model.spec, model.latest
    uid, node, calls = model_node(graph, project, model)
    if node is None:
        return
    graph.add(node, path)
    graph.register(project.name, name, uid, path, v, latest=v is None or v == latest)
    depend_on_calls(graph, project, uid, calls)
    if entry is not None:
        columns = version_columns(entry, spec) if spec is not None else column_entries(entry)
        graph.columns.extend(column_rows(uid, columns))
        label = f"{name}_v{v}" if v is not None else name
        call = f"ref('{name}', version='{v}')" if v is not None else f"ref('{name}')"
        extra = entry_list(entry, "data_tests", "tests", within=spec) if spec is not None else []
        add_entry_tests(graph, project, entry, Target(uid, label, call), columns, extra)


def _add_seeds(graph: Graph, project: Project, files: ProjectFiles, props: Properties, cache: FileCache) -> None:
    for path, base in files.code["seed"]:
        name = path.stem
        entry = props.patches["seed"].get(name)
        fqn = [project.name, *folder_parts(path, base), name]
        config = entry_config(project.tree_config("seed", fqn), entry)
        if not is_enabled(config):
            continue
        rel = graph.rel(path)
        uid = f"seed.{project.name}.{name}"
        node = new_node(
            "seed", project, name, uid, fqn, rel, checksum=cache.seed_checksum(path, rel), raw_code="",
            description=description(entry.data if entry else None), patch_path=_patch_path(graph, project, entry),
        )  # fmt: skip
        graph.add(apply_config(node, config), path)
        graph.register(project.name, name, uid, path)
        if entry is not None:
            columns = column_entries(entry)
            graph.columns.extend(column_rows(uid, columns))
            add_entry_tests(graph, project, entry, Target(uid, name, f"ref('{name}')"), columns)


def _add_snapshots(graph: Graph, project: Project, files: ProjectFiles, props: Properties, cache: FileCache) -> None:
    for path, base in files.code["snapshot"]:
        text, checksum = cache.text(path)
        calls = read_calls(path, text)
        for name, body in calls.snapshots.items():
            entry = props.patches["snapshot"].get(name)
            fqn = [project.name, *folder_parts(path, base), path.stem, name]
            config = merge_config(entry_config(project.tree_config("snapshot", fqn), entry), calls.config, tree=False)
            if not is_enabled(config):
                continue
            uid = f"snapshot.{project.name}.{name}"
            node = new_node(
                "snapshot", project, name, uid, fqn, graph.rel(path), language="sql", raw_code=body,
                checksum=checksum, description=description(entry.data if entry else None),
                patch_path=_patch_path(graph, project, entry),
            )  # fmt: skip
            graph.add(apply_config(node, config), path)
            graph.register(project.name, name, uid, path)
            depend_on_calls(graph, project, uid, calls)
            if entry is not None:
                columns = column_entries(entry)
                graph.columns.extend(column_rows(uid, columns))
                add_entry_tests(graph, project, entry, Target(uid, name, f"ref('{name}')"), columns)


def _add_analyses(graph: Graph, project: Project, files: ProjectFiles, props: Properties, cache: FileCache) -> None:
    for path, base in files.code["analysis"]:
        text, checksum = cache.text(path)
        calls = read_calls(path, text)
        if calls.defines:
            continue
        name = path.stem
        entry = props.patches["analysis"].get(name)
        fqn = [project.name, "analysis", *folder_parts(path, base), name]
        config = merge_config(entry_config(project.tree_config("analysis", fqn), entry), calls.config, tree=False)
        if not is_enabled(config):
            continue
        uid = f"analysis.{project.name}.{name}"
        node = new_node(
            "analysis", project, name, uid, fqn, graph.rel(path), language="sql", raw_code=text,
            checksum=checksum, description=description(entry.data if entry else None),
            patch_path=_patch_path(graph, project, entry),
        )  # fmt: skip
        graph.add(apply_config(node, config), path)
        depend_on_calls(graph, project, uid, calls)
        if entry is not None:
            graph.columns.extend(column_rows(uid, column_entries(entry)))


def _add_singular_tests(
    graph: Graph, project: Project, files: ProjectFiles, props: Properties, cache: FileCache
) -> None:
    for path, base in files.code["test"]:
        text, checksum = cache.text(path)
        calls = read_calls(path, text)
        if calls.defines:  # tests/generic/*.sql: generic test definitions, not tests
            continue
        name = path.stem
        entry = props.patches["test"].get(name)
        fqn = [project.name, *folder_parts(path, base), name]
        config = merge_config(entry_config(project.tree_config("test", fqn), entry), calls.config, tree=False)
        if not is_enabled(config):
            continue
        uid = f"test.{project.name}.{name}"
        node = new_node(
            "test", project, name, uid, fqn, graph.rel(path), language="sql", raw_code=text,
            checksum=checksum, description=description(entry.data if entry else None),
            patch_path=_patch_path(graph, project, entry),
        )  # fmt: skip
        graph.add(apply_config(node, config), path)
        depend_on_calls(graph, project, uid, calls)
        graph.tests.append(
            {
                "unique_id": uid,
                "test_name": "singular",
                "attached_node": None,  # its first resolved ref, once every project is read
                "column_name": None,
                "severity": (as_text(config.get("severity")) or "error").lower(),
                "kwargs": None,
                "warn_if": as_text(config.get("warn_if")),
                "error_if": as_text(config.get("error_if")),
                "is_generic": False,
            }
        )
