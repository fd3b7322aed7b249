"""What is at stake at each node: the consumers downstream, recent failures, staleness.

:func:`node_stakes` reads a :class:`rules.context.Context` once and returns, for every node
that has something at stake, a :class:`Stakes`. Nodes with nothing at stake are absent (the
common case, so the map stays small), and nodes with equal stakes share one object. A test's stakes are those of the node it tests, plus
its own failures.

Cost: one upstream walk per exposure (a production one's walk is the one the hardening rules
made, through :func:`rules._production.production_trees`), one filter of the recent run
results, one of the latest freshness results: tens of milliseconds at 10,000 nodes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import polars as pl

from console.ranking.weights import PriorityWeights
from rules._production import production_trees
from rules.context import Context

_FAILED = ("error", "fail", "runtime error")
_STALE = ("warn", "error", "runtime error")


@dataclass(frozen=True)
class Stakes:
    """One node's stakes.

    Attributes:
        production: the best production exposure's share (type share times maturity share,
            0 to 1), 0 when no production exposure depends on the node.
        production_exposures: how many production exposures depend on it.
        consumers: how many exposures (production or not) depend on it.
        failed: it, or a test of it, failed or errored in one of the recent runs.
        stale: a source found stale in the latest freshness check.
    """

    production: float = 0.0
    production_exposures: int = 0
    consumers: int = 0
    failed: bool = False
    stale: bool = False


NOTHING = Stakes()


def node_stakes(ctx: Context, weights: PriorityWeights) -> dict[str, Stakes]:
    """Stakes by unique_id for every node with something at stake (see the module docstring)."""
    nodes = ctx.frames["nodes"]
    exposures = nodes.select("unique_id", "resource_type", "exposure_type", "maturity").filter(pl.col("resource_type") == "exposure")
    exposures = exposures.drop("resource_type")  # columns first: a filter of the whole frame copies every column
    info = {uid: (etype, maturity) for uid, etype, maturity in exposures.iter_rows()}

    walked: dict[str, dict[str, str]] = {}  # a production exposure's upstream tree: its ancestors, already walked
    shares: list[tuple[float, str]] = []
    for exposure, tree in production_trees(ctx):
        walked[exposure.unique_id] = tree
        etype, maturity = info.get(exposure.unique_id, (None, None))
        share = weights.exposure_type.get(etype or "other", weights.exposure_type.get("other", 0.6))
        share *= weights.maturity.get(maturity or "unknown", weights.maturity.get("unknown", 0.85))
        shares.append((share, exposure.unique_id))
    # counted and maximised with dict and Counter updates (loops in C): the smallest share first,
    # so a larger one overwrites it and every node keeps its best
    prod_count: Counter[str] = Counter(uid for _, uid in shares)
    best: dict[str, float] = {}
    for share, uid in sorted(shares, key=lambda pair: pair[0]):
        prod_count.update(walked[uid].keys())
        best.update(dict.fromkeys(walked[uid], share))
        best[uid] = max(share, best.get(uid, share))  # the exposure itself

    consumers = Counter(info.keys())  # each exposure consumes itself
    for uid in info:
        tree = walked.get(uid)
        consumers.update((tree if tree is not None else ctx.graph.ancestors(uid)).keys())  # keys: Counter adds a dict's values

    failed = _recently_failed(ctx, weights.recent_runs)
    stale = _stale_sources(ctx)

    tested = _tested_nodes(ctx)
    # equal stakes share one object, so a caller can memoise on identity
    interned: dict[tuple, Stakes] = {}

    def stakes(*values) -> Stakes:
        found = interned.get(values)
        if found is None:
            found = interned[values] = Stakes(*values)
        return found

    out: dict[str, Stakes] = {}
    for uid in {*best, *consumers, *failed, *stale}:
        out[uid] = stakes(best.get(uid, 0.0), prod_count.get(uid, 0), consumers.get(uid, 0), uid in failed, uid in stale)
    for test, target in tested.items():
        base = out.get(target)
        own_failed = test in failed
        if base is None and not own_failed:
            continue
        base = base or NOTHING
        out[test] = stakes(base.production, base.production_exposures, base.consumers, own_failed, base.stale)
    return out


def _recently_failed(ctx: Context, recent_runs: int) -> set[str]:
    """Nodes that failed or errored in one of the last ``recent_runs`` runs; a failing test marks its node too."""
    runs = ctx.runs
    if runs.is_empty():
        return set()
    recent = runs.tail(recent_runs)["invocation_id"].to_list()
    results = ctx.frames["node_results"]
    bad = results.filter(pl.col("invocation_id").is_in(recent) & pl.col("status").is_in(list(_FAILED)))
    failed = set(bad["unique_id"].to_list())
    if failed:
        attached = _tested_nodes(ctx)
        failed |= {attached[t] for t in list(failed) if t in attached}
    return failed


def _stale_sources(ctx: Context) -> set[str]:
    """Sources whose latest freshness result is warn, error or runtime error."""
    runs = ctx.freshness_runs
    fresh = ctx.frames["freshness_results"]
    if runs.is_empty() or fresh.is_empty():
        return set()
    order = runs.select("invocation_id", "generated_at")
    latest = (
        fresh.select("invocation_id", "unique_id", "status")
        .join(order, on="invocation_id", how="inner")
        .sort("generated_at")
        .group_by("unique_id")
        .last()
    )
    return set(latest.filter(pl.col("status").is_in(list(_STALE)))["unique_id"].to_list())


def _tested_nodes(ctx: Context) -> dict[str, str]:
    """test unique_id -> the node it tests (cached on the context)."""
    cached = ctx.__dict__.get("_ranking_tested")
    if cached is None:
        tests = ctx.frames["tests"].filter(pl.col("attached_node").is_not_null())
        cached = dict(zip(tests["unique_id"].to_list(), tests["attached_node"].to_list()))
        ctx.__dict__["_ranking_tested"] = cached
    return cached
