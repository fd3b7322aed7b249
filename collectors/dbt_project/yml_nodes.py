"""Nodes defined in property files: sources, exposures, groups, semantic models, metrics, unit
tests and snapshots written in YAML (dbt 1.9's ``relation:`` form).

* A source table takes ``loaded_at_field`` from the first level that sets it: the table's
  ``config:``, the table, the source's ``config:``, the source, the project's ``sources:``
  tree. ``freshness`` merges over the same levels, key by key (a table's ``warn_after``
  keeps its source's ``error_after``), as dbt does; ``freshness: null`` on a level clears
  what the levels above it set.
  ``schema`` defaults to the source's name, ``identifier`` to the table's.
* An exposure's ``depends_on`` entries (``"ref('x')"``, ``"source('a', 'b')"``) become edges;
  so do a semantic model's ``model``, a unit test's ``model``, and a YAML snapshot's
  ``relation``. A metric depends on the semantic model holding its measure and on the metrics
  it is built from (``metrics``, ``numerator``, ``denominator``).
"""

from __future__ import annotations

from collections.abc import Mapping

from collectors.dbt_project.file_nodes import depend_on_calls, read_calls
from collectors.dbt_project.generic_tests import Target, add_entry_tests
from collectors.dbt_project.graph import Graph, as_text
from collectors.dbt_project.node_fields import (
    apply_config,
    column_entries,
    column_rows,
    description,
    entry_config,
    is_enabled,
    new_node,
)
from collectors.dbt_project.project_yml import Project
from collectors.dbt_project.schema_yml import Entry, Properties, entry_list, entry_map
from collectors.owners import owner_text


def add_yml_nodes(graph: Graph, project: Project, props: Properties) -> None:
    """Add every node a project's property files define."""
    _add_groups(graph, project, props)
    _add_sources(graph, project, props)
    for entry in props.yml_snapshots:
        _add_yml_snapshot(graph, project, entry)
    _add_exposures(graph, project, props)
    _add_semantic_models(graph, project, props)
    _add_metrics(graph, project, props)
    _add_unit_tests(graph, project, props)


def _depend_on_text(graph: Graph, project: Project, entry: Entry, uid: str, text: object) -> None:
    """Edges from a ``ref(...)``/``source(...)`` written as YAML text."""
    if not isinstance(text, str):
        return
    jinja = text if "{{" in text or "{%" in text else f"{{{{ {text} }}}}"
    depend_on_calls(graph, project, uid, read_calls(entry.path, jinja))


def _first_set(key: str, *levels: object) -> object:
    for level in levels:
        if isinstance(level, Mapping) and key in level:
            return level[key]
    return None


def _merged_freshness(levels: tuple) -> dict | None:
    """Freshness merged key by key from the least specific level (last) to the most specific."""
    merged: dict | None = None
    for level in reversed(levels):
        if not isinstance(level, Mapping) or "freshness" not in level:
            continue
        value = level["freshness"]
        if value is None:
            merged = None
        elif isinstance(value, Mapping):
            merged = {**(merged or {}), **{k: v for k, v in value.items()}}
    return merged


def freshness_json(value: object) -> dict | None:
    """``{warn_after, error_after, filter}``; None when neither threshold has a count.

    Example:
        >>> freshness_json({"warn_after": {"count": 12, "period": "hour"}, "filter": None})
        {'warn_after': {'count': 12, 'period': 'hour'}, 'error_after': None, 'filter': None}
        >>> freshness_json({"warn_after": {"count": None}}) is None
        True
    """
    if not isinstance(value, Mapping):
        return None

    def threshold(level: object) -> dict | None:
        if isinstance(level, Mapping) and level.get("count") is not None:
            return {"count": level.get("count"), "period": as_text(level.get("period"))}
        return None

    warn, error = threshold(value.get("warn_after")), threshold(value.get("error_after"))
    if warn is None and error is None:
        return None
    return {"warn_after": warn, "error_after": error, "filter": as_text(value.get("filter"))}


def _add_sources(graph: Graph, project: Project, props: Properties) -> None:
    known = graph.sources.setdefault(project.name, {})
    for entry in props.sections["sources"]:
        source = entry.data
        source_name = as_text(source["name"])
        source_config = entry_map(entry, "config")
        path = graph.rel(entry.path)
        for i, table in enumerate(entry_list(entry, "tables")):
            if not isinstance(table, Mapping) or as_text(table.get("name")) is None:
                raise entry.error(f"tables[{i}] has no name")
            name = as_text(table["name"])
            sub = Entry(table, entry.path, entry.base, f"{entry.where} tables[{i}] '{name}'")
            fqn = [project.name, *entry.dirs, source_name, name]
            tree = project.tree_config("source", fqn)
            config = entry_config(entry_config(dict(tree), entry), sub)
            if not is_enabled(config):
                continue
            table_config = entry_map(sub, "config")
            levels = (table_config, table, source_config, source, tree)
            uid = f"source.{project.name}.{source_name}.{name}"
            identifier = as_text(table.get("identifier")) or name
            node = new_node(
                "source", project, name, uid, fqn, path,
                source_name=source_name, identifier=identifier, alias=identifier,
                schema=as_text(source.get("schema")) or source_name, database=as_text(source.get("database")),
                loaded_at_field=as_text(_first_set("loaded_at_field", *levels)),
                freshness=freshness_json(_merged_freshness(levels)),
                description=description(table), source_description=description(source),
            )  # fmt: skip
            graph.add(apply_config(node, config), entry.path)
            known[(source_name, name)] = uid
            columns = column_entries(sub)
            graph.columns.extend(column_rows(uid, columns))
            target = Target(uid, f"{source_name}_{name}", f"source('{source_name}', '{name}')", "source_")
            add_entry_tests(graph, project, sub, target, columns)


def _add_yml_snapshot(graph: Graph, project: Project, entry: Entry) -> None:
    name = as_text(entry.data["name"])
    fqn = [project.name, *entry.dirs, name]
    config = entry_config(project.tree_config("snapshot", fqn), entry)
    if not is_enabled(config):
        return
    uid = f"snapshot.{project.name}.{name}"
    path = graph.rel(entry.path)
    node = new_node(
        "snapshot",
        project,
        name,
        uid,
        fqn,
        path,
        description=description(entry.data),
        patch_path=f"{project.name}://{path}",
    )
    graph.add(apply_config(node, config), entry.path)
    graph.register(project.name, name, uid, entry.path)
    _depend_on_text(graph, project, entry, uid, entry.data.get("relation"))
    columns = column_entries(entry)
    graph.columns.extend(column_rows(uid, columns))
    add_entry_tests(graph, project, entry, Target(uid, name, f"ref('{name}')"), columns)


def _add_groups(graph: Graph, project: Project, props: Properties) -> None:
    for entry in props.sections["groups"]:
        name = as_text(entry.data["name"])
        owner = entry.data.get("owner")
        who = owner_text(owner)
        email = as_text(owner.get("email")) if isinstance(owner, Mapping) else None
        if email is None and who and "@" in who and " " not in who:
            email = who
        uid = f"group.{project.name}.{name}"
        node = new_node(
            "group", project, name, uid, None, graph.rel(entry.path),
            owner=who, owner_email=email, description=as_text(entry.data.get("description")),
        )  # fmt: skip
        graph.add(node, entry.path)
        graph.group_owners[(project.name, name)] = (who, email)


def _add_exposures(graph: Graph, project: Project, props: Properties) -> None:
    for entry in props.sections["exposures"]:
        data = entry.data
        name = as_text(data["name"])
        fqn = [project.name, *entry.dirs, name]
        config = entry_config(project.tree_config("exposure", fqn), entry)
        if not is_enabled(config):
            continue
        owner = data.get("owner")
        who = owner_text(owner)
        email = as_text(owner.get("email")) if isinstance(owner, Mapping) else None
        if email is None and who and "@" in who and " " not in who:
            email = who
        uid = f"exposure.{project.name}.{name}"
        node = new_node(
            "exposure", project, name, uid, fqn, graph.rel(entry.path),
            exposure_type=as_text(data.get("type")), maturity=as_text(data.get("maturity")),
            url=as_text(data.get("url")), label=as_text(data.get("label")), owner=who, owner_email=email,
            description=description(data),
        )  # fmt: skip
        graph.add(apply_config(node, config), entry.path)
        for dep in entry_list(entry, "depends_on"):
            _depend_on_text(graph, project, entry, uid, dep)


def _add_labelled(graph: Graph, project: Project, entry, resource_type: str) -> str | None:
    """Add a semantic model or metric node (name, label, description); its unique_id, or None if disabled."""
    name = as_text(entry.data["name"])
    fqn = [project.name, *entry.dirs, name]
    config = entry_config(project.tree_config(resource_type, fqn), entry)
    if not is_enabled(config):
        return None
    uid = f"{resource_type}.{project.name}.{name}"
    node = new_node(
        resource_type, project, name, uid, fqn, graph.rel(entry.path),
        label=as_text(entry.data.get("label")), description=description(entry.data),
    )  # fmt: skip
    graph.add(apply_config(node, config), entry.path)
    graph.register_named(project.name, resource_type, name, uid)
    return uid


def _add_semantic_models(graph: Graph, project: Project, props: Properties) -> None:
    for entry in props.sections["semantic_models"]:
        uid = _add_labelled(graph, project, entry, "semantic_model")
        if uid is None:
            continue
        _depend_on_text(graph, project, entry, uid, entry.data.get("model"))
        for measure in entry_list(entry, "measures"):
            measure_name = _name_of(measure)
            if measure_name is not None:
                graph.register_named(project.name, "measure", measure_name, uid)


def _name_of(value: object) -> str | None:
    """A name given as text or as a mapping with ``name``."""
    return as_text(value.get("name")) if isinstance(value, Mapping) else as_text(value)


def _add_metrics(graph: Graph, project: Project, props: Properties) -> None:
    for entry in props.sections["metrics"]:
        uid = _add_labelled(graph, project, entry, "metric")
        if uid is None:
            continue
        params = entry_map(entry, "type_params")
        measure = _name_of(params.get("measure"))
        if measure is not None:
            graph.depend(uid, project.name, ("measure", measure))
        inputs = params.get("metrics") if isinstance(params.get("metrics"), list) else []
        for value in [*inputs, params.get("numerator"), params.get("denominator")]:
            metric = _name_of(value)
            if metric is not None:
                graph.depend(uid, project.name, ("metric", metric))


def _add_unit_tests(graph: Graph, project: Project, props: Properties) -> None:
    """Unit tests; one per version of a versioned model (``versions: {include, exclude}`` pick),
    with dbt's ids: ``unit_test.<project>.<model>.<name>[_v<version>]``."""
    for entry in props.sections["unit_tests"]:
        name, model = as_text(entry.data["name"]), as_text(entry.data["model"])
        fqn = [project.name, *entry.dirs, model, name]
        config = entry_config(project.tree_config("unit_test", fqn), entry)
        if not is_enabled(config):
            continue
        named = graph.refable.get(project.name, {}).get(model)
        versions: list = [None]
        if named is not None and named.versions:
            pick = entry_map(entry, "versions")
            include = {str(v) for v in pick.get("include") or named.versions}
            exclude = {str(v) for v in pick.get("exclude") or ()}
            versions = [v for v in named.versions if v in include and v not in exclude]
        for version in versions:
            uid = f"unit_test.{project.name}.{model}.{name}" + (f"_v{version}" if version is not None else "")
            node = new_node(
                "unit_test",
                project,
                name,
                uid,
                fqn,
                graph.rel(entry.path),
                version=version,
                description=description(entry.data),
            )
            graph.add(apply_config(node, config), entry.path)
            graph.depend(uid, project.name, ("ref", None, model, version))
