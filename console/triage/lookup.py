"""Find a node by what a person types: a unique_id, a name, or a source's ``source.table``.

An unknown name is an :class:`~console.errors.InputError` naming the closest matches (rapidfuzz),
so ``console triage --node stg_inventori`` answers "did you mean stg_inventory?".
"""

from __future__ import annotations

from console.errors import InputError
from console.triage.model import NodeRef

#: When a name is shared (a model and its versioned twin, a test named like a model), this order wins.
_PREFERENCE = ("model", "source", "seed", "snapshot", "exposure", "test", "unit_test")


def find_node(refs: dict[str, NodeRef], text: str) -> str:
    """The unique_id ``text`` names.

    Raises:
        InputError: no node has that id or name (the message names close matches), or the
            name is shared by nodes of one kind (the message lists their ids).

    Example:
        >>> refs = {"model.p.orders": NodeRef("model.p.orders", "orders", "model"),
        ...         "source.p.raw.orders": NodeRef("source.p.raw.orders", "raw.orders", "source")}
        >>> find_node(refs, "orders"), find_node(refs, "raw.orders")
        ('model.p.orders', 'source.p.raw.orders')
        >>> find_node(refs, "ordrs")
        Traceback (most recent call last):
        ...
        console.errors.InputError: --node: no node named `ordrs`; did you mean: orders?
    """
    if text in refs:
        return text
    by_name = [r for r in refs.values() if r.name == text or (r.resource_type == "source" and r.name.split(".", 1)[-1] == text)]
    if not by_name:
        lowered = text.lower()
        by_name = [r for r in refs.values() if r.name.lower() == lowered]
    if len(by_name) == 1:
        return by_name[0].unique_id
    if by_name:
        best = min(_PREFERENCE.index(r.resource_type) if r.resource_type in _PREFERENCE else 99 for r in by_name)
        top = [r for r in by_name if (_PREFERENCE.index(r.resource_type) if r.resource_type in _PREFERENCE else 99) == best]
        if len(top) == 1:
            return top[0].unique_id
        raise InputError("--node", f"`{text}` names {len(top)} nodes; give one of: " + ", ".join(sorted(r.unique_id for r in top)))
    close = close_matches(refs, text)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise InputError("--node", f"no node named `{text}`{hint}")


def close_matches(refs: dict[str, NodeRef], text: str, limit: int = 3) -> list[str]:
    """The names closest to ``text`` (rapidfuzz ratio, score 70 or more), best first."""
    from rapidfuzz import fuzz, process, utils

    names = sorted({r.name for r in refs.values()})
    found = process.extract(text, names, scorer=fuzz.ratio, processor=utils.default_process, limit=limit, score_cutoff=70)
    return [name for name, _, _ in found]
