"""Which exposures are production, and how their upstream nodes reach them.

An exposure is production when its type is in ``production.exposure_types`` (default:
application, ml), its name is in ``production.exposures``, its maturity is in
``production.maturity``, or its ``meta.production`` (or ``config.meta.production``) is true.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import polars as pl

from console.graph import Graph
from rules._text import meta_value
from rules.context import Context

_DEFAULT_TYPES = ("application", "ml")


@dataclass(frozen=True)
class ProductionExposure:
    """A production exposure: its unique_id, name, type, and why it counts as production.

    ``reason`` is empty when the type says it (an application); :attr:`described` is how
    messages name it: ``retailer_app`` (application), or ``weekly`` (dashboard; listed in
    production.exposures).
    """

    unique_id: str
    name: str
    type: str
    reason: str

    @property
    def described(self) -> str:
        why = f"{self.type}; {self.reason}" if self.reason else self.type
        return f"`{self.name}` ({why})"


def production_exposures(ctx: Context) -> list[ProductionExposure]:
    """The project's production exposures, in name order."""
    settings = ctx.settings
    types = set(settings.get("production_exposure_types", _DEFAULT_TYPES))
    names = set(settings.get("production_exposures", ()))
    maturities = set(settings.get("production_maturity", ()))
    nodes = ctx.frames["nodes"].filter(pl.col("resource_type") == "exposure")
    out = []
    for row in nodes.select("unique_id", "name", "exposure_type", "maturity", "meta", "config").iter_rows(named=True):
        flag = meta_value(row["meta"], row["config"], "production")
        if row["exposure_type"] in types:
            reason = ""
        elif row["name"] in names or row["unique_id"] in names:
            reason = "listed in production.exposures"
        elif flag is True or str(flag).lower() == "true":
            reason = "meta.production is true"
        elif row["maturity"] in maturities:
            reason = f"maturity {row['maturity']} is in production.maturity"
        else:
            continue
        out.append(ProductionExposure(row["unique_id"], row["name"], row["exposure_type"] or "exposure", reason))
    return sorted(out, key=lambda e: e.name)


def upstream_tree(graph: Graph, start: str) -> dict[str, str]:
    """Every ancestor of ``start`` -> the child it was reached through on a shortest path.

    One breadth-first walk; :func:`path_down` then reads any ancestor's path in its length.
    """
    via: dict[str, str] = {}
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for parent in graph.parents.get(node, ()):
            if parent not in seen:
                seen.add(parent)
                via[parent] = node
                queue.append(parent)
    return via


def path_down(via: dict[str, str], node: str) -> list[str]:
    """The downstream path from ``node`` to the walk's start (both included)."""
    path = [node]
    while path[-1] in via:
        path.append(via[path[-1]])
    return path


_TREE_CACHE = "_rules_exposure_trees"


def production_trees(ctx: Context) -> list[tuple[ProductionExposure, dict[str, str]]]:
    """Each production exposure with its :func:`upstream_tree`, computed once per context."""
    cached = ctx.__dict__.get(_TREE_CACHE)
    if cached is None:
        cached = [(e, upstream_tree(ctx.graph, e.unique_id)) for e in production_exposures(ctx)]
        ctx.__dict__[_TREE_CACHE] = cached
    return cached
