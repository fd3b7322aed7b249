"""The hotspot score's weights (``[hotspots]`` in configuration) and last-mile time-to-live.

See :mod:`console.layerinitis.hotspots` for the score and ``docs/layerinitis.md`` for why.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from console.layerinitis.items import Item

DEFAULT_TTL_DAYS = 90


def _ro(d: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(d)


@dataclass(frozen=True)
class HotspotWeights:
    """The weights of the hotspot score (see the module docstring)."""

    kinds: Mapping[str, float] = field(default_factory=lambda: _ro({
        "filter": 1.0, "case": 1.5, "computed": 1.0, "date_math": 1.0, "window": 1.5,
        "aggregate": 1.0, "join": 1.0, "union": 1.5,
    }))
    duplication: float = 2.0
    bypass: float = 3.0
    criticality: Mapping[str, float] = field(default_factory=lambda: _ro({
        "production": 2.0, "application": 1.5, "ml": 1.5, "dashboard": 1.25, "notebook": 1.1,
        "analysis": 1.1, "declared": 1.1, "undeclared": 1.0,
    }))
    age: float = 1.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> HotspotWeights:
        """Weights from ``settings["hotspot_weights"]`` (``[hotspots]`` in configuration: a table
        of the fields above), else defaults.

        Raises:
            ValueError: an unknown key or a value that is not a number of at least 0, named.

        Example:
            >>> HotspotWeights.from_settings({"hotspot_weights": {"bypass": 5, "kinds": {"case": 3}}}).kinds["case"]
            3.0
            >>> HotspotWeights.from_settings({"hotspot_weights": {"bypas": 5}})
            Traceback (most recent call last):
            ...
            ValueError: unknown key `hotspots.bypas` (did you mean `bypass`?)
        """
        given = (settings or {}).get("hotspot_weights") or {}
        base = cls()
        _check(given, ("kinds", "duplication", "bypass", "criticality", "age"), "hotspots")
        kinds = {**base.kinds, **_numbers(given.get("kinds") or {}, tuple(base.kinds), "hotspots.kinds")}
        crit = {**base.criticality, **_numbers(given.get("criticality") or {}, None, "hotspots.criticality")}
        scalars = _numbers({k: given[k] for k in ("duplication", "bypass", "age") if k in given}, None, "hotspots")
        return cls(
            kinds=_ro(kinds), criticality=_ro(crit),
            duplication=scalars.get("duplication", base.duplication),
            bypass=scalars.get("bypass", base.bypass), age=scalars.get("age", base.age),
        )


def _check(table: Any, valid: tuple[str, ...], where: str) -> None:
    if not isinstance(table, Mapping):
        raise ValueError(f"`{where}` must be a table")
    for key in table:
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else f" (valid keys: {', '.join(valid)})"
            raise ValueError(f"unknown key `{where}.{key}`{hint}")


def _numbers(table: Any, valid: tuple[str, ...] | None, where: str) -> dict[str, float]:
    """A table of non-negative numbers (keys checked against ``valid`` when given).

    Raises:
        ValueError: naming the key that is unknown or not a number of at least 0.
    """
    if valid is not None:
        _check(table, valid, where)
    elif not isinstance(table, Mapping):
        raise ValueError(f"`{where}` must be a table")
    out = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"`{where}.{key}` must be a number of at least 0, not {value!r}")
        out[str(key)] = float(value)
    return out


# -- time to live ------------------------------------------------------------------------------


def ttl_days(settings: Mapping[str, Any] | None, tool: str) -> int:
    """The time-to-live of a tool's items: ``lastmile_ttl_days_by_tool[tool]``, else
    ``lastmile_ttl_days``, else 90.

    Example:
        >>> ttl_days({"lastmile_ttl_days": 30, "lastmile_ttl_days_by_tool": {"notebook": 14}}, "notebook")
        14
        >>> ttl_days({}, "lookml"), ttl_days({"lastmile_ttl_days": 0}, "lookml")
        (90, 0)
    """
    settings = settings or {}
    by_tool = settings.get("lastmile_ttl_days_by_tool") or {}
    if tool in by_tool:
        return int(by_tool[tool])
    days = settings.get("lastmile_ttl_days")
    return int(DEFAULT_TTL_DAYS if days is None else days)


def age_days(ctx: Any, item: Item) -> int | None:
    """Whole days since the item last changed, or None when unknown."""
    if item.modified_at is None:
        return None
    return max(0, (ctx.now - item.modified_at).days)
