"""What rendering a project needs, found as dbt finds it: its macros and its packages' macros,
its ``vars:`` and ``dispatch:``, and the ``target`` of its profile.

Packages are the folders of ``dbt_packages/`` (``packages-install-path`` in ``dbt_project.yml``)
that hold a ``dbt_project.yml``; each contributes the macros of its ``macro-paths`` under its
own name. The ``target`` comes from the project's profile (``profiles.yml`` where dbt looks for
it, the target dbt would choose); only ``name``, ``type``, ``schema``, ``database``,
``threads`` and ``profile_name`` reach templates, never a secret. Without a profile the target
is ``{name: dev, type: <the adapter the caller knows, else duckdb>, schema: main}``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from collectors.dbt_project.project_yml import Project, iter_files, read_project_file
from collectors.dbt_project.render import MacroFile, Renderer
from collectors.dbt_project.safe_yaml import safe_load_yaml
from collectors.dbt_project.scan import FileCache
from console.errors import InputError

_TARGET_KEYS = ("type", "schema", "database", "threads")


def _macro_files(project: Project, package: str, cache: FileCache) -> list[MacroFile]:
    out = []
    for folder in project.folders("macro"):
        for path in iter_files(folder, (".sql",)):
            text, digest = cache.text(path)
            out.append(MacroFile(package, path, text, digest[:16]))
    return out


def _packages(project: Project) -> list[Project]:
    folder = project.dir / project.packages_dir
    if not folder.is_dir():
        return []
    found = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and (child / "dbt_project.yml").is_file():
            try:
                found.append(read_project_file(child))
            except InputError:
                continue  # a broken package: dbt would refuse it; its macros are simply absent
    return found


def _target(project: Project, doc: Mapping[str, Any], adapter: str | None, env: Mapping[str, str]) -> dict[str, Any]:
    default = {"name": "dev", "type": adapter or "duckdb", "schema": "main", "threads": 1, "profile_name": doc.get("profile")}
    profile = doc.get("profile")
    if not isinstance(profile, str):
        return default
    try:
        from collectors.warehouse.profiles import profiles_path, render_values

        path = profiles_path(project.dir, None, env)
        if path is None:
            return default
        data = safe_load_yaml(path)
        entry = data.get(profile) if isinstance(data, Mapping) else None
        outputs = entry.get("outputs") if isinstance(entry, Mapping) else None
        if not isinstance(outputs, Mapping):
            return default
        name = str(env.get("DBT_TARGET") or render_values(entry.get("target", "default"), env, where=path, what="target"))
        output = outputs.get(name)
        if not isinstance(output, Mapping):
            return default
        values = render_values({k: output[k] for k in _TARGET_KEYS if k in output}, env, where=path, what="target")
    except (InputError, ImportError):
        return default
    if "database" not in values and values.get("type") == "duckdb" and output.get("path"):
        values["database"] = Path(str(output["path"])).stem  # dbt-duckdb names the database after the file
    return {**default, **values, "name": name, "profile_name": profile}


def renderer_for(project: Project, cache: FileCache, *, adapter: str | None = None,
                 cli_vars: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Renderer:
    """A :class:`Renderer` for the models of ``project`` (its macros, packages, vars, target)."""
    env = os.environ if env is None else env
    doc = safe_load_yaml(project.file)
    doc = doc if isinstance(doc, Mapping) else {}
    files = _macro_files(project, project.name, cache)
    for package in _packages(project):
        files.extend(_macro_files(package, package.name, cache))
    project_vars = doc.get("vars") if isinstance(doc.get("vars"), Mapping) else {}
    dispatch = doc.get("dispatch") if isinstance(doc.get("dispatch"), list) else []
    return Renderer(
        project.name, files, project_vars=project_vars, cli_vars=cli_vars, target=_target(project, doc, adapter, env),
        dispatch=dispatch, env=env,
    )


def macros_digest(renderer: Renderer) -> str:
    """One digest of every macro file a renderer knows (for summaries and tests)."""
    h = hashlib.sha256()
    for f in sorted(renderer.files, key=lambda f: (f.package, str(f.path))):
        h.update(f"{f.package}\0{f.path}\0{f.digest}\n".encode())
    return h.hexdigest()[:16]
