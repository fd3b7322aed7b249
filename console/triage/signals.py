"""What is wrong with each node, as of a moment: the :class:`SignalIndex`.

Built once per Context (and per ``as_of``) from the run history, the freshness history and the
rules' findings; every triage question then reads it with dictionary lookups.

* A node's **latest result** is its result in the most recent run (build, run, test, seed,
  snapshot) that included it, at or before ``as_of``.
* Signals: a model, seed or snapshot that errored (``error``); a node dbt skipped (``warn``:
  the cause is upstream); a test that failed (``error``) or warned (``warn``): on the test
  itself *and* on the node it tests (the ``tests`` table's attached node, else its parents), so
  a walk over models sees a failing test as a broken model; a source whose latest freshness
  check warned or errored; a finding of the ``warehouse`` category on the node (a warehouse
  signal the store has: a frozen relation, a vanished table). Other findings (structure,
  hardening) describe how a project is built, not why a run broke, and are left to the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from console.triage.model import Freshness, NodeRef, RunResult, Signal, worst
from rules.context import Context

#: Finding categories that explain a break (become signals on their node).
SIGNAL_CATEGORIES = ("warehouse",)
_ERRORED = ("error", "runtime error")
_STALE = {"warn": "warn", "error": "error", "runtime error": "error"}


@dataclass
class SignalIndex:
    """Latest results, latest freshness and signals of every node.

    Attributes:
        latest: unique_id -> the node's latest :class:`RunResult`.
        freshness: source unique_id -> its latest :class:`Freshness`.
        signals: unique_id -> what is wrong with it (nodes with nothing wrong are absent).
        refs: unique_id -> :class:`NodeRef` (every node of the store).
    """

    latest: dict[str, RunResult] = field(default_factory=dict)
    freshness: dict[str, Freshness] = field(default_factory=dict)
    signals: dict[str, list[Signal]] = field(default_factory=dict)
    refs: dict[str, NodeRef] = field(default_factory=dict)
    attached: dict[str, str] = field(default_factory=dict)

    def level(self, unique_id: str, exclude: str | None = None) -> str:
        """``error``/``warn`` from the node's signals (ignoring those produced by ``exclude``),
        ``ok`` when it has a result or a freshness check and nothing wrong, else ``unknown``."""
        sigs = [s for s in self.signals.get(unique_id, ()) if s.source != exclude]
        if sigs:
            return worst(s.level for s in sigs)
        return "ok" if unique_id in self.latest or unique_id in self.freshness else "unknown"

    def ref(self, unique_id: str) -> NodeRef:
        """The node's :class:`NodeRef` (a bare one for an id the store does not list)."""
        found = self.refs.get(unique_id)
        if found is None:
            parts = unique_id.split(".")
            found = NodeRef(unique_id, parts[-1], parts[0])
        return found


def display_name(resource_type: str | None, name: str | None, source_name: str | None, unique_id: str) -> str:
    """How triage names a node: ``source_name.table`` for sources, else the name.

    Example:
        >>> display_name("source", "inventory", "inventory_feed", "source.p.inventory_feed.inventory")
        'inventory_feed.inventory'
        >>> display_name("model", None, None, "model.p.orders")
        'model.p.orders'
    """
    if resource_type == "source" and source_name and name:
        return f"{source_name}.{name}"
    return name or unique_id


def node_refs(ctx: Context) -> dict[str, NodeRef]:
    """unique_id -> :class:`NodeRef` for every node of the store."""
    nodes = ctx.frames["nodes"]
    cols = ("unique_id", "resource_type", "name", "source_name", "layer", "owner", "path")
    out = {}
    for uid, kind, name, source, layer, owner, path in nodes.select(*cols).iter_rows():
        out[uid] = NodeRef(uid, display_name(kind, name, source, uid), kind or uid.split(".")[0], layer, owner, path)
    return out


def build_signals(ctx: Context, findings: Iterable = (), as_of: dt.datetime | None = None) -> SignalIndex:
    """The :class:`SignalIndex` of ``ctx`` as of ``as_of`` (default: everything stored).

    Cached on the context per ``as_of`` when no findings are given; callers with findings keep
    the index themselves.
    """
    index = SignalIndex(refs=node_refs(ctx))
    hist = ctx.result_history
    if as_of is not None and hist.height:
        hist = hist.filter(pl.col("generated_at") <= as_of)
    attached = _attached(ctx)
    index.attached = attached
    if hist.height:
        last = hist.group_by("unique_id", maintain_order=True).last()
        cols = ("unique_id", "invocation_id", "generated_at", "command", "status", "execution_time", "failures", "message")
        for uid, inv, at, command, status, secs, failures, message in last.select(*cols).iter_rows():
            result = RunResult(inv, at, command, status or "", secs, failures, message)
            index.latest[uid] = result
            for target, signal in _result_signals(uid, result, attached, index.refs):
                index.signals.setdefault(target, []).append(signal)
    _freshness(ctx, index, as_of)
    for f in findings:
        if f.category in SIGNAL_CATEGORIES and f.node and f.severity in ("error", "warn"):
            index.signals.setdefault(f.node, []).append(Signal("warehouse", str(f.severity), f.rule, f.message))
    return index


def _attached(ctx: Context) -> dict[str, str]:
    """test unique_id -> the node it tests (the tests table's attached node, else its one parent)."""
    tests = ctx.frames["tests"]
    out = {}
    if tests.height:
        out = {t: a for t, a in zip(tests["unique_id"].to_list(), tests["attached_node"].to_list()) if a}
    parents = ctx.graph.parents
    for uid in ctx.of_type("test", "unit_test"):
        if uid not in out:
            ps = [p for p in parents.get(uid, ()) if not p.startswith("test.")]
            if ps:
                out[uid] = ps[0]
    return out


def _result_signals(uid: str, r: RunResult, attached: dict[str, str], refs: dict[str, NodeRef]):
    """(target node, signal) pairs a result gives."""
    kind = uid.split(".", 1)[0]
    status = r.status
    if status == "skipped":
        return [(uid, Signal("skipped", "warn", uid, "skipped by dbt (something upstream failed)"))]
    if kind in ("test", "unit_test"):
        rows = f" on {r.failures} row{'s' if r.failures != 1 else ''}" if r.failures else ""
        name = refs[uid].name if uid in refs else uid
        if status in ("fail", "warn"):
            level = "error" if status == "fail" else "warn"
            sig = Signal(f"test {status}", level, uid, f"test `{name}` {'failed' if status == 'fail' else 'warned'}{rows}")
        elif status in _ERRORED:
            sig = Signal("test error", "error", uid, f"test `{name}` errored: {_first_line(r.message)}")
        else:
            return []
        return [(uid, sig)] + ([(attached[uid], sig)] if uid in attached else [])
    if status in _ERRORED:
        return [(uid, Signal("model error", "error", uid, f"{kind} errored: {_first_line(r.message)}"))]
    return []


def _first_line(text: str | None) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[0][:200] if lines else "no message"


def _freshness(ctx: Context, index: SignalIndex, as_of: dt.datetime | None) -> None:
    fres = ctx.frames["freshness_results"]
    if not fres.height:
        return
    runs = ctx.freshness_runs.select("invocation_id", "generated_at")
    joined = fres.join(runs, on="invocation_id", how="inner").sort("generated_at")
    if as_of is not None:
        joined = joined.filter(pl.col("generated_at") <= as_of)
    if not joined.height:
        return
    last = joined.group_by("unique_id", maintain_order=True).last()
    cols = ("unique_id", "status", "generated_at", "age_seconds", "max_loaded_at", "warn_after", "error_after", "error")
    for uid, status, at, age, loaded, warn_after, error_after, error in last.select(*cols).iter_rows():
        hours = None if age is None else round(age / 3600, 1)
        index.freshness[uid] = Freshness(status or "", at, hours, loaded)
        level = _STALE.get(status or "")
        if level is None:
            continue
        if status == "runtime error":
            detail = f"freshness check failed: {_first_line(error)}"
        else:
            limit = _period(error_after if status == "error" else warn_after)
            detail = f"stale: loaded {hours} h ago" + (f" ({status} after {limit})" if limit else "")
        index.signals.setdefault(uid, []).append(Signal("freshness", level, uid, detail))


def _period(spec: str | None) -> str:
    """``{"count": 2, "period": "day"}`` (JSON text) -> ``2 days``.

    Example:
        >>> _period('{"count": 2, "period": "day"}'), _period(None)
        ('2 days', '')
    """
    if not spec:
        return ""
    import orjson

    try:
        d = orjson.loads(spec)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(d, dict) or d.get("count") is None or not d.get("period"):
        return ""
    n = d["count"]
    return f"{n} {d['period']}{'s' if n != 1 else ''}"
