"""The project's dbt profile, found and read as dbt does: the default warehouse connection.

Where ``profiles.yml`` is looked for, first match wins (dbt's order, with the project folder in
place of dbt's working directory, since the console is pointed at a project rather than run
inside it): ``--profiles-dir``, ``$DBT_PROFILES_DIR``, the project folder, ``~/.dbt``.
The profile is ``profile:`` of ``dbt_project.yml``; the target ``--target``, ``$DBT_TARGET``,
else the profile's ``target:`` (else ``default``). String values are rendered with Jinja in
a sandbox, as dbt renders them: ``env_var('NAME', 'default')`` and the filters ``as_number``,
``as_bool``, ``as_text``, ``as_native``.

A DuckDB ``path`` that is relative is taken relative to the project folder (dbt-duckdb takes
it relative to the working directory; dbt is run from the project folder, and the sample
project's profile relies on that).

Decisions:
    * No ``dbt_project.yml``, no ``profile:`` in it, no ``profiles.yml`` anywhere, or no entry
      for the profile: :func:`profile_target` returns None with the reason: the collect goes
      on without the warehouse and says so in a note.
    * A ``profiles.yml`` that is not valid YAML, a target that does not exist, an
      ``env_var()`` that is unset and has no default: :class:`~console.errors.InputError`
      (exit 2) naming the file, the profile and the target, never a value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from collectors.warehouse.target import ENGINES, WarehouseTarget
from console.errors import InputError

_UNSET = object()


class _MissingEnv(Exception):
    pass


def profiles_path(project: Path, profiles_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Path | None:
    """The ``profiles.yml`` dbt would read for ``project``, or None when there is none.

    ``profiles_dir`` (``--profiles-dir``) and ``$DBT_PROFILES_DIR`` are taken as given: a
    folder without the file is an input error, as in dbt.
    """
    env = os.environ if env is None else env
    for given, what in ((profiles_dir, "--profiles-dir"), (env.get("DBT_PROFILES_DIR"), "DBT_PROFILES_DIR")):
        if given:
            folder = Path(given).expanduser()
            if not (folder / "profiles.yml").is_file():
                raise InputError(folder, f"no profiles.yml in this folder (from {what})")
            return folder / "profiles.yml"
    for folder in (project, Path(env.get("HOME", str(Path.home()))) / ".dbt"):
        if (folder / "profiles.yml").is_file():
            return folder / "profiles.yml"
    return None


def _renderer(env: Mapping[str, str]):
    from jinja2.sandbox import SandboxedEnvironment

    def env_var(name: str, default: Any = _UNSET) -> Any:
        if name in env:
            return env[name]
        if default is _UNSET:
            raise _MissingEnv(name)
        return default

    def as_number(v: Any) -> Any:
        text = str(v).strip()
        try:
            return int(text)
        except ValueError:
            return float(text)

    jinja = SandboxedEnvironment()
    jinja.globals["env_var"] = env_var
    jinja.filters.update(
        as_number=as_number, as_bool=lambda v: str(v).strip().lower() in ("true", "1", "yes"),
        as_text=str, as_native=lambda v: v,
    )
    return jinja


def render_values(values: Any, env: Mapping[str, str], *, where: Path, what: str) -> Any:
    """Render every string holding Jinja in ``values`` (nested dicts and lists).

    Example:
        >>> render_values({"port": "{{ env_var('PGPORT', '5432') | as_number }}", "host": "db"},
        ...               {}, where=Path("profiles.yml"), what="profile p, target t")
        {'port': '5432', 'host': 'db'}
    """
    jinja = _renderer(env)

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, str) and ("{{" in v or "{%" in v):
            try:
                return jinja.from_string(v).render()
            except _MissingEnv as e:
                raise InputError(where, f"{what}: env_var('{e.args[0]}') is not set and has no default") from None
            except Exception as e:  # a Jinja syntax or sandbox error: name the problem, not the value
                raise InputError(where, f"{what}: cannot render a value: {type(e).__name__}") from None
        return v

    return walk(values)


def _project_profile(project: Path) -> str | None:
    from collectors.dbt_project.safe_yaml import safe_load_yaml

    project_yml = project / "dbt_project.yml"
    if not project_yml.is_file():
        return None
    data = safe_load_yaml(project_yml)
    name = data.get("profile") if isinstance(data, dict) else None
    return str(name) if name else None


def profile_target(
    project: Path, *, profiles_dir: Path | None = None, target: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[WarehouseTarget | None, str]:
    """The warehouse of the project's dbt profile: (target, "") or (None, why there is none).

    Raises:
        InputError: a broken ``profiles.yml``, an unknown target, an unset ``env_var()``.
    """
    from collectors.dbt_project.safe_yaml import safe_load_yaml

    env = os.environ if env is None else env
    profile = _project_profile(project)
    if profile is None:
        return None, "no dbt profile (dbt_project.yml names none)"
    path = profiles_path(project, profiles_dir, env)
    if path is None:
        return None, f"no profiles.yml for profile `{profile}` (looked in the project and ~/.dbt)"
    data = safe_load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get(profile), dict):
        return None, f"{path} has no profile `{profile}`"
    entry = data[profile]
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        raise InputError(path, f"profile `{profile}` has no outputs")
    chosen = target or env.get("DBT_TARGET") or render_values(entry.get("target", "default"), env, where=path, what=f"profile `{profile}`")
    chosen = str(chosen)
    if chosen not in outputs or not isinstance(outputs[chosen], dict):
        raise InputError(path, f"profile `{profile}` has no target `{chosen}` (targets: {', '.join(sorted(map(str, outputs)))})")
    what = f"profile `{profile}`, target `{chosen}`"
    values = render_values(outputs[chosen], env, where=path, what=what)
    return _target(values, what, project, path)


def _target(values: dict[str, Any], what: str, project: Path, source: Path) -> tuple[WarehouseTarget | None, str]:
    kind = str(values.get("type", "")).lower()
    if kind not in ENGINES:
        return None, f"{what}: adapter `{kind or '?'}` is not one the warehouse collector reads ({', '.join(ENGINES)})"
    if kind == "duckdb":
        raw = str(values.get("path") or ":memory:")
        if raw == ":memory:" or raw.startswith(("md:", "motherduck:")) or "://" in raw:
            return None, f"{what}: DuckDB path `{raw}` is not a local file"
        path = Path(raw).expanduser()
        path = path if path.is_absolute() else project / path
        return WarehouseTarget("duckdb", f"{what} (duckdb {raw})", {"path": str(path)}, source=source), ""
    if kind == "postgres":
        host, port = values.get("host", "localhost"), values.get("port", 5432)
        db = values.get("dbname") or values.get("database") or ""
        user = values.get("user", "")
        params = {
            "host": str(host), "port": int(port), "user": str(user), "dbname": str(db),
            "password": str(values.get("password") or values.get("pass") or ""),
            "sslmode": values.get("sslmode"), "schema": values.get("schema"),
        }
        shown = f"{user}@{host}:{port}/{db}"
        return WarehouseTarget("postgres", f"{what} (postgres {shown})", params, source=source), ""
    if kind == "snowflake":
        shown = f"{values.get('user', '')}@{values.get('account', '')}/{values.get('database', '')}"
        return WarehouseTarget("snowflake", f"{what} (snowflake {shown})", dict(values), source=source), ""
    shown = f"{values.get('project') or values.get('database', '')}"
    return WarehouseTarget("bigquery", f"{what} (bigquery {shown})", dict(values), source=source), ""
