"""Helpers shared by the layerinitis rules."""

from __future__ import annotations

from collections.abc import Iterable


def listing(parts: Iterable[str], limit: int = 5, sep: str = ", ") -> str:
    """Parts of a message, at most ``limit`` of them, the rest counted.

    Example:
        >>> listing(["`a` at f:1", "`b` at f:2", "`c` at f:3"], limit=2)
        '`a` at f:1, `b` at f:2 and 1 more'
    """
    parts = list(parts)
    shown = sep.join(parts[:limit])
    return shown if len(parts) <= limit else f"{shown} and {len(parts) - limit} more"
