"""What every screen shows: :class:`AppData`, built by a worker in one short visit to the store.

The app's worker calls :func:`load_app_data` (a shared-lock read of the store's frames, then
the rule engine exactly as ``console report`` runs it) and hands the frozen result to every
screen through ``screen.show(data)``. Screens never read the store or files themselves; what
they need beyond the frames is precomputed here (``AppData.warm`` runs in the worker, so the UI
thread only draws).

This module imports no textual: it is plain data, testable headless.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from console.errors import InputError
from rules.base import Finding

if TYPE_CHECKING:
    from console.cli.options import Locations
    from console.report.model import RuleInfo
    from rules.context import Context

#: DuckDB column types -> polars dtypes, for the empty frames of a project with no store yet.
_DTYPES: dict[str, Any] = {
    "VARCHAR": pl.String, "JSON": pl.String, "INTEGER": pl.Int32, "BIGINT": pl.Int64,
    "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean, "TIMESTAMP": pl.Datetime("us"),
    "VARCHAR[]": pl.List(pl.String),
}
#: Guards the creation of :meth:`AppData.memo`'s per-key locks.
_MEMO_LOCK = threading.Lock()
_NONE = object()
#: Statuses of a node result that count as a failure on screen (warn is shown, not counted).
FAILED = frozenset({"error", "fail", "runtime error"})


def utc_now() -> dt.datetime:
    """The current time, UTC, naive (as the store keeps times)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def empty_frames(tables: Mapping[str, Any] | None = None) -> dict[str, pl.DataFrame]:
    """Empty frames with the store's columns, for a project that has no store yet.

    Example:
        >>> frames = empty_frames()
        >>> frames["nodes"].height, frames["nodes"].schema["tags"]
        (0, List(String))
    """
    from console.store import TABLES
    from rules.context import CONTEXT_TABLES

    out = {}
    for name in tables or CONTEXT_TABLES:
        cols = TABLES[name].columns
        out[name] = pl.DataFrame(schema={c: _DTYPES.get(t.split(" ")[0], pl.String) for c, t in cols})
    return out


@dataclass(frozen=True, repr=False)  # (see __repr__)
class AppData:
    """One load of the project, as every screen sees it (never mutated; a refresh makes a new one).

    Attributes:
        ctx: the rules' Context (frames, graph, run history); empty frames before a first collect.
        findings: exactly the findings ``console report`` gives (same engine, same config),
            highest severity first.
        rules: rule id -> RuleInfo (name, hint, documentation) of every rule that ran.
        project_root: the project folder.
        store: the store file.
        now: the time rules judged ages against (the app's ``--now``, or the load time).
        loaded_at: when this load finished (UTC, naive).
        missing: sentences saying what is missing (no store yet, no artifacts, no runs ...);
            empty when the project is complete. Screens show them instead of an empty table.
        generation: 0 for the first load, then +1 per load: screens can tell a refresh.
        collect_note: the last background collect's summary, or its error, or "".
        evaluated: the rules have run (``findings`` and ``rules`` are filled in). A load is
            shown in two steps: the store's frames first (a fast first paint), then the same
            load with its findings (see :meth:`with_findings`).
        partial: only the columns the Overview draws were read (:data:`FIRST_PAINT`): the
            app's very first paint, before the whole load; only screens that say
            ``PARTIAL`` are shown it.
    """

    ctx: Context
    findings: tuple[Finding, ...] = ()
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    project_root: Path = Path(".")
    store: Path = Path(".console/store.duckdb")
    now: dt.datetime = field(default_factory=utc_now)
    loaded_at: dt.datetime = field(default_factory=utc_now)
    missing: tuple[str, ...] = ()
    generation: int = 0
    collect_note: str = ""
    evaluated: bool = False
    partial: bool = False

    def __repr__(self) -> str:
        """A short one: Textual's ``@work`` names each worker by the repr of its arguments, and
        the dataclass's own wrote every finding (130 ms on the UI thread per worker started
        with a load at 10k nodes).

        Example:
            >>> AppData(ctx=None, generation=2)
            <AppData generation 2: 0 findings, evaluated False, partial False>
        """
        return (f"<AppData generation {self.generation}: {len(self.findings)} findings, "
                f"evaluated {self.evaluated}, partial {self.partial}>")

    # -- cheap indexes, computed once per load (in the worker, see warm) ----------------------
    @cached_property
    def project(self) -> dict[str, Any]:
        """The store's project row (``name``, ``root``, ``dbt_version``, ``adapter``, ``origin``...)."""
        return dict(self.ctx.project)

    @property
    def project_name(self) -> str:
        return self.project.get("name") or self.project_root.name

    @property
    def has_store(self) -> bool:
        """False before the first collect (frames are empty)."""
        return bool(self.ctx.frames["project"].height)

    @cached_property
    def names(self) -> dict[str, str]:
        """unique_id -> display name (``source_name.name`` for sources); the ids are
        :func:`shared_id`'s, as every index of the load holds them."""
        nodes = self.ctx.frames["nodes"]
        out = {}
        share = _own_id if self.partial else shared_id
        for uid, kind, name, source in nodes.select("unique_id", "resource_type", "name", "source_name").iter_rows():
            out[share(uid)] = f"{source}.{name}" if kind == "source" and source else (name or uid)
        return out

    def name(self, unique_id: str | None) -> str:
        """A node's display name (its id when unknown, "" for None)."""
        if unique_id is None:
            return ""
        return self.names.get(unique_id, unique_id)

    def node_path(self, unique_id: str) -> str | None:
        """A node's file, relative to the project (None when unknown)."""
        nodes = self.ctx.frames["nodes"]
        rows = nodes.filter(pl.col("unique_id") == unique_id)["path"].to_list()
        return rows[0] if rows else None

    @cached_property
    def findings_by_node(self) -> dict[str | None, tuple[Finding, ...]]:
        out: dict[str | None, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.node, []).append(f)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def latest_run(self) -> dict[str, Any] | None:
        """The latest invocation that built or tested nodes (see ``Context.latest_run``)."""
        return self.ctx.latest_run

    @cached_property
    def latest_results(self) -> pl.DataFrame:
        """The latest run's node results (empty without runs)."""
        run = self.latest_run
        if run is None:
            return self.ctx.frames["node_results"].clear()
        return self.ctx.results_of(run["invocation_id"])

    @cached_property
    def latest_status(self) -> dict[str, str]:
        """unique_id -> status of each node's most recent result in any run (and each source's
        latest freshness status), for colouring nodes everywhere."""
        from console.tui.digest import canonical

        hist = self.ctx.result_history
        same = canonical()  # a few statuses: one string each, not one per node
        share = _own_id if self.partial else shared_id
        out: dict[str, str] = {}
        if hist.height:
            last = hist.group_by("unique_id").agg(pl.col("status").last())
            out.update(zip(map(share, last["unique_id"].to_list()), map(same, last["status"].to_list())))
        fres = self.ctx.frames["freshness_results"]
        if fres.height:
            runs = self.ctx.freshness_runs.select("invocation_id", "generated_at")
            last = fres.join(runs, on="invocation_id").sort("generated_at").group_by("unique_id").agg(pl.col("status").last())
            out.update(zip(map(share, last["unique_id"].to_list()), map(same, last["status"].to_list())))
        return out

    @cached_property
    def failed_nodes(self) -> frozenset[str]:
        """Nodes that errored or failed in the latest run."""
        res = self.latest_results
        if not res.height:
            return frozenset()
        return frozenset(res.filter(pl.col("status").is_in(list(FAILED)))["unique_id"].to_list())

    @cached_property
    def stale_sources(self) -> frozenset[str]:
        """Sources whose latest freshness check warned or errored."""
        return frozenset(
            uid for uid, status in self.latest_status.items() if uid.startswith("source.") and status in ("warn", "error", "runtime error")
        )

    @property
    def latest_run_failed(self) -> bool:
        return bool(self.failed_nodes)

    def memo(self, key: str, compute: Any) -> Any:
        """``compute()`` once per load, kept under ``key`` (for screens' precomputed views).

        Screens' workers ask for the same views at the same time (the Lineage and the Triage
        both read :meth:`signals`): one computes, the others wait for its result, so a load
        holds one copy, never one per screen.

        Example:
            >>> data = AppData(ctx=None)
            >>> data.memo("x", lambda: [1]) is data.memo("x", lambda: [2])
            True
        """
        cache = self.__dict__.setdefault("_memo", {})
        found = cache.get(key, _NONE)
        if found is not _NONE:
            return found
        with _MEMO_LOCK:
            lock = self.__dict__.setdefault("_memo_locks", {}).setdefault(key, threading.RLock())
        with lock:
            if key not in cache:
                cache[key] = compute()
        return cache[key]

    def signals(self) -> Any:
        """The triage's :class:`~console.triage.signals.SignalIndex` of this load (node refs,
        latest results, freshness, signals), once: the Lineage colours its nodes with it and
        the Triage screen answers from it (two copies were about 7 MiB at 10k nodes)."""
        from console.triage.signals import build_signals

        return self.memo("triage.signals", lambda: _shared_values(build_signals(self.ctx, self.findings), self.names))

    def extras(self) -> Any:
        """The triage's extra tables (last mile, query log, warehouse relations; the code read
        when a diff is wanted), read once per load in a short store visit (a worker's)."""
        from console.triage import Extras, load_extras

        return self.memo("triage.extras", lambda: load_extras(self.store, lazy_code=True) if self.has_store else Extras())

    def readers(self) -> Any:
        """The last-mile items and query-log readers by node (:mod:`console.triage.readers`),
        once per load, shared by the Lineage and the Triage. The relation index they are
        resolved with is built on a copy of the Context and let go with it (about 3 MiB at 10k
        nodes that no screen reads afterwards)."""
        import copy

        from console.triage.readers import build_readers

        return self.memo("triage.readers", lambda: build_readers(copy.copy(self.ctx), self.extras()))

    def with_findings(self, findings: tuple[Finding, ...], rules: Mapping[str, RuleInfo], ctx: Context | None = None) -> AppData:
        """The same load with its findings: indexes that do not depend on findings are kept
        (``ctx``: a Context with the same frames in place of this one's)."""
        new = dataclasses.replace(self, findings=findings, rules=rules, evaluated=True, ctx=self.ctx if ctx is None else ctx)
        keep = {k: v for k, v in self.__dict__.items() if k in _FINDINGS_FREE}
        memo = {k: v for k, v in self.__dict__.get("_memo", {}).items() if k in _FINDINGS_FREE}
        new.__dict__.update(keep)
        new.__dict__["_memo"] = memo
        return new

    def warm(self) -> AppData:
        """Compute the cached indexes now (the worker calls this, off the UI thread)."""
        for attr in ("project", "names", "latest_status", "failed_nodes", "stale_sources"):
            getattr(self, attr)
        from console.tui import digest

        if self.partial:  # the Overview's first paint: its own view only
            digest.overview(self)
            return self
        if self.evaluated:  # (the rules build the graph anyway: the first paint does not wait for it)
            self.findings_by_node  # noqa: B018
            self.ctx.graph  # noqa: B018 (built once, shared by every screen)
        digest.warm(self)
        return self


def shared_id(unique_id: str) -> str:
    """The load's one string object for a node id (``sys.intern``).

    polars hands out a new string per row and per read: the names, the graph, the triage's
    index and the screens' rows each held their own copy of every node id (about 2 MiB a copy
    at 10k nodes). Interned, they share one; CPython 3.11 drops an interned string when the
    last holder lets it go, so a later load that no longer lists a node does not keep it.
    The table of interned strings keeps its size, though: an open app's own first paint
    (``partial``) does not intern (at 10k nodes the table grew by 1.8 MiB for good); its
    loads intern in the load's process, and the pickle carries the sharing over.

    Example:
        >>> shared_id("".join(["model.p.", "orders"])) is shared_id("model.p.orders")
        True
    """
    return sys.intern(unique_id)


def _own_id(unique_id: str) -> str:
    """A node id as it came (a first paint's: see :func:`shared_id`'s note on the app)."""
    return unique_id


def _shared_graph_ids(graph: Any) -> None:
    """The graph's node ids replaced in place by :func:`shared_id`'s (its lists held one
    copy per edge end, from the edges frame), and its lists by tuples: the rules are done with
    it, the screens only read it, and a node without parents (or children) then holds the one
    empty tuple, not a list of its own (20,000 lists were 1.7 MiB at 10k nodes)."""
    for attr in ("parents", "children"):
        links = getattr(graph, attr)
        setattr(graph, attr, {shared_id(k): tuple(map(shared_id, v)) for k, v in links.items()})


def _shared_fields(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings with their node ids shared (:func:`shared_id`) and one string per distinct
    path: each rule builds its own (at 10k nodes 10,000 findings held 7,000 node-id and 6,600
    path strings for 5,800 and 5,200 distinct values, about 1.3 MiB an open app keeps)."""
    from console.tui.digest import canonical

    same = canonical()
    return tuple(
        Finding(f.rule, f.name, f.category, f.severity, shared_id(f.node) if f.node else f.node, same(f.path), f.line,
                f.message, f.hint, f.fingerprint)
        for f in findings
    )


def _shared_values(index: Any, names: Mapping[str, str]) -> Any:
    """``index`` (a SignalIndex) with its node ids shared (:func:`shared_id`), its display
    names the load's ``names``, and each latest result's invocation, time, command, status and
    message, each node's kind, layer, owner and file one object per distinct value (polars
    hands out one new object per row; about 2 MiB at 10k nodes for the results alone, and
    0.5 MiB for 9,500 "OK" messages)."""
    from console.triage.model import NodeRef, RunResult
    from console.tui.digest import canonical

    same = canonical()
    index.latest = {
        shared_id(uid): RunResult(same(r.invocation_id), same(r.at), same(r.command), same(r.status), r.execution_time, r.failures, same(r.message))
        for uid, r in index.latest.items()
    }
    def name(uid: str, own: str) -> str:
        shown = names.get(uid)
        return shown if shown == own else own

    index.refs = {
        shared_id(uid): NodeRef(shared_id(uid), name(uid, r.name), same(r.resource_type), same(r.layer), same(r.owner), same(r.path))
        for uid, r in index.refs.items()
    }
    index.signals = {shared_id(uid): v for uid, v in index.signals.items()}
    index.freshness = {shared_id(uid): v for uid, v in index.freshness.items()}
    index.attached = {shared_id(t): shared_id(a) for t, a in index.attached.items()}
    return index


#: Cached indexes and memos that do not depend on the findings (kept by ``with_findings``).
_FINDINGS_FREE = frozenset({
    "project", "names", "latest_run", "latest_results", "latest_status", "failed_nodes", "stale_sources",
    "digest.overview", "digest.freshness", "digest.run_rows", "checks.owners",
})


#: What an open app keeps on the Context after the rules ran: the frames and the shared
#: indexes. Rules leave scratch caches on it (node rows as dicts, per-rule indexes); an app kept
#: open all day drops them (measured: most of the app's memory at 10k nodes), and whoever needs
#: one again rebuilds it.
_CONTEXT_KEPT = frozenset({
    "frames", "now", "settings", "project", "runs", "freshness_runs", "result_history", "latest_run", "graph",
})


#: The frames the screens read once the rules have run (the digest, Lineage, Triage and
#: Layerinitis views); the others (column lists, SQL facts, catalog and warehouse snapshots,
#: query-log sums, last-mile skips) only the rules read, and the app keeps them as empty
#: frames of the same columns. Measured at 10k nodes: ``node_columns`` and ``sql_facts`` are
#: about a third of the store's frames.
SCREEN_TABLES = frozenset({
    "project", "nodes", "edges", "tests", "invocations", "node_results", "freshness_results",
    "lastmile_artifacts", "logic_facts",
})


def release_memory() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``; elsewhere a no-op).

    The rules leave many small Python objects behind (row dicts, indexes) that are freed
    after a load; without this an app kept open holds their pages (measured at 10k nodes:
    about 17 MiB of resident memory).
    """
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: libc's, without a library search
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows): nothing to trim
        return
    trim(0)


#: glibc's ``M_MMAP_THRESHOLD`` (``mallopt``'s parameter number) and the value :func:`steady_c_heap` sets.
_M_MMAP_THRESHOLD, _MMAP_FROM = -3, 128 * 1024


def steady_c_heap() -> None:
    """Keep the C heap's big blocks apart, so that freeing one gives its pages back (glibc
    ``mallopt(M_MMAP_THRESHOLD, 128 KiB)``; elsewhere a no-op; once per process is enough,
    again is harmless).

    glibc serves a block of 128 KiB or more with a mapping of its own, and gives it back when it
    is freed; but each such free raises that threshold to the freed size (up to 32 MiB), and the
    next big blocks (the frames' Arrow buffers from DuckDB, the rules' big lists) then come from
    the heap, where a freed one stays in the process while anything above it lives. An app kept
    open loads again and again: setting the threshold turns that adjustment off. Measured at 10k
    nodes (``bench_tui``'s fresh-process memory): about 10 MiB less resident, the store read's
    CPU time unchanged (0.28-0.44 s either way, four reads each in two processes each).
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: its own heap policy
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM)


def drop_module_caches() -> None:
    """Empty the memo caches (``functools.lru_cache``) the rules and the layerinitis ranking
    fill at module level: an expression's SQL without comments, whether a key states a rule, a
    type's one spelling.

    They hold thousands of small strings and entries made in the middle of the rules' many
    short-lived objects, and so keep CPython's small-object arenas from being given back once
    those are freed: at 10k nodes 1.8 MiB of entries kept 22 arenas (22 MiB) of an open app's
    memory (a load without them gives every arena back). The next load fills them again
    (a cache of one load's own values).
    """
    from console.layerinitis.duplicates import rule_worthy
    from console.layerinitis.items import without_comments
    from rules.warehouse.schema_drift import canonical_type

    for cache in (without_comments, rule_worthy, canonical_type):
        cache.cache_clear()


def _missing(ctx: Context, loc: Locations) -> tuple[str, ...]:
    """What the project lacks, as sentences for the screens."""
    out = []
    project = ctx.project
    if not ctx.frames["project"].height:
        return ("No store yet: the project is being collected for the first time.",)
    if project.get("origin") == "project":
        out.append(f"No dbt artifacts in {loc.artifacts}: the DAG comes from the project's files. Run `dbt build` for run history and checks.")
    if ctx.runs.is_empty():
        out.append("No run history: no run_results.json in target/ or the archive folders.")
    if ctx.freshness_runs.is_empty():
        out.append("No source freshness checks collected (`dbt source freshness` writes target/sources.json).")
    return tuple(out)


#: What the first paint reads (table -> columns): what the Overview and the status bar draw
#: (the project row, the runs and their counts by status, counts by layer and kind, stale
#: sources, what is missing) and nothing else: no JSON or code columns, no facts, no last
#: mile, no warehouse. Node columns for ``[project]`` exclusions (package, path) are kept so
#: the counts agree with the whole load's. The other tables come as empty frames.
FIRST_PAINT: dict[str, list[str] | None] = {
    "project": None,
    "nodes": ["unique_id", "resource_type", "name", "source_name", "layer", "package_name", "path"],
    "invocations": None,
    "node_results": ["invocation_id", "unique_id", "status"],
    "freshness_results": ["invocation_id", "unique_id", "status"],
}


def _context(loc: Locations, now: dt.datetime | None, tables: Mapping[str, list[str] | None] | None) -> Context:
    """The Context of the store (``tables``: only these, the rest empty; None: all of
    :data:`rules.context.CONTEXT_TABLES`), or empty frames when there is no store yet."""
    from rules.context import Context

    steady_c_heap()  # before the first big read (an open app's loads: see its docstring)
    settings = loc.config.settings()
    try:
        if tables is None:
            return Context.from_store(loc.store, now=now, settings=settings)
        from console.store import read_tables

        frames = empty_frames()
        frames.update(read_tables(loc.store, dict(tables)))
        if now is None:  # as Context.from_store: a project recorded at one moment is judged as of then
            now = settings.get("as_of")
        return Context(frames, settings=settings, **({"now": now} if now is not None else {}))
    except InputError as e:
        if "run `console collect` first" not in e.problem:
            raise
        return Context(empty_frames(), settings=settings, **({"now": now} if now is not None else {}))


def read_first_paint(loc: Locations, *, now: dt.datetime | None = None, generation: int = 0) -> AppData:
    """The narrowest read that draws the Overview (:data:`FIRST_PAINT`, one short shared-lock
    visit): an AppData with ``partial`` set, shown before :func:`read_app_data`'s whole load.

    Raises:
        InputError: as :func:`read_app_data`.
    """
    ctx = _context(loc, now, FIRST_PAINT)
    data = AppData(
        ctx=ctx, project_root=loc.project, store=loc.store, now=ctx.now, loaded_at=utc_now(),
        missing=_missing(ctx, loc), generation=generation, partial=True,
    )
    return data.warm()


def read_app_data(
    loc: Locations, *, now: dt.datetime | None = None, generation: int = 0, collect_note: str = ""
) -> AppData:
    """Read the store (one short shared-lock visit) into an AppData without findings yet.

    A missing store gives empty frames and a word in ``missing``; any other store problem
    raises.

    Args:
        loc: resolved locations (``console.cli.options.resolve_locations``).
        now: the time rules judge against (default: now).
        generation: the load's number (0 first).
        collect_note: the background collect's summary line, shown by the Overview.

    Raises:
        InputError: the store is not a store, is of another version, or the config is bad.
    """
    ctx = _context(loc, now, None)
    data = AppData(
        ctx=ctx, project_root=loc.project, store=loc.store, now=ctx.now, loaded_at=utc_now(),
        missing=_missing(ctx, loc), generation=generation, collect_note=collect_note, evaluated=not ctx.frames["project"].height,
    )
    return data.warm()


def evaluate_app_data(data: AppData, loc: Locations) -> AppData:
    """The rules over ``data``'s Context, exactly as ``console report`` runs them
    (``console/cli/report_cmd.py::_evaluate``): the same findings, in the same order."""
    from console.gc_pause import gc_paused
    from console.report.model import build_report, rule_infos
    from rules.engine import evaluate

    if data.evaluated:
        return data
    ctx, now = data.ctx, data.now
    with gc_paused():
        evaluation = evaluate(ctx, loc.config, today=now.date())
        report = build_report(
            ctx, evaluation.findings, rules=rule_infos(evaluation.rules_run), suppressed=evaluation.suppressed,
            expired=evaluation.expired, project_root=loc.project,
        )
    for key in [k for k in ctx.__dict__ if k not in _CONTEXT_KEPT]:  # the rules' scratch caches
        del ctx.__dict__[key]
    for name, frame in ctx.frames.items():
        if name not in SCREEN_TABLES and frame.height:
            ctx.frames[name] = frame.clear()
    findings, rules = _shared_fields(report.findings), {r.id: r for r in report.rules}
    del evaluation, report  # the report's other parts (summaries, ranking) are not shown here
    # The screens get a Context of their own (the same frames and kept indexes): caches the
    # rules keep beside the rules' Context, keyed by it (the structure rules' ``Scope``: every
    # node column as a dict, the lineage as dicts of lists, about 10 MiB at 10k nodes), go
    # with it.
    screens_ctx = copy.copy(ctx)
    del ctx
    drop_module_caches()
    if "graph" in screens_ctx.__dict__:  # (the rules built it)
        _shared_graph_ids(screens_ctx.graph)
    out = data.with_findings(findings, rules, ctx=screens_ctx).warm()
    release_memory()
    return out


def load_app_data(
    loc: Locations, *, now: dt.datetime | None = None, generation: int = 0, collect_note: str = ""
) -> AppData:
    """:func:`read_app_data` then :func:`evaluate_app_data`: one complete load."""
    return evaluate_app_data(read_app_data(loc, now=now, generation=generation, collect_note=collect_note), loc)


def news(old: AppData | None, new: AppData) -> list[str]:
    """What a refresh brought that deserves a notification: new failures, newly stale sources.

    Only compares loads of the same project; the first load (and its partial first paint)
    brings no news.
    """
    if old is None or not old.has_store or old.partial:
        return []
    out = []
    run_changed = (old.latest_run or {}).get("invocation_id") != (new.latest_run or {}).get("invocation_id")
    if run_changed:
        fresh = sorted(new.failed_nodes - old.failed_nodes)
        if fresh:
            shown = ", ".join(new.name(n) for n in fresh[:3]) + (f" and {len(fresh) - 3} more" if len(fresh) > 3 else "")
            out.append(f"New failure{'s' if len(fresh) > 1 else ''} in the latest run: {shown}.")
    stale = sorted(new.stale_sources - old.stale_sources)
    if stale:
        out.append(f"Newly stale source{'s' if len(stale) > 1 else ''}: {', '.join(new.name(s) for s in stale)}.")
    return out
