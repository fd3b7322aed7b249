"""Looker filter expressions (``filters: [status: "completed"]``, ``always_filter``) as literal filters.

Looker's filter syntax for strings and numbers: ``completed``, ``-completed`` (not),
``a,b`` (one of), ``-a,-b`` (none of), ``>50``, ``<=50``, ``NULL``/``-NULL``, ``EMPTY``,
``%abc%`` (like), ``[1,50]``/``(1,50)`` (ranges), ``1 to 50``, ``yes``/``no``.
"""

from __future__ import annotations

from typing import Any

from collectors.lastmile.model import literal_filter


def _value(text: str) -> Any:
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return t.replace("^,", ",").replace("^-", "-")


def looker_filter(column: str, expression: str) -> tuple[list[dict], str | None]:
    """Literal filters for one Looker filter expression, or a reason it is not one.

    Example:
        >>> looker_filter("status", "completed")
        ([{'column': 'status', 'op': '=', 'value': 'completed'}], None)
        >>> looker_filter("volume_ml", ">50")[0], looker_filter("m", "-a,-b")[0]
        ([{'column': 'volume_ml', 'op': '>', 'value': 50}], [{'column': 'm', 'op': 'not_in', 'value': ['a', 'b']}])
        >>> looker_filter("v", "[1,50]")[0]
        [{'column': 'v', 'op': '>=', 'value': 1}, {'column': 'v', 'op': '<=', 'value': 50}]
        >>> looker_filter("is_seasonal", "no")[0], looker_filter("x", "-NULL")[0]
        ([{'column': 'is_seasonal', 'op': '=', 'value': False}], [{'column': 'x', 'op': 'not_null', 'value': None}])
    """
    e = expression.strip()
    upper = e.upper()
    if upper in ("NULL", "EMPTY"):
        return [literal_filter(column, "is_null", None)], None
    if upper in ("-NULL", "NOT NULL", "-EMPTY"):
        return [literal_filter(column, "not_null", None)], None
    if e.lower() in ("yes", "no"):
        return [literal_filter(column, "=", e.lower() == "yes")], None
    if len(e) > 2 and e[0] in "[(" and e[-1] in "])" and "," in e:
        low, high = e[1:-1].split(",", 1)
        out = []
        if low.strip():
            out.append(literal_filter(column, ">=" if e[0] == "[" else ">", _value(low)))
        if high.strip():
            out.append(literal_filter(column, "<=" if e[-1] == "]" else "<", _value(high)))
        return out, None
    if " to " in e.lower():
        low, _, high = e.lower().partition(" to ")
        return [literal_filter(column, ">=", _value(low)), literal_filter(column, "<=", _value(high))], None
    for op in (">=", "<=", "!=", "<>", ">", "<", "="):
        if e.startswith(op):
            if "," in e or " AND " in upper or " OR " in upper:
                return [], f"compound filter `{e}` on `{column}`"
            return [literal_filter(column, "!=" if op == "<>" else op, _value(e[len(op):]))], None
    parts = [p.strip() for p in e.split(",") if p.strip()] if "," in e and "^," not in e else [e]
    negated = [p.startswith("-") for p in parts]
    if any(negated) and not all(negated):
        return [], f"mixed filter `{e}` on `{column}`"
    values = [p[1:] if p.startswith("-") else p for p in parts]
    if any("%" in v for v in values):
        if len(values) == 1 and not negated[0]:
            return [literal_filter(column, "like", values[0])], None
        return [], f"pattern filter `{e}` on `{column}`"
    if len(values) > 1:
        return [literal_filter(column, "not_in" if negated[0] else "in", [_value(v) for v in values])], None
    return [literal_filter(column, "!=" if negated[0] else "=", _value(values[0]))], None
