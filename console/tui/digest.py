"""The screens' precomputed views of an :class:`~console.tui.state.AppData`, as plain rows.

Each view is a pure function of the data (polars over the Context's frames), memoised on the
AppData (``data.memo``) and computed in the loading worker by :func:`warm`, so a screen's
``show`` only fills widgets. No textual here.

* :func:`overview`: the latest run against the usual, counts by layer, run series;
* :func:`freshness_rows`: every source and model with its age, SLA, status and trend;
* :func:`run_rows`: invocations over time with counts by status;
* :func:`node_runs`: per node, its status and duration history, flaky and slowing flags;
* :func:`search_index`, :func:`freshness_index`, :func:`node_runs_index`: the rows' lower-cased
  search texts (a :class:`SearchIndex`), for the screens' filters.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import polars as pl

from rules._text import load_json, meta_value, parse_duration
from rules.base import Finding

if TYPE_CHECKING:
    from console.tui.state import AppData

#: Layers in the order screens list them.
LAYERS = ("source", "staging", "intermediate", "mart", "export", "other", "seed", "exposure")
_BUILT = ("model", "seed", "snapshot")
_PERIOD_S = {"minute": 60.0, "hour": 3600.0, "day": 86400.0}


@dataclass(frozen=True, slots=True)  # one per row: no instance dict
class RunInfo:
    """One invocation that built or tested nodes.

    Attributes:
        invocation_id, generated_at, command: the invocation.
        elapsed: its duration in seconds (None when dbt did not say).
        counts: status -> number of results.
        failed: results that errored or failed.
    """

    invocation_id: str
    generated_at: dt.datetime | None
    command: str
    elapsed: float | None
    counts: dict[str, int]
    failed: int

    @property
    def status(self) -> str:
        """``failed`` when any result failed or errored, ``warn`` with warnings, else ``ok``."""
        if self.failed:
            return "failed"
        return "warn" if self.counts.get("warn") else "ok"


@dataclass(frozen=True)
class Overview:
    """Health at a glance.

    Attributes:
        latest: the latest run, or None.
        usual_elapsed: the median duration of the runs before it (same command), or None.
        layers: layer -> node count (models by layer, plus sources, seeds, exposures).
        elapsed_series: every run's duration, oldest first.
        failure_series: every run's failed results, oldest first.
        nodes: resource type -> count.
    """

    latest: RunInfo | None
    usual_elapsed: float | None
    layers: dict[str, int]
    elapsed_series: list[float] = field(default_factory=list)
    failure_series: list[float] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)  # one per row: no instance dict
class FreshnessRow:
    """One source or built node, as the Freshness screen lists it.

    Attributes:
        unique_id, name, kind: the node (``kind`` is its resource type).
        age: seconds since its data was loaded (sources) or it last built successfully (models),
            judged at ``data.now``; None when never seen.
        sla: the SLA, short (``w 1d · e 2d``: warn and error after, for a source, ``sla 1d`` for a model's
            ``meta.sla``), "" if none.
        status: ``pass``, ``warn``, ``error``, ``late``, ``never built``, ``no check`` or ``ok``.
        trend: the ages (hours) at each stored check, oldest first (sources), or the
            statuses of each run (models).
        limit_hours: a source's error_after (else warn_after) in hours, to scale its trend.
    """

    unique_id: str
    name: str
    kind: str
    age: float | None
    sla: str
    status: str
    trend: tuple[Any, ...] = ()
    limit_hours: float | None = None

    @property
    def age_text(self) -> str:
        return "never" if self.age is None else short_duration(self.age)


def short_duration(seconds: float) -> str:
    """A duration in its two largest units, short: ``3d 2h``, ``2h 30m``, ``59m``, ``12s``.

    Example:
        >>> short_duration(268860), short_duration(9000), short_duration(3599), short_duration(0.4)
        ('3d 2h', '2h 30m', '59m', '0s')
    """
    total = int(round(max(0.0, float(seconds))))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def _criteria_short(criteria: Any) -> str | None:
    seconds = _threshold_s(criteria)
    return None if seconds is None else short_duration(seconds)


@dataclass(frozen=True, slots=True)  # one per row: no instance dict
class NodeRuns:
    """One node's run history.

    Attributes:
        statuses: its statuses, oldest run first.
        durations: its execution times, oldest first (None where missing).
        flaky, slowing: flagged by the flaky-test / duration-regression rules.
    """

    unique_id: str
    name: str
    kind: str
    statuses: tuple[str, ...]
    durations: tuple[float | None, ...]
    flaky: bool = False
    slowing: bool = False

    @property
    def last_status(self) -> str:
        return self.statuses[-1] if self.statuses else ""

    @property
    def mean_duration(self) -> float | None:
        vals = [d for d in self.durations if d is not None]
        return sum(vals) / len(vals) if vals else None


def _run_infos(data: AppData) -> list[RunInfo]:
    runs = data.ctx.runs
    if runs.is_empty():
        return []
    results = data.ctx.frames["node_results"]
    counts = (
        results.join(runs.select("invocation_id"), on="invocation_id", how="semi")
        .group_by("invocation_id", "status").len()
    )
    by_run: dict[str, dict[str, int]] = {}
    for inv, status, n in counts.iter_rows():
        by_run.setdefault(inv, {})[status or "unknown"] = int(n)
    out = []
    for inv, generated, command, elapsed in runs.select("invocation_id", "generated_at", "command", "elapsed_time").iter_rows():
        c = dict(sorted(by_run.get(inv, {}).items()))
        failed = sum(n for s, n in c.items() if s in ("error", "fail", "runtime error"))
        out.append(RunInfo(inv, generated, command or "", elapsed, c, failed))
    return out


#: Result statuses in the order a run's results are listed (failures first); others after.
_RESULT_ORDER = {"error": 0, "runtime error": 0, "fail": 1, "warn": 2, "skipped": 3}


def run_results(data: AppData, invocation_id: str) -> tuple[list[tuple], SearchIndex]:
    """One run's results as ``(order, name, unique_id, status, execution_time, message)``,
    failures first, then by name, with their search index by name; once per load and run (the
    newest run's in the loading worker, see :func:`warm`)."""
    def compute() -> tuple[list[tuple], SearchIndex]:
        res = data.ctx.results_of(invocation_id).select("unique_id", "status", "execution_time", "message")
        same = canonical()
        rows = sorted(
            (_RESULT_ORDER.get(status, 9), data.name(uid), sys.intern(uid), same(status), took, same(message))
            for uid, status, took, message in res.iter_rows()
        )
        return rows, SearchIndex([r[2] for r in rows], (r[1] for r in rows))

    return data.memo(f"digest.run_results:{invocation_id}", compute)


def run_rows(data: AppData) -> list[RunInfo]:
    """Every invocation that built or tested nodes, newest first."""
    return data.memo("digest.run_rows", lambda: list(reversed(_run_infos(data))))


def overview(data: AppData) -> Overview:
    return data.memo("digest.overview", lambda: _overview(data))


def _overview(data: AppData) -> Overview:
    runs = _run_infos(data)
    latest = runs[-1] if runs else None
    usual = None
    if latest is not None:
        before = [r.elapsed for r in runs[:-1] if r.command == latest.command and r.elapsed is not None]
        usual = statistics.median(before) if before else None
    nodes = data.ctx.frames["nodes"]
    layers: dict[str, int] = {}
    if nodes.height:
        kinds = nodes.filter(pl.col("resource_type").is_in(["model", "source", "seed", "snapshot", "exposure"]))
        layer = pl.when(pl.col("resource_type") == "model").then(pl.col("layer").fill_null("other")).otherwise(pl.col("resource_type"))
        for name, n in kinds.select(layer.alias("l")).group_by("l").len().iter_rows():
            layers[name] = int(n)
    ordered = {k: layers[k] for k in sorted(layers, key=lambda k: (LAYERS.index(k) if k in LAYERS else 99, k))}
    from console.report.model import node_counts

    return Overview(
        latest=latest, usual_elapsed=usual, layers=ordered,
        elapsed_series=[r.elapsed or 0.0 for r in runs], failure_series=[float(r.failed) for r in runs],
        nodes=node_counts(nodes),
    )


def _threshold_s(criteria: Any) -> float | None:
    c = load_json(criteria)
    if not c or c.get("count") is None or c.get("period") not in _PERIOD_S:
        return None
    return float(c["count"]) * _PERIOD_S[c["period"]]


def freshness_rows(data: AppData) -> list[FreshnessRow]:
    """Sources first (stalest first), then models with an SLA or a build history."""
    return data.memo("digest.freshness", lambda: _freshness_rows(data))


def _source_rows(data: AppData) -> list[FreshnessRow]:
    ctx, now = data.ctx, data.now
    nodes = ctx.frames["nodes"].filter(pl.col("resource_type") == "source")
    fres = ctx.frames["freshness_results"].join(
        ctx.freshness_runs.select("invocation_id", "generated_at"), on="invocation_id"
    ).sort("generated_at")
    history: dict[str, list[dict]] = {}
    for row in fres.select("unique_id", "status", "max_loaded_at", "snapshotted_at", "age_seconds", "warn_after", "error_after").iter_rows(named=True):
        history.setdefault(row["unique_id"], []).append(row)
    rows = []
    for uid, freshness in nodes.select("unique_id", "freshness").iter_rows():
        hist = history.get(uid, [])
        last = hist[-1] if hist else None
        declared = load_json(freshness) or {}
        warn = _criteria_short((last or {}).get("warn_after") or declared.get("warn_after"))
        err = _criteria_short((last or {}).get("error_after") or declared.get("error_after"))
        sla = " · ".join(p for p in (f"w {warn}" if warn else "", f"e {err}" if err else "") if p)
        age = None
        if last is not None and last["max_loaded_at"] is not None:
            age = (now - last["max_loaded_at"]).total_seconds()
        status = last["status"] if last else ("no check" if sla else "no SLA")
        trend = tuple(round((r["age_seconds"] or 0.0) / 3600, 1) for r in hist)
        limit = _threshold_s((last or {}).get("error_after") or declared.get("error_after")) or _threshold_s(
            (last or {}).get("warn_after") or declared.get("warn_after"))
        rows.append(FreshnessRow(sys.intern(uid), data.name(uid), "source", age, sla, status, trend, limit / 3600 if limit else None))
    return rows


def _model_rows(data: AppData) -> list[FreshnessRow]:
    ctx, now = data.ctx, data.now
    nodes = ctx.frames["nodes"].filter(pl.col("resource_type").is_in(list(_BUILT)))
    hist = ctx.result_history.select("unique_id", "status", "completed_at", "generated_at")
    statuses: dict[str, list[str]] = {}
    last_ok: dict[str, dt.datetime] = {}
    same = canonical()  # a few statuses and kinds: one string each, not one per row
    for uid, status, completed, generated in hist.iter_rows():
        statuses.setdefault(uid, []).append(same(status))
        if status == "success":
            last_ok[uid] = completed or generated
    rows = []
    declares = pl.lit(False)  # decode the JSON of nodes that mention an SLA only
    for column in ("meta", "config"):
        declares = declares | pl.col(column).str.contains('"sla"', literal=True).fill_null(False)
    for uid, kind, meta, config, has_sla in nodes.select("unique_id", "resource_type", "meta", "config", declares.alias("d")).iter_rows():
        declared = meta_value(meta, config, "sla") if has_sla else None
        sla_s = None
        sla = ""
        if declared is not None:
            try:
                sla_s = parse_duration(declared)
                sla = f"sla {short_duration(sla_s)}"
            except ValueError:
                sla = f"sla {declared!r}?"
        ok = last_ok.get(uid)
        age = (now - ok).total_seconds() if ok is not None else None
        if uid not in statuses:
            status = "not run"
        elif ok is None:
            status = "never built"
        elif sla_s is not None and age is not None and age > sla_s:
            status = "late"
        else:
            status = statuses[uid][-1]
        rows.append(FreshnessRow(sys.intern(uid), data.name(uid), same(kind), age, sla, same(status), tuple(statuses.get(uid, ()))))
    return rows


_STATUS_RANK = {"error": 0, "runtime error": 0, "late": 0, "never built": 1, "warn": 2, "fail": 0}


def _freshness_rows(data: AppData) -> list[FreshnessRow]:
    def key(r: FreshnessRow) -> tuple:
        return (_STATUS_RANK.get(r.status, 5), -(r.age or 0.0), r.name)

    return sorted(_source_rows(data), key=key) + sorted(_model_rows(data), key=key)


def node_runs(data: AppData) -> list[NodeRuns]:
    """Every node with results, flagged (flaky, slowing) first, then failing, then by name."""
    return data.memo("digest.node_runs", lambda: _node_runs(data))


def _node_runs(data: AppData) -> list[NodeRuns]:
    hist = data.ctx.result_history.select("unique_id", "status", "execution_time")
    statuses: dict[str, list[str]] = {}
    durations: dict[str, list[float | None]] = {}
    same = canonical()  # statuses, and whole status histories (most nodes share a few: one tuple each)
    for uid, status, t in hist.iter_rows():
        statuses.setdefault(uid, []).append(same(status))
        durations.setdefault(uid, []).append(t)
    flaky = {f.node for f in data.findings if f.name == "flaky-test"}
    slowing = {f.node for f in data.findings if f.name == "duration-regression"}
    kinds = dict(data.ctx.frames["nodes"].select("unique_id", "resource_type").iter_rows())
    rows = [
        NodeRuns(sys.intern(uid), data.name(uid), same(kinds.get(uid, uid.split(".", 1)[0])), same(tuple(st)), tuple(durations[uid]), uid in flaky, uid in slowing)
        for uid, st in statuses.items()
    ]
    rows.sort(key=lambda r: (not (r.flaky or r.slowing), r.last_status not in ("error", "fail", "runtime error", "warn"), r.name))
    return rows


def _lower(text: str) -> str:
    """``text`` lower-cased: the same object when it already is (names mostly are: an index
    by name then holds no second copy of each).

    Example:
        >>> name = "stg_orders"
        >>> _lower(name) is name, _lower("Stg_Orders")
        (True, 'stg_orders')
    """
    low = text.lower()
    return text if low == text else low


def canonical() -> Callable[[Any], Any]:
    """A function giving one shared object per distinct value (statuses, rule ids, owners:
    a few distinct strings that polars hands out as one new object per row).

    Example:
        >>> same = canonical()
        >>> a, b = same("".join(["su", "ccess"])), same("".join(["succ", "ess"]))
        >>> a is b
        True
    """
    seen: dict[Any, Any] = {}
    return lambda value: seen.setdefault(value, value)


class SearchIndex:
    """Rows with their lower-cased search text; filtered on each key press.

    :meth:`matching` scans the texts for every word (a plain substring test: about 1 ms per
    10,000 rows here); when the new words only narrow the previous ones (typing on), it scans
    only the previous matches. Without words it answers with the rows as they are (a
    ``range``, or ``among``): no list of 10,000 indices is held for an unfiltered table.

    ``texts`` may be a function giving them: they are then built on the first search, and let
    go when a search without words says the filter was emptied (the Checks' texts repeat every
    finding's message, path and node: 2.9 MiB at 10k nodes that an open app need not keep
    while nobody searches).

    Example:
        >>> idx = SearchIndex(["a", "b", "c"], ["Stg_Orders", "fct_orders", "stg_items"])
        >>> idx.matching(["stg"]), idx.matching(["stg_o"]), idx.matching([]), idx.matching(["x"])
        ([0, 2], [0], range(0, 3), [])
        >>> idx.matching(["orders"], among=[1, 2], among_key="after a")
        [1]
        >>> lazy = SearchIndex(["a", "b"], lambda: ["A b", "c"])
        >>> lazy.matching(["b"]), lazy.matching([]), lazy.texts, lazy.matching(["c"])
        ([0], range(0, 2), None, [1])
    """

    def __init__(self, keys: Sequence[str], texts: Iterable[str] | Callable[[], Iterable[str]]) -> None:
        self.keys = list(keys)
        self._make = texts if callable(texts) else None
        self.texts: list[str] | None = None if callable(texts) else [_lower(t) for t in texts]
        self._last: tuple[tuple[str, ...], Any, list[int]] | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def release(self) -> None:
        """Let the texts go when they can be built again (and the last matches in any case)."""
        self._last = None
        if self._make is not None:
            self.texts = None

    def keys_of(self, rows: Sequence[int]) -> list[str]:
        """The keys of ``rows`` (:meth:`matching`'s answer): the index's own list for all of them."""
        if isinstance(rows, range) and len(rows) == len(self.keys):
            return self.keys
        keys = self.keys
        return [keys[i] for i in rows]

    def matching(self, words: Sequence[str], among: Sequence[int] | None = None, among_key: Any = None) -> Sequence[int]:
        """Indices of the rows whose text holds every word (lower-cased), in order.

        ``among``: only these rows (ascending; e.g. the rows of one severity), named by
        ``among_key``: the previous matches are reused only for the same key.
        """
        words = tuple(w.lower() for w in words)
        if not words:
            self.release()  # the search is over: its texts go when they can be built again
            return range(len(self.keys)) if among is None else among
        texts = self.texts
        if texts is None:
            assert self._make is not None
            texts = self.texts = [_lower(t) for t in self._make()]
        last = self._last
        candidates: Iterable[int]
        if last is not None and last[1] == among_key and all(any(o in w for w in words) for o in last[0]):
            candidates = last[2]
        else:
            candidates = range(len(texts)) if among is None else among
        for word in words:
            candidates = [i for i in candidates if word in texts[i]]
        out = list(candidates)
        self._last = (words, among_key, out)
        return out


def finding_texts(findings: Sequence[Finding], names: Mapping[str, str]) -> Iterator[str]:
    """Each finding's searchable text: rule, name, its node's name and id, path, message.

    Example:
        >>> f = Finding("STR001", "x", "structure", "warn", "model.p.a", "m.sql", None, "Bad", "", "0")
        >>> list(finding_texts([f], {"model.p.a": "a"}))
        ['STR001 x a model.p.a m.sql Bad']
    """
    for f in findings:
        yield f"{f.rule} {f.name} {names.get(f.node or '', '')} {f.node or ''} {f.path or ''} {f.message}"


def search_index(data: AppData) -> SearchIndex:
    """The Checks filter's index: each finding (keyed by fingerprint) with its searchable text
    (rule, name, node, path, message), once per load."""
    def compute() -> SearchIndex:
        return SearchIndex([f.fingerprint for f in data.findings], partial(finding_texts, data.findings, data.names))

    return data.memo("checks.search", compute)


def finding_columns(data: AppData) -> dict[str, list[str]]:
    """The findings' filterable fields as columns, lower-cased, in the order of
    ``data.findings``: ``severity``, ``category``, ``rule`` (id), ``name`` and ``owner`` (their
    node's), so a filter term is one list scan.

    Not kept with the load: the Checks build them for a filter's first term and keep them while
    the filter has terms (a few milliseconds at 10k findings, against 0.4 MiB an open app would
    hold for good).
    """
    own = owners(data)
    fs = data.findings
    lower = {}  # a few distinct rules and owners: one string each, lower-cased once
    def low(value: str) -> str:
        found = lower.get(value)
        if found is None:
            found = lower[value] = _lower(value)
        return found

    return {
        "severity": [f.severity for f in fs], "category": [f.category for f in fs],
        "rule": [low(f.rule) for f in fs], "name": [low(f.name) for f in fs],
        "owner": [low(own.get(f.node or "", "")) for f in fs],
    }


def freshness_index(data: AppData) -> SearchIndex:
    """The Freshness filter's index: each row of :func:`freshness_rows` by its name."""
    return data.memo("digest.freshness_index", lambda: SearchIndex(
        [r.unique_id for r in freshness_rows(data)], (r.name for r in freshness_rows(data))))


def node_runs_index(data: AppData) -> SearchIndex:
    """The Runs screen's node filter: each row of :func:`node_runs` by its name."""
    return data.memo("digest.node_runs_index", lambda: SearchIndex(
        [r.unique_id for r in node_runs(data)], (r.name for r in node_runs(data))))


def owners(data: AppData) -> dict[str, str]:
    """unique_id -> owner of the nodes that have one (``.get(uid, "")``), once per load."""
    def compute() -> dict[str, str]:
        nodes = data.ctx.frames["nodes"].select("unique_id", "owner").filter(pl.col("owner").fill_null("") != "")
        same = canonical()
        return {uid: same(owner) for uid, owner in nodes.iter_rows()}

    return data.memo("checks.owners", compute)


def _warm_sql_lexer() -> None:
    """Compile the SQL highlighter's patterns now (pygments does it once per process, about
    0.1 s): otherwise the first SQL a detail pane shows pays it on the UI thread."""
    from pygments.lexers import get_lexer_by_name

    for _ in get_lexer_by_name("sql").get_tokens("select 1"):
        pass


def warm(data: AppData) -> None:
    """Compute every view now (called by the loading worker); the views that need the findings
    (flags, the search index) only once they are there."""
    overview(data)
    freshness_index(data)
    runs = run_rows(data)
    if runs:  # the Runs screen opens on the newest run
        run_results(data, runs[0].invocation_id)
    if data.evaluated:
        _warm_sql_lexer()
        search_index(data)
        node_runs_index(data)
