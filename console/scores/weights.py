"""The weights of the health score, and how ``[scores]`` in the configuration changes them.

Defaults and the reasons for them are in docs/scores.md. A ``[scores]`` table overrides any::

    [scores]
    coverage = 0.5                        # share of the coverage half against the findings half
    findings = 0.5
    checks = { contract = 0 }             # coverage checks, key by key (0 turns one off)
    penalty = { warn = 0.5 }              # findings' penalty points by severity
    half_penalty = 6                      # penalty points at which the findings part is 0.5

Validation is strict: an unknown key is an error naming the file and the closest valid key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from console.errors import InputError
from console.ranking.weights import closest, number

#: Coverage checks and their weights (see docs/scores.md for which nodes each applies to).
CHECKS = {"tests": 3.0, "description": 2.0, "columns": 1.0, "owner": 1.0, "contract": 1.0, "freshness": 2.0}
#: Penalty points of a finding by severity.
PENALTY = {"error": 4.0, "warn": 1.0, "info": 0.25}


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of :func:`console.scores.compute.score_nodes`.

    Attributes:
        coverage, findings: how the two parts of a score mix (normalised by their sum).
        checks: weight of each coverage check.
        penalty: penalty points of a finding by severity.
        half_penalty: the penalty at which the findings part is half (``1 / (1 + p / half)``).
    """

    coverage: float = 0.4
    findings: float = 0.6
    checks: Mapping[str, float] = field(default_factory=lambda: dict(CHECKS))
    penalty: Mapping[str, float] = field(default_factory=lambda: dict(PENALTY))
    half_penalty: float = 4.0


_TABLES = {"checks": CHECKS, "penalty": PENALTY}
_SCALARS = ("coverage", "findings", "half_penalty")


def score_weights(table: Mapping[str, Any] | None, path: Path | None = None) -> ScoreWeights:
    """The weights from a ``[scores]`` table (None or empty: the defaults).

    Example:
        >>> score_weights({"checks": {"contract": 0}, "coverage": 0.5}).checks["contract"]
        0.0
    """
    weights = ScoreWeights()
    if not table:
        return weights
    changes: dict[str, Any] = {}
    for key, value in table.items():
        where = f"scores.{key}"
        if key in _TABLES:
            if not isinstance(value, Mapping):
                raise InputError(path, f"`{where}` must be a table of name = number")
            merged = dict(getattr(weights, key))
            for k, v in value.items():
                if k not in _TABLES[key]:
                    raise InputError(path, f"unknown key `{where}.{k}`{closest(k, _TABLES[key])}")
                merged[k] = number(path, f"{where}.{k}", v)
            changes[key] = merged
        elif key in _SCALARS:
            changes[key] = number(path, where, value)
        else:
            raise InputError(path, f"unknown key `{where}`{closest(key, (*_TABLES, *_SCALARS))}")
    if changes.get("half_penalty", 1.0) <= 0:
        raise InputError(path, "`scores.half_penalty` must be above 0")
    if changes.get("coverage", weights.coverage) + changes.get("findings", weights.findings) <= 0:
        raise InputError(path, "`scores.coverage` and `scores.findings` cannot both be 0")
    return replace(weights, **changes)
