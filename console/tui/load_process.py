"""A load in a process of its own: read the store, run the rules, prepare the screens' views;
the open app receives the result, part by part.

Why a process
    An app is kept open all day, and every load used to run in its own worker thread. A load at
    10k nodes allocates far more than it keeps (the rules' scratch indexes, row dicts, the
    screens' views' intermediate rows), interleaved with what it keeps; CPython's small-object
    arenas are returned to the system only once empty, so the short-lived objects' arenas
    stayed pinned by the long-lived ones. Measured in a fresh process at 10k nodes
    (``benchmarks/bench_tui.py``, its memory lines): the open app added 117 MiB with its
    loads in its own threads (80 arenas of 1 MiB for 39 MiB of live objects), 80 MiB with
    them in a process of their own (40 arenas, 39 MiB live). The rules' seconds of Python also
    stop sharing the interpreter (and its GIL) with the UI thread.

How
    * a new interpreter (``subprocess``, not ``multiprocessing``: the app runs threads, so a
      fork could inherit a lock held forever, and multiprocessing's ``spawn`` runs the
      parent's main script again in the child and hands its resource tracker
      ``sys.stderr.fileno()``, which is -1 inside a Textual app); the arguments go pickled
      to its standard input, the answer comes back on its standard output, and whatever
      else it prints goes to ``/dev/null`` (the terminal is the app's);
    * the child imports what a load runs as soon as it starts; a collect (the background one
      on opening, each live one) runs meanwhile in the app's load worker, as before (it reads
      files and writes the store under its lock; started in the process it would come after
      the process's imports: a live refresh measured 3.9 s on sample_project that way, against
      the 3 s target), and its summary line goes to the child with the arguments;
    * the child runs :func:`~console.tui.state.load_app_data` (the store read and the rules,
      exactly as the app's worker ran them) and :func:`_views` (the Lineage's index, the
      Layerinitis ranking, the Triage's signals and readers, under the memo keys the screens
      ask for), then writes the result with one :class:`pickle.Pickler` as several pickles
      (:func:`to_parts`): the pickler's memo is shared across them, so a string the parts
      share (a node id) arrives as one object, as :func:`~console.tui.state.shared_id` made it;
    * the parent (the app's load worker) reads them with one :class:`pickle.Unpickler`, one
      part at a time, yielding the interpreter between parts (one call holds the GIL for its
      whole length);
    * an :class:`~console.errors.InputError` (of the collect, or of the store read in the
      child) reaches the app as one, with its ``stage`` (the live retries depend on it); any
      other failure as :class:`LoadFailed` with the child's traceback; a child that dies
      (killed, out of memory) as :class:`LoadFailed` too;
    * the worker is cancelled (the app closes, a newer load): the child is killed.

What is not sent: the Triage's extra tables (``AppData.extras``: a lazy reader of the store),
read again by whichever screen asks, in one short store visit.
"""

from __future__ import annotations

import copyreg
import datetime as dt
import io
import os
import pickle
import select
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from console.errors import InputError, StoreBusyError
from console.gc_pause import gc_paused

if TYPE_CHECKING:
    from console.cli.options import Locations
    from console.tui.state import AppData

#: Memo entries of an AppData that are not sent (they hold functions: read again in the app).
NOT_SENT = frozenset({"triage.extras"})
#: AppData attributes that are per-process (locks), never sent.
LOCAL = frozenset({"_memo_locks"})
#: AppData and Context attributes not sent: whole-table frames derived from the frames sent,
#: which the screens' views read in the child (the app asks :meth:`rules.context.Context.history_of`
#: per node, and a cached property rebuilds either if anything else asks). A pickled frame
#: shares no buffer with the frame it was derived from: each would be a copy (at 10k nodes
#: 1.8 and 1.7 MiB).
DERIVED = frozenset({"latest_results", "result_history"})
#: The columns of the frames sent that the app reads once the views are built (the Triage's
#: root causes, blast radius and production set, the status bar, the Checks' and Runs'
#: details, a node's file); the rest (the nodes' fqn, checksum, description, config, the
#: results' adapter responses) only the rules and the views read, here. ``config`` and
#: ``meta`` are kept for exposures alone (what the production set reads): at 10k nodes the
#: nodes' config is 3 of the nodes' 6.4 MiB.
SENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "nodes": (
        "unique_id", "resource_type", "name", "package_name", "path", "database", "schema", "alias", "identifier",
        "relation_name", "materialized", "owner", "tags", "meta", "config", "layer", "source_name", "exposure_type",
        "maturity",
    ),
    "node_results": (
        "invocation_id", "unique_id", "status", "execution_time", "started_at", "completed_at", "failures", "message",
        "rows_affected",
    ),
}
#: Frames sent empty (their columns, no rows): the graph and the Triage's signals are built
#: from them here, and sent; the app reads neither (1.1 and 0.6 MiB at 10k nodes).
SENT_EMPTY = ("edges", "tests")
#: Columns of ``nodes`` sent for exposures only (null on every other node).
EXPOSURES_ONLY = ("meta", "config")
#: How often the parent looks at a cancelled worker while the child works, seconds.
POLL_S = 0.05


class LoadFailed(Exception):
    """The load's process failed on something other than the input: the message is the
    error's last line, :attr:`trace` the child's whole traceback (empty if it died)."""

    def __init__(self, message: str, trace: str = "") -> None:
        super().__init__(message)
        self.trace = trace


def sent_frames(frames: dict[str, Any]) -> dict[str, Any]:
    """The frames as sent: :data:`SENT_COLUMNS` of the tables it names (see there), the
    :data:`SENT_EMPTY` ones empty, the others whole.

    Example:
        >>> import polars as pl
        >>> nodes = pl.DataFrame({"unique_id": ["model.p.a", "exposure.p.e"], "resource_type": ["model", "exposure"],
        ...                       "config": ['{"x": 1}', '{"y": 2}'], "fqn": [["p", "a"], ["p", "e"]]})
        >>> out = sent_frames({"nodes": nodes})["nodes"]
        >>> out.columns, out["config"].to_list()
        (['unique_id', 'resource_type', 'config'], [None, '{"y": 2}'])
    """
    import polars as pl

    out = dict(frames)
    for name in SENT_EMPTY:
        if name in out:
            out[name] = out[name].clear()
    for name, columns in SENT_COLUMNS.items():
        frame = out.get(name)
        if frame is None:
            continue
        kept = [c for c in columns if c in frame.columns]
        exposure = pl.col("resource_type") == "exposure"
        out[name] = frame.select(
            pl.when(exposure).then(pl.col(c)).otherwise(None).alias(c) if name == "nodes" and c in EXPOSURES_ONLY else pl.col(c)
            for c in kept
        )
    return out


def to_parts(data: AppData) -> list[tuple[str, Any]]:
    """``data`` as (name, value) parts, each pickled apart by one pickler (see the module
    docstring): the frames as :func:`sent_frames` gives them, without the :data:`DERIVED` ones."""
    import copy

    ctx = copy.copy(data.ctx)
    ctx.frames = sent_frames(ctx.frames)
    for name in DERIVED:
        ctx.__dict__.pop(name, None)
    state = {k: v for k, v in data.__dict__.items() if k not in LOCAL and k not in DERIVED and k not in ("_memo", "ctx")}
    memo = data.__dict__.get("_memo", {})
    parts: list[tuple[str, Any]] = [("ctx", ctx), ("findings", state.pop("findings")), ("state", state)]
    parts += [(f"memo:{k}", v) for k, v in memo.items() if k not in NOT_SENT]
    return parts


def from_parts(parts: list[tuple[str, Any]]) -> AppData:
    """The AppData :func:`to_parts` took apart."""
    from console.tui.state import AppData

    data = object.__new__(AppData)
    memo = {}
    for name, value in parts:
        if name.startswith("memo:"):
            memo[name[5:]] = value
        elif name == "state":
            data.__dict__.update(value)
        else:
            data.__dict__[name] = value
    data.__dict__["_memo"] = memo
    return data


def _views(data: AppData) -> None:
    """What the screens' own workers would compute in the app, once per load, computed here
    instead (each under the memo key the screen asks for: the screen then finds it done)."""
    if not (data.has_store and data.evaluated):
        return
    from console.tui.hotspots_view import ranked_view
    from console.tui.lineage_layout import load_index

    load_index(data)
    ranked_view(data)


def read_only(mapping: dict) -> MappingProxyType:
    """A read-only view of ``mapping`` (how a pickled ``MappingProxyType`` is made again)."""
    return MappingProxyType(mapping)


def _pickler(buffer: io.BytesIO) -> pickle.Pickler:
    """The child's one pickler: the highest protocol, and read-only mappings (the hotspots'
    weights) pickled as what they view."""
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda m: (read_only, (dict(m),))}
    return pickler


#: What a load imports (lazily, where it is used), imported by the child as soon as it starts.
_PRELOAD = (
    "console.cli.options", "console.tui.state", "console.tui.hotspots_view", "console.tui.lineage_layout",
    "rules.engine", "console.report.model", "console.triage.signals", "console.triage.readers", "console.layerinitis",
)

#: The child's start: the parent's import path first, then :func:`main`.
_BOOT = "import pickle, sys; sys.path[:0] = pickle.load(sys.stdin.buffer); from console.tui.load_process import main; main()"


def main() -> None:
    """The load's process (see the module docstring): imports what a load runs, then reads
    ``(loc, now, generation, collect_note)`` pickled from its standard input (after the import
    path, read by ``_BOOT``); writes to its standard output one pickle, ``("ok", part names)``,
    ``("input", stage, path, problem, class name)`` or ``("error", traceback)``, then, after
    "ok", the parts, pickled by the same pickler."""
    out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # what anything here prints is not the answer
    os.dup2(devnull, 2)
    import importlib

    for name in _PRELOAD:  # while the app collects: the arguments come after its collect
        importlib.import_module(name)
    from console.tui.state import load_app_data

    loc, now, generation, note = pickle.load(sys.stdin.buffer)
    buffer = io.BytesIO()
    pickler = _pickler(buffer)
    try:
        data = load_app_data(loc, now=now, generation=generation, collect_note=note)
        _views(data)
        parts = to_parts(data)
        pickler.dump(("ok", [name for name, _ in parts]))
        for _, value in parts:
            pickler.dump(value)
    except InputError as e:
        buffer = io.BytesIO()
        pickle.dump(("input", "load", e.path, e.problem, type(e).__name__), buffer)
    except BaseException:  # noqa: BLE001 (everything reaches the app, as a worker's error did)
        buffer = io.BytesIO()
        pickle.dump(("error", traceback.format_exc()), buffer)
    out.write(buffer.getbuffer())
    out.close()


def run_collect_first(collect_first: Callable[[], str]) -> str:
    """``collect_first()``, its :class:`~console.errors.InputError` marked as the collect's
    (``stage = "collect"``: the app says "Could not collect" and retries live ones)."""
    try:
        return collect_first()
    except InputError as e:
        e.stage = "collect"  # type: ignore[attr-defined]
        raise


def load(
    loc: Locations, *, now: dt.datetime | None, generation: int, cancelled: Callable[[], bool],
    collect_first: Callable[[], str] | None = None,
) -> AppData | None:
    """Load and evaluate in a process of its own (after ``collect_first()``, run here while
    the process starts: its answer is the load's ``collect_note``); the evaluated AppData, or
    None when ``cancelled()`` turned true meanwhile (the process is killed then).

    Raises:
        InputError: the collect or the store read rejected the input; its ``stage`` says
            which (``"collect"`` or ``"load"``).
        LoadFailed: anything else went wrong in the process, or it died.
    """
    paths = [p for p in sys.path if isinstance(p, str) and p]
    process = subprocess.Popen(
        [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    received = bytearray()
    try:
        assert process.stdin is not None and process.stdout is not None
        try:
            with process.stdin:
                pickle.dump(paths, process.stdin)
                process.stdin.flush()  # it imports the load's modules meanwhile
                try:
                    note = run_collect_first(collect_first) if collect_first is not None else ""
                except InputError:
                    process.kill()
                    raise
                pickle.dump((loc, now, generation, note), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:  # it died before it read its arguments: no answer, said below
            pass
        fd = process.stdout.fileno()
        while True:
            if cancelled():
                return None
            ready, _, _ = select.select([fd], [], [], POLL_S)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                received += chunk
    finally:
        if process.poll() is None and (cancelled() or not received):
            process.kill()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    if not received:
        raise LoadFailed(f"the load's process ended without an answer (exit code {process.returncode})")
    unpickler = pickle.Unpickler(io.BytesIO(received))
    answer = unpickler.load()
    kind = answer[0]
    if kind == "input":
        _, stage, path, problem, cls = answer
        error = (StoreBusyError if cls == StoreBusyError.__name__ else InputError)(path, problem)
        error.stage = stage  # type: ignore[attr-defined]  ("collect" or "load")
        raise error
    if kind == "error":
        trace = answer[1]
        raise LoadFailed(trace.strip().splitlines()[-1] if trace.strip() else "the load failed", trace)
    _, names = answer
    parts = []
    for name in names:
        with gc_paused():  # (a collection per thousand objects unpickled would find no garbage)
            parts.append((name, unpickler.load()))
        time.sleep(0)  # the UI thread's turn between parts
        if cancelled():
            return None
    del received
    return from_parts(parts)
