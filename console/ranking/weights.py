"""The weights of the priority formula, and how ``[priority]`` in the configuration changes them.

Every weight has a default (see docs/priority.md for the formula and why each default is what
it is). A ``[priority]`` table overrides any of them::

    [priority]
    production = 30                          # points when a production exposure rests on the node
    severity = { info = 0 }                  # tables merge with the defaults, key by key
    category = { layerinitis = 14 }          # any category, including ones added later
    exposure_type = { dashboard = 0.8 }      # share of `production` an exposure type earns
    maturity = { low = 0.3 }

Validation is strict like the rest of the configuration: an unknown key is an error naming
the file and the closest valid key; a weight must be a non-negative number.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from console.errors import InputError

#: Points by severity: severity stays the first sort key, these make it the largest term.
SEVERITY_POINTS = {"error": 40.0, "warn": 20.0, "info": 5.0}
#: Points by rule category: broken things first, then what production rests on, then hygiene.
CATEGORY_POINTS = {
    "checks": 20.0, "freshness": 16.0, "hardening": 16.0, "federation": 14.0,
    "runs": 10.0, "layerinitis": 10.0, "warehouse": 8.0, "structure": 2.0,
}
#: Share of ``production`` points an exposure of this type earns (others: ``other``).
EXPOSURE_TYPE_SHARE = {"application": 1.0, "ml": 1.0, "dashboard": 0.7, "notebook": 0.5, "analysis": 0.5, "other": 0.6}
#: Multiplier by the exposure's maturity (none declared: ``unknown``).
MATURITY_SHARE = {"high": 1.0, "medium": 0.85, "low": 0.6, "unknown": 0.85}


@dataclass(frozen=True)
class PriorityWeights:
    """Weights of :func:`console.ranking.priority.priority_of` (defaults: docs/priority.md).

    Attributes:
        severity: points by severity.
        category: points by rule category; ``default_category`` for a category not listed.
        production: points when a production exposure depends on the node, times the best
            exposure's type share and maturity multiplier.
        consumers: points for declared consumers downstream (every exposure, production or
            not), on a log scale that reaches the full points at ``consumers_cap`` exposures.
        failed: points when the node (or a test of it) failed or errored in one of the last
            ``recent_runs`` runs.
        stale: points when a source was stale (warn, error) in the latest freshness check.
    """

    severity: Mapping[str, float] = field(default_factory=lambda: dict(SEVERITY_POINTS))
    category: Mapping[str, float] = field(default_factory=lambda: dict(CATEGORY_POINTS))
    default_category: float = 5.0
    production: float = 25.0
    exposure_type: Mapping[str, float] = field(default_factory=lambda: dict(EXPOSURE_TYPE_SHARE))
    maturity: Mapping[str, float] = field(default_factory=lambda: dict(MATURITY_SHARE))
    consumers: float = 10.0
    consumers_cap: float = 8.0
    failed: float = 10.0
    recent_runs: int = 3
    stale: float = 8.0

    def category_points(self, category: str) -> float:
        return self.category.get(category, self.default_category)


_TABLES = ("severity", "category", "exposure_type", "maturity")
_SCALARS = ("default_category", "production", "consumers", "consumers_cap", "failed", "recent_runs", "stale")


def closest(key: str, valid: Any) -> str:
    """`` (did you mean `x`?)`` or the list of valid keys, for error messages."""
    match = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    return f" (did you mean `{match[0]}`?)" if match else f" (valid keys: {', '.join(sorted(valid))})"


def number(path: Path | None, where: str, value: Any) -> float:
    """A non-negative number from the configuration, or an InputError naming the file."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputError(path, f"`{where}` must be a non-negative number, not {value!r}")
    return float(value)


def priority_weights(table: Mapping[str, Any] | None, path: Path | None = None) -> PriorityWeights:
    """The weights from a ``[priority]`` table (None or empty: the defaults).

    Example:
        >>> w = priority_weights({"production": 30, "severity": {"info": 0}})
        >>> w.production, w.severity["info"], w.severity["error"]
        (30.0, 0.0, 40.0)
    """
    weights = PriorityWeights()
    if not table:
        return weights
    changes: dict[str, Any] = {}
    for key, value in table.items():
        where = f"priority.{key}"
        if key in _TABLES:
            if not isinstance(value, Mapping):
                raise InputError(path, f"`{where}` must be a table of name = number")
            merged = dict(getattr(weights, key))
            merged.update({str(k): number(path, f"{where}.{k}", v) for k, v in value.items()})
            changes[key] = merged
        elif key in _SCALARS:
            changes[key] = number(path, where, value)
            if key == "recent_runs":
                changes[key] = max(1, int(value))
        else:
            raise InputError(path, f"unknown key `{where}`{closest(key, (*_TABLES, *_SCALARS))}")
    return replace(weights, **changes)
