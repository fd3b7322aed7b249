"""The commands to run once the cause is fixed, exact and ready to paste.

dbt's selector syntax: a model, seed, snapshot or test by name; ``source:<source>.<table>``;
``exposure:<name>``; a trailing ``+`` adds everything downstream, a leading one everything
upstream. Names are shell-quoted (a project may name a model anything dbt accepts).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from console.triage.model import Cause, Command, NodeRef


def selector(node: NodeRef) -> str:
    """The dbt selector of one node.

    Example:
        >>> selector(NodeRef("source.p.feed.inventory", "feed.inventory", "source"))
        'source:feed.inventory'
        >>> selector(NodeRef("model.p.stg_x", "stg_x", "model")), selector(NodeRef("exposure.p.app", "app", "exposure"))
        ('stg_x', 'exposure:app')
    """
    if node.resource_type == "source":
        return f"source:{node.name}"
    if node.resource_type == "exposure":
        return f"exposure:{node.name}"
    return node.name


def _q(text: str) -> str:
    return shlex.quote(text)


def rerun_commands(node: NodeRef | None, roots: Sequence[Cause], downstream: int = 0) -> tuple[Command, ...]:
    """Commands for a node (or a group of failures, ``node`` None) and its root causes.

    Example:
        >>> from console.triage.model import Signal
        >>> stale = Signal("freshness", "error", "source.p.feed.inventory", "stale")
        >>> src = Cause(NodeRef("source.p.feed.inventory", "feed.inventory", "source"), "error", (stale,), 2, ())
        >>> for c in rerun_commands(NodeRef("model.p.exp", "exp", "model"), [src], 5):
        ...     print(c.command)
        dbt source freshness -s source:feed.inventory
        dbt build -s source:feed.inventory+
        dbt build -s exp+
    """
    out: list[Command] = []
    for cause in roots:
        if cause.node.resource_type == "source" and any(s.kind == "freshness" for s in cause.signals):
            out.append(Command(f"dbt source freshness -s {_q(selector(cause.node))}",
                               f"check `{cause.node.name}` again once its loader is fixed"))
    roots_sel = [selector(c.node) + "+" for c in roots if c.node.resource_type != "exposure"]
    if roots_sel:
        what = "the root cause" if len(roots_sel) == 1 else "the root causes"
        out.append(Command("dbt build -s " + " ".join(_q(s) for s in roots_sel),
                           f"rebuild {what} and everything downstream of {'it' if len(roots_sel) == 1 else 'them'}"))
    if node is not None and not (roots and roots[0].node.unique_id == node.unique_id and len(roots) == 1):
        if node.resource_type in ("test", "unit_test"):
            out.append(Command(f"dbt test -s {_q(node.name)}", f"run the test `{node.name}` alone"))
        elif node.resource_type == "exposure":
            out.append(Command(f"dbt build -s {_q('+' + selector(node))}", f"rebuild everything `{node.name}` rests on"))
        elif node.resource_type != "source":
            tail = f" ({downstream} node{'s' if downstream != 1 else ''} downstream)" if downstream else ""
            out.append(Command(f"dbt build -s {_q(selector(node) + '+')}", f"rebuild `{node.name}` and its blast radius{tail}"))
    return tuple(dict.fromkeys(out))
