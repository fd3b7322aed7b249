"""Small helpers rules share for writing messages: node labels, durations, lists, JSON fields.

Example:
    >>> human_duration(93784)
    '1 day 2 hours'
    >>> parse_duration("90m"), parse_duration("2d"), parse_duration("24 hours")
    (5400.0, 172800.0, 86400.0)
    >>> criteria_text({"count": 24, "period": "hour"})
    '24 hours'
    >>> enumerate_names(["a", "b", "c", "d", "e"], limit=3)
    '`a`, `b`, `c` and 2 more'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import orjson

from rules.context import Context

_UNITS = {  # accepted spellings -> seconds
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "week", "weeks"), 7 * 86400),
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
_LABEL_CACHE = "_rules_label_cache"


def parse_duration(text: str | int | float) -> float:
    """Seconds in a duration like ``24h``, ``2d``, ``90m``, ``1w`` or ``36 hours`` (a bare number is hours).

    Raises:
        ValueError: not a duration.
    """
    if isinstance(text, bool):
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(text, (int, float)):
        return float(text) * 3600
    match = _DURATION.match(str(text).lower())
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"not a duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _plural(n: float, unit: str) -> str:
    n = int(n)
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def human_duration(seconds: float) -> str:
    """A duration in the two largest units that matter: ``3 days 4 hours``, ``45 minutes``, ``12 seconds``."""
    seconds = max(0.0, float(seconds))
    days, rest = divmod(int(round(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    if minutes:
        return _plural(minutes, "minute")
    if seconds >= 1:
        return _plural(secs, "second")
    return f"{seconds:.2f} seconds"


def criteria_text(criteria: Any) -> str | None:
    """dbt freshness criteria (``{"count": 24, "period": "hour"}``, as JSON text or a dict) in words."""
    data = load_json(criteria)
    if not data or data.get("count") is None or not data.get("period"):
        return None
    return _plural(data["count"], str(data["period"]))


def load_json(value: Any) -> Any:
    """A JSON column's value as Python (the store hands JSON as text); None stays None."""
    if value is None or isinstance(value, (dict, list)):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def meta_value(meta: Any, config: Any, key: str) -> Any:
    """``meta.<key>``, else ``config.meta.<key>``, of a node's JSON columns."""
    for source in (load_json(meta) or {}, (load_json(config) or {}).get("meta") or {}):
        if isinstance(source, dict) and source.get(key) is not None:
            return source[key]
    return None


def labels(ctx: Context) -> dict[str, str]:
    """unique_id -> a short label: the name, or ``source.table`` for sources (cached on the context)."""
    cached = ctx.__dict__.get(_LABEL_CACHE)
    if cached is None:
        nodes = ctx.frames["nodes"]
        cached = {}
        for uid, name, source in zip(
            nodes["unique_id"].to_list(), nodes["name"].to_list(), nodes["source_name"].to_list()
        ):
            cached[uid] = f"{source}.{name}" if source else (name or uid)
        ctx.__dict__[_LABEL_CACHE] = cached
    return cached


def label(ctx: Context, unique_id: str) -> str:
    """The short label of a node (its unique_id when the node is unknown)."""
    return labels(ctx).get(unique_id, unique_id)


def enumerate_names(names: Sequence[str], limit: int = 3, quote: str = "`") -> str:
    """``a``, ``a and b``, ``a, b and c``, or ``a, b, c and 4 more``, each name quoted."""
    quoted = [f"{quote}{n}{quote}" for n in names]
    if len(quoted) > limit:
        return ", ".join(quoted[:limit]) + f" and {len(quoted) - limit} more"
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def chain(ctx: Context, path: Sequence[str]) -> str:
    """A path of nodes as `` `a` -> `b` -> `c` ``."""
    return " -> ".join(f"`{label(ctx, n)}`" for n in path)
