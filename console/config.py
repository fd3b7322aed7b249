"""Configuration: ``console.toml``, or ``[tool.console]`` in ``pyproject.toml``, nearest first.

The search starts in the project folder and walks up; the first folder holding either file
wins (``console.toml`` before ``pyproject.toml`` in one folder; a pyproject without a
``[tool.console]`` table is passed over). Validation is strict: an unknown key is an error
naming the file and the closest valid key. Command-line options override the file.

Example ``console.toml``::

    [paths]
    artifacts = "target"                 # dbt artifacts of the latest run
    archive = ["archive"]                # folders of earlier runs' artifacts (history CI kept)
    lastmile = ["lastmile"]              # last-mile logic: LookML, reverse-ETL, notebooks... (default: PROJECT/lastmile)
    query_logs = ["query_logs"]          # warehouse query-history exports (default: PROJECT/query_logs)
    store = ".console/store.duckdb"
    warehouse = "warehouse.duckdb"       # a DuckDB file or a postgresql:// URL (default: the dbt profile)

    [warehouse]                          # the warehouse collect (docs/warehouse.md; WAREHOUSE_DEFAULTS)
    target = "prod"                      # the dbt profile's target, like --target
    null_checks = ["analytics.exp_*"]    # opt-in NULL counts per column of these relations
    freshness_timeout = 10               # seconds for all source freshness queries together
    query_log = false                    # do not read pg_stat_statements (default true)

    [project]                            # what no rule sees (dbt-project-evaluator's exclusions)
    exclude_paths = ["models/legacy/"]   # regexes searched in the project's file paths (any case)
    exclude_packages = ["dbt_utils"]     # installed packages; "all" for every package

    [layers.staging]                     # how models are sorted into layers
    folders = ["staging"]
    prefixes = ["stg_"]

    [production]                         # which exposures count as production
    exposure_types = ["application", "ml"]
    exposures = ["retailer_app"]

    [query_logs]                         # who reads what (federation rules)
    dbt_users = ["DBT_*", "TRANSFORMER"]  # dbt itself, not a consumer (default DBT, DBT_*, *_DBT)
    ignore_users = ["SNOWFLAKE_MONITOR"]
    tools = { "BI_SVC_*" = "Tableau" }    # user, role or warehouse glob -> tool
    declared = { crm_missing_items_campaign = ["BRAZE_INGEST"] }   # exposure -> users it declares

    [lastmile]                           # last-mile logic (layerinitis rules)
    paths = ["bi/looker"]                # more last-mile folders or files (added to [paths] lastmile)
    ttl_days = 90                        # age before last-mile logic should move into dbt
    ttl_days_by_tool = { notebook = 30 } # per tool: hightouch, census, dbt_sync, lookml, metabase, python, javascript, typescript, notebook
    dialect = "snowflake"                # sqlglot dialect of last-mile SQL (default: the project's adapter)

    [rules]
    select = ["ALL"]                     # rule ids, names or categories
    ignore = ["model-naming-conventions"]
    severity = { "model-fanout" = "error" }
    options = { "model-fanout" = { max_children = 5 } }

    [[exceptions]]
    rule = "missing-primary-key-tests"
    node = "model.alcohol_marketplace.exp_retailer_app_skus"   # a unique_id or a glob
    reason = "Legacy export, replaced in Q1"
    expires = 2027-03-31

    [report]
    baseline = "console-baseline.json"   # hide the findings of this JSON report (--no-baseline: all)

    [priority]                           # weights of the findings' priority (docs/priority.md)
    production = 25
    category = { layerinitis = 12 }

    [scores]                             # weights of the health scores (docs/scores.md)
    checks = { contract = 0 }

Paths are relative to the folder of the file that sets them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.errors import InputError

_LAYER_NAMES = ("staging", "intermediate", "mart", "export")
_SEVERITIES = ("error", "warn", "info")

_SCHEMA: dict[str, Any] = {
    "project": {"exclude_paths": list, "exclude_packages": list, "as_of": dt.datetime},
    "paths": {"artifacts": str, "archive": list, "lastmile": list, "query_logs": list, "store": str, "warehouse": str},
    "layers": {name: {"folders": list, "prefixes": list} for name in _LAYER_NAMES},
    "production": {"exposure_types": list, "exposures": list, "maturity": list},
    "rules": {"select": list, "ignore": list, "severity": dict, "options": dict},
    "exceptions": list,
    "priority": dict,  # weights of the findings' priority: console/ranking/weights.py validates them
    "scores": dict,  # weights of the health scores: console/scores/weights.py validates them
    "hotspots": dict,  # weights of the layerinitis hotspot score: console/layerinitis/hotspots.py validates them
    "report": {"baseline": str},
    "query_logs": {"dbt_users": list, "ignore_users": list, "tools": dict, "declared": dict},
    "lastmile": {"paths": list, "ttl_days": float, "ttl_days_by_tool": dict, "dialect": str},
    "warehouse": {
        "enabled": bool, "target": str, "profiles_dir": str, "schemas": list, "null_checks": list,
        "connect_timeout": float, "statement_timeout": float, "freshness_timeout": float,
        "null_check_timeout": float, "row_drop_threshold": float, "query_log": bool,
    },
}
_EXCEPTION_KEYS = {"rule": str, "node": str, "reason": str, "expires": (dt.date, str)}


@dataclass(frozen=True)
class RuleException:
    """A finding the team accepted for a while: it is hidden until ``expires``."""

    rule: str
    node: str
    reason: str
    expires: dt.date

    def matches(self, rule_id: str, rule_name: str, node: str | None) -> bool:
        return self.rule in (rule_id, rule_name) and fnmatch.fnmatchcase(node or "", self.node)


@dataclass(frozen=True)
class Config:
    """The validated configuration; every field has a default, so ``Config()`` is the empty file."""

    source: Path | None = None
    artifacts: Path | None = None
    archive: tuple[Path, ...] = ()
    lastmile: tuple[Path, ...] = ()
    query_logs: tuple[Path, ...] = ()
    store: Path | None = None
    warehouse: str | None = None
    layers: Mapping[str, Mapping[str, list[str]]] = field(default_factory=dict)
    production_exposure_types: tuple[str, ...] = ("application", "ml")
    production_exposures: tuple[str, ...] = ()
    production_maturity: tuple[str, ...] = ()
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exceptions: tuple[RuleException, ...] = ()
    #: ``[priority]`` and ``[scores]`` as written (validated where they are used).
    priority: Mapping[str, Any] = field(default_factory=dict)
    scores: Mapping[str, Any] = field(default_factory=dict)
    #: ``[hotspots]`` as written: the hotspot score's weights (docs/layerinitis.md).
    hotspots: Mapping[str, Any] = field(default_factory=dict)
    #: ``[report] baseline``: the JSON report ``console report`` hides the findings of by default.
    baseline: Path | None = None
    #: ``[warehouse]`` as written (see :data:`WAREHOUSE_DEFAULTS`; ``profiles_dir`` resolved).
    warehouse_options: Mapping[str, Any] = field(default_factory=dict)
    #: ``[query_logs]``: who is dbt, who to ignore, tools by user pattern, declared consumers.
    query_log_options: Mapping[str, Any] = field(default_factory=dict)
    #: ``[lastmile]``: days last-mile logic may live before the TTL rule flags it (default 90),
    #: per tool overrides, and the sqlglot dialect of last-mile SQL (default: the project's adapter).
    lastmile_ttl_days: float = 90
    lastmile_ttl_days_by_tool: Mapping[str, float] = field(default_factory=dict)
    lastmile_dialect: str | None = None
    #: ``[project]``: regexes of the project's file paths and installed packages no rule sees.
    exclude_paths: tuple[str, ...] = ()
    exclude_packages: tuple[str, ...] = ()
    #: ``[project] as_of``: the time rules judge ages against instead of the clock (naive UTC),
    #: for a project recorded at one moment (the sample project is a week of November 2026)
    as_of: dt.datetime | None = None

    def settings(self) -> dict[str, Any]:
        """The project-wide settings rules may read (``Context.settings``)."""
        return {
            "production_exposure_types": self.production_exposure_types,
            "production_exposures": self.production_exposures,
            "production_maturity": self.production_maturity,
            "layers": self.layers,
            "warehouse": {**WAREHOUSE_DEFAULTS, **self.warehouse_options},
            "query_logs": dict(self.query_log_options),
            "lastmile_ttl_days": self.lastmile_ttl_days,
            "lastmile_ttl_days_by_tool": dict(self.lastmile_ttl_days_by_tool),
            "hotspot_weights": dict(self.hotspots),
            "exclude_paths": self.exclude_paths,
            "exclude_packages": self.exclude_packages,
            "as_of": self.as_of,
        }


def find_config(start: Path) -> tuple[Path, dict] | None:
    """The nearest configuration at or above ``start``: (file, its console table), or None."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        console_toml = candidate / "console.toml"
        if console_toml.exists():  # a folder or a pipe named so is an error, not "no configuration"
            return console_toml, _read_toml(console_toml)
        pyproject = candidate / "pyproject.toml"
        if pyproject.exists():
            data = _read_toml(pyproject)
            table = data.get("tool", {}).get("console")
            if table is not None:
                if not isinstance(table, dict):
                    raise InputError(pyproject, "[tool.console] must be a table")
                return pyproject, table
    return None


def _read_toml(path: Path) -> dict:
    """Parse a TOML file: a regular file of at most 1 MB, UTF-8, nested at most a few levels.

    Raises:
        InputError: unreadable, a folder or a pipe, too big, not UTF-8, not TOML, too deep.
    """
    from console.files import limit_for, read_limited

    raw = read_limited(path, limit_for("config"), "configuration files")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(path, f"not UTF-8 text (line {line})") from None
    if _nesting(text) > _MAX_TOML_NESTING:
        raise InputError(path, f"nested deeper than {_MAX_TOML_NESTING} levels; a configuration never needs that")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(path, f"not valid TOML: {e}") from None
    except RecursionError:
        raise InputError(path, "nested too deeply to read") from None


_MAX_TOML_NESTING = 32


def _nesting(text: str) -> int:
    """Deepest bracket nesting of inline arrays and tables (strings are not told apart: a
    bracket in a string can only overcount, and 32 levels leave room for that).

    Example:
        >>> _nesting("a = [[1], {b = [2]}]")
        3
    """
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _closest(key: str, valid: Any) -> str:
    match = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    return f" (did you mean `{match[0]}`?)" if match else f" (valid keys: {', '.join(sorted(valid))})"


def _check(path: Path, data: Any, schema: Any, where: str) -> None:
    if isinstance(schema, dict):
        if not isinstance(data, dict):
            raise InputError(path, f"`{where}` must be a table")
        for key, value in data.items():
            full = f"{where}.{key}" if where else key
            if key not in schema:
                raise InputError(path, f"unknown key `{full}`{_closest(key, schema)}")
            _check(path, value, schema[key], full)
    elif schema is list:
        if isinstance(data, str):
            return  # a single string stands for a one-item list
        if not isinstance(data, list) or not all(isinstance(x, (str, dict)) for x in data):
            raise InputError(path, f"`{where}` must be a list of strings")
    elif schema is dict:
        if not isinstance(data, dict):
            raise InputError(path, f"`{where}` must be a table")
    elif schema is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)) or data < 0:
            raise InputError(path, f"`{where}` must be a number of at least 0")
    elif schema is bool:
        if not isinstance(data, bool):
            raise InputError(path, f"`{where}` must be true or false")
    elif schema is str:
        if not isinstance(data, str):
            raise InputError(path, f"`{where}` must be a string")
    elif schema is dt.datetime:
        if not isinstance(data, (dt.datetime, dt.date)):
            raise InputError(path, f"`{where}` must be a TOML date or date-time like 2026-11-07T09:00:00Z")


def _as_of(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """``[project] as_of`` as naive UTC (a date is its midnight).

    Example:
        >>> _as_of(dt.datetime(2026, 11, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
        datetime.datetime(2026, 11, 7, 9, 0)
        >>> _as_of(dt.date(2026, 11, 7))
        datetime.datetime(2026, 11, 7, 0, 0)
    """
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _as_list(value: Any) -> list:
    return [value] if isinstance(value, str) else list(value or [])


#: ``[warehouse]`` keys and their defaults (see collectors/warehouse_phase.py): ``enabled``
#: false skips the warehouse; ``target``/``profiles_dir`` choose the dbt profile's target
#: (like ``--target``/``--profiles-dir``); ``schemas`` limits the listing; ``null_checks``
#: are globs of ``schema.relation`` whose columns' NULLs are counted (opt-in); timeouts in
#: seconds (freshness and NULL checks: for all their queries together); ``row_drop_threshold``
#: the fraction of rows a table may lose between two warehouse collects before WHS003 flags it;
#: ``query_log`` false: the engine's own query log (PostgreSQL's ``pg_stat_statements``) is not read.
WAREHOUSE_DEFAULTS: dict[str, Any] = {
    "enabled": True, "schemas": [], "null_checks": [], "connect_timeout": 10.0, "statement_timeout": 30.0,
    "freshness_timeout": 10.0, "null_check_timeout": 10.0, "row_drop_threshold": 0.5, "query_log": True,
}


def _warehouse_options(table: dict, base: Path) -> dict[str, Any]:
    out = {k: (_as_list(v) if isinstance(v, (list, str)) and k in ("schemas", "null_checks") else v) for k, v in table.items()}
    if "profiles_dir" in out:
        out["profiles_dir"] = (base / out["profiles_dir"]).resolve()
    return out


#: Tools of ``[lastmile] ttl_days_by_tool`` (collectors/lastmile/model.py TOOLS).
_LASTMILE_TOOLS = ("hightouch", "census", "dbt_sync", "lookml", "metabase", "python", "javascript", "typescript", "notebook")


def _lastmile_ttls(path: Path, table: dict) -> dict[str, float]:
    """``[lastmile] ttl_days_by_tool``: tool -> days, each tool known and each value a number."""
    for tool, days in table.items():
        if tool not in _LASTMILE_TOOLS:
            raise InputError(path, f"unknown tool `lastmile.ttl_days_by_tool.{tool}`{_closest(tool, _LASTMILE_TOOLS)}")
        if isinstance(days, bool) or not isinstance(days, (int, float)) or days < 0:
            raise InputError(path, f"`lastmile.ttl_days_by_tool.{tool}` must be a number of days of at least 0")
    return dict(table)


def _query_log_options(path: Path, table: dict) -> dict[str, Any]:
    """``[query_logs]``: ``dbt_users``/``ignore_users`` (user globs), ``tools`` (user, role or
    warehouse glob -> tool name), ``declared`` (exposure name -> users or roles it declares)."""
    out: dict[str, Any] = {k: _as_list(table[k]) for k in ("dbt_users", "ignore_users") if k in table}
    for pattern, tool in table.get("tools", {}).items():
        if not isinstance(tool, str):
            raise InputError(path, f"`query_logs.tools.{pattern}` must be a tool name (a string)")
    for exposure, users in table.get("declared", {}).items():
        if not isinstance(users, (str, list)) or not all(isinstance(u, str) for u in _as_list(users)):
            raise InputError(path, f"`query_logs.declared.{exposure}` must be a list of user or role names")
    out["tools"] = dict(table.get("tools", {}))
    out["declared"] = {k: _as_list(v) for k, v in table.get("declared", {}).items()}
    return out


def _exclude_paths(path: Path, value: Any) -> tuple[str, ...]:
    """``[project] exclude_paths``: regular expressions, each checked to compile."""
    patterns = _as_list(value)
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise InputError(path, "`project.exclude_paths` must be a list of strings")
        try:
            re.compile(pattern)
        except re.error as e:
            raise InputError(path, f"`project.exclude_paths` holds a bad regular expression {pattern!r}: {e}") from None
    return tuple(patterns)


def _exclude_packages(path: Path, value: Any) -> tuple[str, ...]:
    """``[project] exclude_packages``: package names (``all``: every installed package)."""
    names = _as_list(value)
    if not all(isinstance(n, str) and n.strip() for n in names):
        raise InputError(path, "`project.exclude_packages` must be a list of package names")
    return tuple(names)


def load_config(project: Path, explicit: Path | None = None) -> Config:
    """Find, read and validate the configuration for ``project`` (or read ``explicit``)."""
    if explicit is not None:
        if not explicit.exists():
            raise InputError(explicit, "configuration file not found")
        data = _read_toml(explicit)
        if explicit.name == "pyproject.toml":
            data = data.get("tool", {}).get("console", {})
        found: tuple[Path, dict] | None = (explicit, data)
    else:
        found = find_config(project)
    if found is None:
        return Config()
    path, data = found
    _check(path, data, _SCHEMA, "")
    base = path.parent
    paths = data.get("paths", {})
    rules = data.get("rules", {})
    prod = data.get("production", {})

    def rel(p: str) -> Path:
        return (base / p).resolve()

    for rule, sev in rules.get("severity", {}).items():
        if sev not in _SEVERITIES:
            raise InputError(path, f"`rules.severity.{rule}` must be one of {', '.join(_SEVERITIES)}, not {sev!r}")
    for rule, opts in rules.get("options", {}).items():
        if not isinstance(opts, dict):
            raise InputError(path, f"`rules.options.{rule}` must be a table of option = value")

    exceptions = []
    for i, exc in enumerate(_as_list(data.get("exceptions"))):
        where = f"exceptions[{i}]"
        if not isinstance(exc, dict):
            raise InputError(path, f"`{where}` must be a table with rule, node, reason, expires")
        for key in exc:
            if key not in _EXCEPTION_KEYS:
                raise InputError(path, f"unknown key `{where}.{key}`{_closest(key, _EXCEPTION_KEYS)}")
        missing = [k for k in _EXCEPTION_KEYS if k not in exc]
        if missing:
            raise InputError(path, f"`{where}` needs {', '.join(missing)} (every exception has a reason and an expiry date)")
        expires = exc["expires"]
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                raise InputError(path, f"`{where}.expires` must be a date like 2027-03-31, not {expires!r}") from None
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if not str(exc["reason"]).strip():
            raise InputError(path, f"`{where}.reason` must say why the finding is accepted")
        exceptions.append(RuleException(str(exc["rule"]), str(exc["node"]), str(exc["reason"]), expires))

    return Config(
        source=path,
        artifacts=rel(paths["artifacts"]) if "artifacts" in paths else None,
        archive=tuple(rel(p) for p in _as_list(paths.get("archive"))),
        lastmile=tuple(rel(p) for p in [*_as_list(paths.get("lastmile")), *_as_list(data.get("lastmile", {}).get("paths"))]),
        query_logs=tuple(rel(p) for p in _as_list(paths.get("query_logs"))),
        store=rel(paths["store"]) if "store" in paths else None,
        warehouse=paths.get("warehouse"),
        layers={k: {kk: _as_list(vv) for kk, vv in v.items()} for k, v in data.get("layers", {}).items()},
        production_exposure_types=tuple(_as_list(prod.get("exposure_types", ["application", "ml"]))),
        production_exposures=tuple(_as_list(prod.get("exposures"))),
        production_maturity=tuple(_as_list(prod.get("maturity"))),
        select=tuple(_as_list(rules.get("select", ["ALL"]))),
        ignore=tuple(_as_list(rules.get("ignore"))),
        severity=dict(rules.get("severity", {})),
        options={k: dict(v) for k, v in rules.get("options", {}).items()},
        exceptions=tuple(exceptions),
        priority=dict(data.get("priority", {})),
        scores=dict(data.get("scores", {})),
        hotspots=dict(data.get("hotspots", {})),
        baseline=rel(data["report"]["baseline"]) if "baseline" in data.get("report", {}) else None,
        warehouse_options=_warehouse_options(data.get("warehouse", {}), base),
        query_log_options=_query_log_options(path, data.get("query_logs", {})),
        lastmile_ttl_days=data.get("lastmile", {}).get("ttl_days", 90),
        lastmile_ttl_days_by_tool=_lastmile_ttls(path, data.get("lastmile", {}).get("ttl_days_by_tool", {})),
        lastmile_dialect=data.get("lastmile", {}).get("dialect"),
        exclude_paths=_exclude_paths(path, data.get("project", {}).get("exclude_paths")),
        exclude_packages=_exclude_packages(path, data.get("project", {}).get("exclude_packages")),
        as_of=_as_of(data.get("project", {}).get("as_of")),
    )
