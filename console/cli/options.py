"""Options shared by ``collect`` and ``report`` (where things are), and how they resolve.

Precedence: command-line option > configuration file > default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from console.config import Config, load_config
from console.errors import InputError
from console.store import default_store_path


@dataclass(frozen=True)
class Locations:
    """Where a collect reads from and writes to, fully resolved."""

    project: Path
    artifacts: Path
    artifacts_explicit: bool
    archive: tuple[Path, ...]
    lastmile: tuple[Path, ...]
    query_logs: tuple[Path, ...]
    warehouse: str | None
    store: Path
    config: Config
    #: ``--profiles-dir`` / ``--target``: which dbt profile target is the warehouse (see
    #: collectors/warehouse/profiles.py; ``$DBT_PROFILES_DIR``/``$DBT_TARGET`` apply when unset).
    profiles_dir: Path | None = None
    target: str | None = None


def _remember(ctx: click.Context, param: click.Parameter, value):
    """``--profiles-dir`` and ``--target`` travel in the click context's ``meta`` (not as
    parameters), so every command taking the location options gets them without a change of
    signature; :func:`resolve_locations` picks them up."""
    if value is not None:
        ctx.meta[f"console.{param.name}"] = value
    return value


def location_options(func: Callable) -> Callable:
    """PROJECT and the --artifacts/--archive/--lastmile/--query-log/--warehouse/--profiles-dir/--target/--store/--config options."""
    decorators = [
        click.argument("project", required=False, type=click.Path(path_type=Path), default=None),
        click.option("--artifacts", type=click.Path(path_type=Path), help="Folder of dbt artifacts (default: PROJECT/target)."),
        click.option("--archive", multiple=True, type=click.Path(path_type=Path), help="Folder of earlier runs' artifacts; repeatable (default: PROJECT/archive)."),
        click.option("--lastmile", multiple=True, type=click.Path(path_type=Path), help="Folder or file of last-mile logic; repeatable."),
        click.option("--query-log", "query_logs", multiple=True, type=click.Path(path_type=Path), help="Warehouse query-history export; repeatable."),
        click.option("--warehouse", help="A DuckDB file or a database URL (default: the project's dbt profile)."),
        click.option("--profiles-dir", type=click.Path(path_type=Path), expose_value=False, callback=_remember,
                     help="Folder of the dbt profiles.yml naming the warehouse (default: $DBT_PROFILES_DIR, PROJECT, ~/.dbt)."),
        click.option("--target", expose_value=False, callback=_remember,
                     help="dbt target of the profile to read the warehouse from (default: $DBT_TARGET, the profile's target)."),
        click.option("--store", type=click.Path(path_type=Path), help="Store file (default: $CONSOLE_STORE or PROJECT/.console/store.duckdb)."),
        click.option("--config", "config_file", type=click.Path(path_type=Path), help="Configuration file (default: nearest console.toml or pyproject.toml)."),
    ]
    for deco in reversed(decorators):
        func = deco(func)
    return func


def resolve_locations(
    project: Path | None,
    artifacts: Path | None = None,
    archive: tuple[Path, ...] = (),
    lastmile: tuple[Path, ...] = (),
    query_logs: tuple[Path, ...] = (),
    warehouse: str | None = None,
    store: Path | None = None,
    config_file: Path | None = None,
    *,
    profiles_dir: Path | None = None,
    target: str | None = None,
) -> Locations:
    root = (project or Path.cwd()).resolve()
    if not root.exists():
        raise InputError(project, "project folder not found")
    if not root.is_dir():
        raise InputError(project, "not a folder (give the dbt project root, or a folder holding dbt artifacts)")
    config = load_config(root, config_file)
    default_archive = (root / "archive",) if (root / "archive").is_dir() else ()
    default_query_logs = (root / "query_logs",) if (root / "query_logs").is_dir() else ()
    default_lastmile = (root / "lastmile",) if (root / "lastmile").is_dir() else ()
    return Locations(
        project=root,
        artifacts=(artifacts.resolve() if artifacts else config.artifacts or root / "target"),
        artifacts_explicit=artifacts is not None or config.artifacts is not None,
        archive=tuple(p.resolve() for p in archive) or config.archive or default_archive,
        lastmile=tuple(p.resolve() for p in lastmile) or config.lastmile or default_lastmile,
        query_logs=tuple(p.resolve() for p in query_logs) or config.query_logs or default_query_logs,
        warehouse=warehouse or config.warehouse,
        store=(store.resolve() if store else None) or config.store or default_store_path(root),
        config=config,
        profiles_dir=(profiles_dir or _given("profiles_dir") or config.warehouse_options.get("profiles_dir")),
        target=target or _given("target") or config.warehouse_options.get("target"),
    )


def _given(name: str):
    """An option :func:`_remember` kept for the command now running, or None."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(f"console.{name}") if ctx is not None else None
