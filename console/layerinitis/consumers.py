"""Who a last-mile item is: the declared exposure it implements, and how critical it is.

An item **is** an exposure when the exposure depends on a node the item reads and one of:

* the exposure names the item's tool: in its url (``app.hightouch.com``), name, label or
  ``meta`` (``meta.tool: metabase``); Looker's ``looker`` stands for LookML;
* the item is application code (Python, JavaScript, TypeScript) and the exposure is an
  ``application``;
* the item is a notebook and the exposure is an ``analysis``, ``notebook`` or ``ml`` exposure.

Criticality then comes from the exposure (see ``docs/layerinitis.md``): ``production`` (a
production exposure per :mod:`rules._production`), else its type (``application``, ``ml``,
``dashboard``, ``notebook``, ``analysis``), else ``undeclared`` (no exposure says it exists).

A node's **consumers** are the exposures that depend on it plus the items reading it that are
no exposure (each file of a tool is one consumer); an export made for one use should have one.

Example:
    >>> tools_named({"url": "https://app.hightouch.com/x/syncs/1", "name": "pitch_sync"})
    {'hightouch'}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from console.layerinitis._cache import cached
from console.layerinitis.items import Item, items
from console.layerinitis.resolve import reads_of
from rules._production import production_exposures
from rules._text import load_json

#: a word seen in an exposure's url, name, label or meta -> the last-mile tool it means.
TOOL_WORDS: dict[str, str] = {
    "hightouch": "hightouch", "census": "census", "getcensus": "census", "looker": "lookml",
    "lookml": "lookml", "metabase": "metabase", "tableau": "tableau", "jupyter": "notebook",
    "notebook": "notebook", "hex": "notebook",
}
_CODE_TOOLS = frozenset({"python", "javascript", "typescript"})
_NOTEBOOK_TYPES = frozenset({"analysis", "notebook", "ml"})


@dataclass(frozen=True)
class Consumer:
    """A declared exposure an item implements.

    Attributes:
        unique_id: the exposure's unique_id.
        name: its name.
        type: its type (application, dashboard, ml, notebook, analysis).
        production: whether it counts as production.
        matched_by: why the item is this exposure (``url names hightouch``, ``application code``).
    """

    unique_id: str
    name: str
    type: str
    production: bool
    matched_by: str

    @property
    def criticality(self) -> str:
        """``production`` or the exposure's type."""
        return "production" if self.production else (self.type or "declared")

    @property
    def described(self) -> str:
        """``retailer_app` (production application)``-style text for messages."""
        kind = f"production {self.type}" if self.production else self.type
        return f"`{self.name}` ({kind})"


def tools_named(row: Mapping[str, Any]) -> set[str]:
    """The last-mile tools an exposure's url, name, label or meta names."""
    meta = load_json(row.get("meta")) or {}
    text = " ".join(str(row.get(k) or "") for k in ("url", "name", "label")).lower()
    text += " " + str(meta).lower() if meta else ""
    return {tool for word, tool in TOOL_WORDS.items() if word in text}


def _exposures(ctx: Any) -> list[dict[str, Any]]:
    def build() -> list[dict[str, Any]]:
        nodes = ctx.frames["nodes"].filter(pl.col("resource_type") == "exposure")
        production = {e.unique_id for e in production_exposures(ctx)}
        parents: dict[str, set[str]] = {}
        edges = ctx.frames["edges"]
        if not edges.is_empty():
            ids = set(nodes["unique_id"].to_list())
            for parent, child in zip(edges["parent_id"].to_list(), edges["child_id"].to_list()):
                if child in ids:
                    parents.setdefault(child, set()).add(parent)
        out = []
        for row in nodes.iter_rows(named=True):
            out.append({
                "unique_id": row["unique_id"], "name": row.get("name") or row["unique_id"],
                "type": row.get("exposure_type") or "", "production": row["unique_id"] in production,
                "tools": tools_named(row), "parents": parents.get(row["unique_id"], set()),
            })
        return out
    return cached(ctx, "exposures", build)


def exposures_on(ctx: Any, unique_id: str) -> list[dict[str, Any]]:
    """The exposures depending directly on a node."""
    return list(_exposures_by_parent(ctx).get(unique_id, ()))


def consumer_of(ctx: Any, item: Item) -> Consumer | None:
    """The declared exposure the item implements (see the module docstring), or None."""
    return _consumers(ctx).get(item.artifact_id)


def _consumers(ctx: Any) -> dict[str, Consumer]:
    def build() -> dict[str, Consumer]:
        out = {}
        for item in items(ctx):
            found = _match(ctx, item)
            if found is not None:
                out[item.artifact_id] = found
        return out
    return cached(ctx, "consumers", build)


def _match(ctx: Any, item: Item) -> Consumer | None:
    read_ids = {r.unique_id for r in reads_of(ctx, item) if r.unique_id}
    if not read_ids:
        return None
    best: tuple[int, Consumer] | None = None
    by_parent = _exposures_by_parent(ctx)
    candidates = {e["unique_id"]: e for uid in read_ids for e in by_parent.get(uid, ())}
    for e in candidates.values():
        if item.tool in e["tools"]:
            rank, why = 0, f"it names {item.tool}"
        elif item.tool in _CODE_TOOLS and e["type"] == "application":
            rank, why = 1, "application code reading its model"
        elif item.tool == "notebook" and e["type"] in _NOTEBOOK_TYPES:
            rank, why = 1, "a notebook reading its model"
        else:
            continue
        candidate = Consumer(e["unique_id"], e["name"], e["type"], e["production"], why)
        if best is None or (rank, not candidate.production, candidate.name) < (best[0], not best[1].production, best[1].name):
            best = (rank, candidate)
    return best[1] if best else None


def consumer_key(ctx: Any, item: Item) -> str:
    """One consumer's identity: its exposure, else the tool and file of the item."""
    found = consumer_of(ctx, item)
    return found.unique_id if found else f"{item.tool}:{item.path}"


def consumers_of_node(ctx: Any, unique_id: str) -> list[str]:
    """The node's consumers (see the module docstring), as exposure names or ``tool path``."""
    from console.layerinitis.resolve import readers_of

    memo = cached(ctx, "consumers_of_node", dict)
    found = memo.get(unique_id)
    if found is None:
        names: dict[str, str] = {e["unique_id"]: f"`{e['name']}`" for e in _exposures_by_parent(ctx).get(unique_id, ())}
        for item in readers_of(ctx).get(unique_id, ()):
            names.setdefault(consumer_key(ctx, item), f"{item.label} ({item.path})")
        found = memo[unique_id] = list(names.values())
    return found


def _exposures_by_parent(ctx: Any) -> dict[str, list[dict[str, Any]]]:
    def build() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for e in _exposures(ctx):
            for parent in e["parents"]:
                out.setdefault(parent, []).append(e)
        return out
    return cached(ctx, "exposures_by_parent", build)
