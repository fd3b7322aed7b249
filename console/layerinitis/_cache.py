"""Results computed once per :class:`rules.context.Context` and kept on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_SLOT = "_layerinitis_cache"


def cached(ctx: Any, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` the first time ``name`` is asked of ``ctx``; the same object afterwards.

    Example:
        >>> class Ctx: pass
        >>> ctx = Ctx()
        >>> cached(ctx, "x", lambda: [1]) is cached(ctx, "x", lambda: [2])
        True
    """
    store = ctx.__dict__.setdefault(_SLOT, {})
    if name not in store:
        store[name] = compute()
    return store[name]


def frame(ctx: Any, name: str):
    """A frame of the context, or None when the store has no such table (an older store)."""
    return ctx.frames.get(name)
