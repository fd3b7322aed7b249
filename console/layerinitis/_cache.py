"""Results computed once per :class:`rules.context.Context` and kept on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_SLOT = "_layerinitis_cache"
_MISSING = object()


def cached(ctx: Any, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` the first time ``name`` is asked of ``ctx``; the same object afterwards.

    Example:
        >>> class Ctx: pass
        >>> ctx = Ctx()
        >>> cached(ctx, "x", lambda: [1]) is cached(ctx, "x", lambda: [2])
        True
    """
    slots = ctx.__dict__
    store = slots.get(_SLOT)
    if store is None:
        store = slots[_SLOT] = {}
    found = store.get(name, _MISSING)
    if found is _MISSING:
        found = store[name] = compute()
    return found


def frame(ctx: Any, name: str):
    """A frame of the context, or None when the store has no such table (an older store)."""
    return ctx.frames.get(name)
