"""Owners as one string, the same way whether they come from a manifest or from yml files."""

from __future__ import annotations

from collections.abc import Mapping


def owner_text(value: object) -> str | None:
    """An owner as one string: a name, else an email; a list joined by commas.

    Example:
        >>> owner_text({"name": None, "email": "a@x.io"}), owner_text(["ana", "bo"]), owner_text(7)
        ('a@x.io', 'ana, bo', '7')
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return owner_text(value.get("name")) or owner_text(value.get("email"))
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in map(owner_text, value) if t) or None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
