"""The Lineage screen's model: a node's neighbourhood laid out in columns by layer (no textual).

:class:`LineageIndex` is built once per load, in the worker: each node's display name, column
and level (from :mod:`console.triage.signals`: latest result, failing tests, freshness), the
last-mile items and query-log readers of each relation, and the project view (counts per layer,
the widest fan-outs). :func:`neighbourhood` then lays out one node's upstream and downstream,
``depth`` levels each way, in the columns of :data:`COLUMNS`: a walk of that neighbourhood
only, never of the whole graph, so a key press costs the same at 50 nodes and at 50,000.

Within a column, upstream nodes come first (farthest first), then the focused node, then
downstream nodes (nearest first), each group by name. A column holds at most
:data:`MAX_PER_COLUMN` nodes; the rest are counted.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

#: The columns, left to right: (key, title).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "sources"), ("staging", "staging"), ("intermediate", "intermediate"), ("mart", "marts"),
    ("export", "exports"), ("exposure", "exposures"), ("lastmile", "last mile"), ("consumer", "query log"),
)
_COLUMN_INDEX = {key: i for i, (key, _) in enumerate(COLUMNS)}
#: Node kinds the lineage leaves out (tests colour the node they test instead).
HIDDEN = ("test", "unit_test", "group", "macro", "analysis")
MAX_PER_COLUMN = 200
#: How many of the widest fan-outs the project view lists.
TOP_FANOUTS = 15


def column_of(resource_type: str | None, layer: str | None) -> int:
    """The column a node goes in.

    Example:
        >>> [COLUMNS[column_of(t, lv)][0] for t, lv in [("source", "source"), ("seed", "seed"), ("model", None), ("exposure", "exposure")]]
        ['source', 'source', 'intermediate', 'exposure']
    """
    if layer in _COLUMN_INDEX:
        return _COLUMN_INDEX[layer]
    if resource_type in ("source", "seed"):
        return _COLUMN_INDEX["source"]
    if resource_type == "snapshot":
        return _COLUMN_INDEX["staging"]
    if resource_type in ("exposure", "metric", "semantic_model", "saved_query"):
        return _COLUMN_INDEX["exposure"]
    return _COLUMN_INDEX["intermediate"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One entry of a column.

    Attributes:
        key: a dbt unique_id, a last-mile artifact id, or ``consumer:<user>``.
        name: what the cell shows.
        level: ``error``, ``warn``, ``ok`` or ``unknown``.
        direction: ``up``, ``focus`` or ``down``.
        distance: steps from the focused node (0 for it).
        in_graph: False for last-mile items and query-log readers (not dbt nodes).
    """

    key: str
    name: str
    level: str
    direction: str
    distance: int
    in_graph: bool = True


@dataclass(frozen=True)
class Layout:
    """A neighbourhood in columns: only the non-empty ones, left to right."""

    focus: str
    columns: tuple[tuple[str, tuple[Cell, ...]], ...]
    more: dict[str, int] = field(default_factory=dict)

    def find(self, key: str) -> tuple[int, int] | None:
        """(column, row) of ``key``, or None."""
        for c, (_, cells) in enumerate(self.columns):
            for r, cell in enumerate(cells):
                if cell.key == key:
                    return c, r
        return None


@dataclass
class LineageIndex:
    """Everything the Lineage screen needs per load (built in the worker).

    Attributes:
        graph: the project's :class:`console.graph.Graph`.
        names: unique_id -> display name.
        columns: unique_id -> column index.
        levels: unique_id -> level.
        kinds: unique_id -> resource type.
        lastmile: unique_id -> ((artifact_id, label), ...) of the last-mile items reading it.
        readers: unique_id -> ((user, queries), ...) of the query-log readers.
        layer_counts: column title -> number of nodes.
        fanouts: (unique_id, children) of the widest fan-outs, widest first.
        refs: unique_id -> :class:`console.triage.model.NodeRef` (layer, owner, path).
    """

    graph: object
    names: dict[str, str]
    columns: dict[str, int]
    levels: dict[str, str]
    kinds: dict[str, str]
    lastmile: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    readers: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    layer_counts: dict[str, int] = field(default_factory=dict)
    fanouts: tuple[tuple[str, int], ...] = ()
    refs: dict = field(default_factory=dict)

    @property
    def searchable(self) -> list[str]:
        """unique_ids a search may find (every node the lineage shows), in name order."""
        cached = self.__dict__.get("_searchable")
        if cached is None:
            cached = sorted((u for u, k in self.kinds.items() if k not in HIDDEN), key=lambda u: self.names[u])
            self.__dict__["_searchable"] = cached
        return cached

    @property
    def search_keys(self) -> list[str]:
        """The :attr:`searchable` nodes' names as rapidfuzz compares them (processed once, not per key press)."""
        cached = self.__dict__.get("_search_keys")
        if cached is None:
            from rapidfuzz import utils

            cached = [utils.default_process(self.names[u]) for u in self.searchable]
            self.__dict__["_search_keys"] = cached
        return cached


def load_index(data) -> LineageIndex:
    """The load's one :class:`LineageIndex` (memoised on ``data``, a
    :class:`console.tui.state.AppData`), on the signals and readers it shares with the Triage:
    what the Lineage screen shows, computed by the load's process
    (:mod:`console.tui.load_process`) or else by the screen's worker."""
    return data.memo("lineage.index", lambda: build_index(data.ctx, signals=data.signals(), readers=data.readers(), names=data.names))


def build_index(ctx, findings=(), extras=None, signals=None, readers=None, names=None) -> LineageIndex:
    """The :class:`LineageIndex` of a load (``extras``: :class:`console.triage.Extras`, may be
    None; ``signals`` and ``readers``: the load's :class:`console.triage.signals.SignalIndex`
    and :class:`console.triage.readers.Readers` when they are shared with the Triage, else
    built here; ``names``: the load's display names, ``AppData.names``, shared rather than
    copied when every node of the signals has one, else built here)."""
    if signals is None:
        from console.triage.signals import build_signals

        signals = build_signals(ctx, findings)
    shared = names is not None and len(names) == len(signals.refs) and all(uid in names for uid in signals.refs)
    names = names if shared else {}
    columns, kinds = {}, {}
    for uid, ref in signals.refs.items():
        if not shared:
            names[uid] = ref.name
        kinds[uid] = ref.resource_type
        columns[uid] = column_of(ref.resource_type, ref.layer)
    levels = {u: signals.level(u) for u in names}
    counts: Counter = Counter()
    for uid, kind in kinds.items():
        if kind not in HIDDEN:
            counts[COLUMNS[columns[uid]][1]] += 1
    graph = ctx.graph
    widths = [(u, sum(1 for c in graph.children.get(u, ()) if kinds.get(c) not in HIDDEN)) for u in names if kinds[u] not in HIDDEN]
    widths = sorted((w for w in widths if w[1] > 0), key=lambda w: (-w[1], names[w[0]]))[:TOP_FANOUTS]
    index = LineageIndex(graph, names, columns, levels, kinds, layer_counts=dict(counts), fanouts=tuple(widths), refs=signals.refs)
    index.search_keys  # noqa: B018 (names processed for search here, in the worker)
    if readers is None and extras is not None:
        from console.triage.readers import build_readers

        readers = build_readers(ctx, extras)
    if readers is not None:
        index.lastmile = {u: tuple((i.artifact_id, f"{i.tool}: {i.name}") for i in items) for u, items in readers.lastmile.items()}
        index.readers = {u: tuple((r.user, r.queries) for r in reads) for u, reads in readers.log.items()}
    return index


def _walk(step: dict[str, list[str]], start: str, depth: int, hidden: dict[str, str]) -> dict[str, int]:
    seen = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        d = seen[node]
        if d >= depth:
            continue
        for nxt in step.get(node, ()):
            if nxt not in seen and hidden.get(nxt) not in HIDDEN:
                seen[nxt] = d + 1
                queue.append(nxt)
    seen.pop(start)
    return seen


def neighbourhood(index: LineageIndex, focus: str, depth: int = 3) -> Layout:
    """``focus`` with ``depth`` levels up and down, in columns by layer."""
    graph = index.graph
    up = _walk(graph.parents, focus, depth, index.kinds)
    down = _walk(graph.children, focus, depth, index.kinds)
    buckets: dict[int, list[tuple[tuple, Cell]]] = {}

    def add(col: int, sort_key: tuple, cell: Cell) -> None:
        buckets.setdefault(col, []).append((sort_key, cell))

    names, levels, columns = index.names, index.levels, index.columns
    for uid, d in up.items():
        if uid not in down:
            add(columns.get(uid, 2), (0, -d, names.get(uid, uid)), Cell(uid, names.get(uid, uid), levels.get(uid, "unknown"), "up", d))
    add(columns.get(focus, 2), (1, 0, ""), Cell(focus, names.get(focus, focus), levels.get(focus, "unknown"), "focus", 0))
    for uid, d in down.items():
        add(columns.get(uid, 2), (2, d, names.get(uid, uid)), Cell(uid, names.get(uid, uid), levels.get(uid, "unknown"), "down", d))
    reach = {focus: 0, **down}
    seen_items: set[str] = set()
    readers: dict[str, int] = {}
    for uid, d in sorted(reach.items(), key=lambda x: x[1]):
        for aid, label in index.lastmile.get(uid, ()):
            if aid not in seen_items:
                seen_items.add(aid)
                add(_COLUMN_INDEX["lastmile"], (2, d + 1, label), Cell(aid, label, "unknown", "down", d + 1, in_graph=False))
        for user, n in index.readers.get(uid, ()):
            readers[user] = readers.get(user, 0) + n
    for user, n in sorted(readers.items(), key=lambda x: (-x[1], x[0])):
        add(_COLUMN_INDEX["consumer"], (2, 0, ""), Cell(f"consumer:{user}", f"{user} ({n})", "unknown", "down", 0, in_graph=False))
    cols, more = [], {}
    for col in sorted(buckets):
        cells = [c for _, c in sorted(buckets[col], key=lambda x: x[0])] if col != _COLUMN_INDEX["consumer"] else [c for _, c in buckets[col]]
        title = COLUMNS[col][1]
        if len(cells) > MAX_PER_COLUMN:
            keep = [c for c in cells if c.direction == "focus"]
            rest = [c for c in cells if c.direction != "focus"][: MAX_PER_COLUMN - len(keep)]
            more[title] = len(cells) - len(rest) - len(keep)
            cells = sorted(keep + rest, key=lambda c: ({"up": 0, "focus": 1, "down": 2}[c.direction], c.distance if c.direction == "down" else -c.distance, c.name))
        cols.append((title, tuple(cells)))
    return Layout(focus, tuple(cols), more)
