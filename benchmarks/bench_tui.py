"""Benchmark: the terminal UI (``console open``) on sample_project and on a collected 10k-node project.

Measures, with the Pilot (``App.run_test``) in one process:

* **first paint**: from creating the app to the Overview drawn with the store's data (the
  worker's narrow store visit included, ``console.tui.state.FIRST_PAINT``; the whole load and
  the rules follow, in the same worker), on
  sample_project (target 0.5 s) and on the generated project (target 1.5 s); also the first
  empty frame, the moment the findings are drawn, and the store visit plus rule evaluation
  alone (what ``console report --no-collect`` does before rendering) as the baseline the app's
  overhead is judged against; and a **cold start**: a new Python process (interpreter, imports,
  app, store visit) until the Overview is drawn, as a person starting ``console open`` waits;
* **key presses at N nodes** (target 100 ms each): the first visit to each screen (the app
  builds the screens it has not shown yet once the findings are in, ``ConsoleApp.build_ahead``;
  the keys start once that is done, and the time it took is printed; ``--no-build-ahead``
  measures first visits that compose their screen), screen switches, typing into the Checks and
  Freshness filters, cursor moves, the Runs view switch, and the Lineage screen's moves when it
  is there. Each key is timed three ways, from the press:

  - **frame** (the target, 100 ms): until the first frame the app writes after the key, the
    moment its answer is on screen. The app's ``_display`` (where Textual hands a frame to the
    terminal driver) is wrapped: each frame of the current screen is rendered to the
    terminal's escape sequences as a real driver would (the headless driver skips that) and
    then stamped. Textual draws a frame when its screen is idle, so the first frame after a
    key holds what handling the key changed. Beside it, the last frame written before the app
    settled: what follows the answer on purpose (the Checks fetch a finding's SQL once the
    cursor has rested 0.25 s, and show "loading the SQL..." meanwhile). Frames are the app's
    own: the Pilot's forced redraw after settling is not counted. The no-op key draws nothing;
  - **settled wall**: until the Pilot sees the app settled (``pilot.pause()``). The Pilot's
    settling has a floor of its own: ``press`` and ``pause`` wait for three 20 ms windows in
    which the process used under 1 ms of CPU, so every key costs at least about 60 ms of wall
    time after its answer, plus 20 ms per window its work spills into; the "no-op key" line (a
    key bound to nothing) measures that floor in the same run;
  - **CPU**: the process's CPU time over the same span (on a loaded machine the wall times
    mostly measure the other processes);
* **memory** (:func:`memory`): the resident memory the open app adds at N nodes, with its data
  and all it holds (Textual's widgets and line caches included), against the in-memory size
  (``estimated_size``) of the store's frames as ``console report`` loads them
  (``Context.from_store``; target at most 2x), and against the frames the app still holds once
  the rules ran (it empties those no screen reads). Measured in a **fresh process** of its own,
  three times (the median and the range are printed): the process imports the app and opens
  it once on sample_project (the modules, Textual's and pygments' one-time caches: what a
  person's process has before the data), reads its RSS, opens the app at N nodes, waits for
  every screen to be built ahead and every worker done, visits every screen as the key run
  does (the Checks and Freshness filters typed, the Runs' views, the Layerinitis, the Lineage
  walked, the Triage it opens on), and reads its RSS again. Both readings after
  ``gc.collect()`` and ``malloc_trim`` (``state.release_memory``); polars' jemalloc runs with
  ``dirty_decay_ms:0,muzzy_decay_ms:0`` (``_RJEM_MALLOC_CONF``), so the pages it freed are
  back at once instead of "within 10 s": an idle app never gets there otherwise (jemalloc
  decays on its own allocations; waiting 15 s changed nothing), and ``malloc_trim`` does
  not reach jemalloc. In one process after the timing runs (the method before) the figure
  swung by 20 MiB between runs: the earlier runs' free pages were reused unseen. Beside the
  figure, where the added pages are: CPython's small-object arenas (allocated and in use: the
  gap is fragmentation, arenas pinned by a few live objects) and the C heap in use
  (``mallinfo2``: the frames' buffers from DuckDB, big lists and dicts). ``--trace`` runs
  one more fresh process under tracemalloc and prints the top holders of the Python objects
  the app added, grouped by the first line of this repository on their allocation's stack;
* **live latency**: on a copy of sample_project, a new run_results.json written into target/
  until the open app shows it (target 3 s).

Absolute times drift with the machine and its load: each figure is printed with its target and
the ratio, and the load average. Run it twice before believing a number.

Usage::

    python benchmarks/bench_tui.py                       # 10,000 nodes in a temporary folder
    python benchmarks/bench_tui.py --nodes 2000 --keep /tmp/bench_tui
    python benchmarks/bench_tui.py --keep /tmp/bench_tui --memory-only [--trace]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

NOW = "2026-11-07T08:00:00"


def rss_mib() -> float:
    """This process's resident memory, MiB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _line(name: str, value: float, target: float, unit: str = "s") -> str:
    ratio = value / target if target else float("nan")
    flag = "" if value <= target else "   OVER TARGET"
    shown = f"{value * 1000:8.1f} ms" if unit == "ms" else f"{value:8.3f} s " if unit == "s" else f"{value:8.2f} {unit}"
    target_shown = f"{target * 1000:.0f} ms" if unit == "ms" else f"{target:g} {unit}"
    return f"  {name:<44} {shown}   target {target_shown:<8} ratio {ratio:5.2f}{flag}"


def _app(loc, **kw):
    import datetime as dt

    from console.tui.app import ConsoleApp

    return ConsoleApp(loc, now=dt.datetime.fromisoformat(NOW), collect=kw.pop("collect", False), live=kw.pop("live", False), **kw)


async def _until(pilot, cond, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.005)


async def first_paint(loc) -> tuple[float, float, float, float]:
    """Seconds from creating the app to: the first (empty) frame; the Overview drawn with the
    store's data (latest run, layers, history); the findings drawn too (rules evaluated); and
    the process's CPU seconds until that first paint.

    The paint is stamped by a callback the app runs right after the refresh that drew the first
    load (``call_after_refresh``), not when this loop next gets to look: once the Overview is
    drawn the worker reads the rest, and a look-up loop would wait for it."""
    from console.tui.messages import DataLoaded

    stamps: list[tuple[float, float]] = []

    def hook(message) -> None:
        if isinstance(message, DataLoaded) and not stamps:
            app.call_after_refresh(lambda: stamps.append((time.perf_counter(), time.process_time())))

    t0, c0 = time.perf_counter(), time.process_time()
    app = _app(loc)
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        frame = time.perf_counter() - t0
        await _until(pilot, lambda: bool(stamps))
        painted, painted_cpu = stamps[0][0] - t0, stamps[0][1] - c0
        await _until(pilot, lambda: app.data.evaluated)
        await pilot.pause()
        complete = time.perf_counter() - t0
    return frame, painted, complete, painted_cpu


_COLD = """
import asyncio, sys, time, datetime as dt
from pathlib import Path
from console.cli.options import resolve_locations
from console.tui.app import ConsoleApp

async def main():
    from console.tui.messages import DataLoaded

    loc = resolve_locations(Path(sys.argv[1]), store=Path(sys.argv[2]))
    app = ConsoleApp(loc, now=dt.datetime.fromisoformat(sys.argv[3]), collect=False, live=False)
    stamps = []

    def hook(message):  # stamped as first_paint() stamps it: right after the refresh that drew it
        if isinstance(message, DataLoaded) and not stamps:
            app.call_after_refresh(lambda: stamps.append((time.perf_counter(), time.process_time())))

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        while not stamps:
            await pilot.pause(0.005)
        print(*stamps[0], flush=True)

asyncio.run(main())
"""


def cold_start(loc) -> tuple[float, float]:
    """(wall, CPU) seconds from starting a new Python process to the Overview drawn with data
    (``perf_counter`` is the system's monotonic clock on Linux: the child's reading compares with
    ours; the process then closes the app without waiting for the rules)."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _COLD, str(loc.project), str(loc.store), NOW], cwd=ROOT,
                         check=True, capture_output=True, text=True)
    painted, cpu = (float(x) for x in out.stdout.split()[-2:])
    return painted - t0, cpu


def baseline(loc) -> float:
    """The store visit and the rule evaluation alone (no UI), seconds."""
    import datetime as dt

    from console.tui.state import load_app_data

    t0 = time.perf_counter()
    load_app_data(loc, now=dt.datetime.fromisoformat(NOW))
    return time.perf_counter() - t0


class FrameClock:
    """Stamps the frames the app writes (see "frame" in the module docstring).

    Wraps ``app._display``, the one place Textual hands a screen's frame to its driver; a
    frame of the current screen is rendered to the terminal's escape sequences there (what a
    terminal driver writes; the headless driver skips it) and then stamped with
    ``perf_counter``. Only while :attr:`on` is set: the Pilot's own forced redraw is left out.
    """

    def __init__(self, app) -> None:
        from textual._compositor import CompositorUpdate

        self.stamps: list[float] = []
        self.on = False
        display = app._display

        def stamped(screen, renderable) -> None:
            display(screen, renderable)
            if self.on and renderable is not None and screen is app.screen:
                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(app.console)
                self.stamps.append(time.perf_counter())

        app._display = stamped


async def keys(loc, build_ahead: bool = True) -> tuple[dict[str, dict[str, list[float]]], float]:
    """Per key kind, its presses' seconds: ``frame`` (the first frame after the key: its answer),
    ``last`` (the last frame before the app settled), ``wall`` (settled) and ``cpu``; and the
    seconds from the findings drawn until every screen is built and every worker done (the app
    is idle: when the keys start). The memory is read apart, in fresh processes (:func:`memory`)."""
    from textual._wait import wait_for_idle

    app = _app(loc)
    app.BUILD_AHEAD = build_ahead
    times: dict[str, dict[str, list[float]]] = {}
    titles = {key: name.title() for name, key, _ in app.screen_table}
    clock = FrameClock(app)

    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, lambda: app.data is not None and app.data.evaluated and not app._busy)
        t_in = time.perf_counter()
        await _until(pilot, lambda: (app.built or not build_ahead) and not len(app.workers))
        await pilot.pause()
        ready = time.perf_counter() - t_in

        async def press(kind: str, *ks: str) -> None:
            for k in ks:
                seen = len(clock.stamps)
                clock.on = True
                t0, c0 = time.perf_counter(), time.process_time()
                await pilot.press(k)
                await pilot._wait_for_screen()  # pilot.pause() without its forced redraw
                await wait_for_idle(0)
                wall, used = time.perf_counter() - t0, time.process_time() - c0
                clock.on = False
                await pilot.pause()
                drawn = clock.stamps[seen:]
                kind_times = times.setdefault(kind, {"frame": [], "last": [], "wall": [], "cpu": []})
                if drawn:
                    kind_times["frame"].append(drawn[0] - t0)
                    kind_times["last"].append(drawn[-1] - t0)
                kind_times["wall"].append(wall)
                kind_times["cpu"].append(used)

        for name in ("3", "4", "5", "1"):  # first visits (the app opens on Triage: the latest run failed)
            await press(f"first visit: {titles[name]}", name)
        for _ in range(3):
            await press("screen switch", "3", "4", "5", "1")
        await press("screen switch", "3")
        # a key nothing is bound to: the Pilot's own wait (press -> three 20 ms idle checks),
        # the floor under every figure below
        await press("no-op key (the Pilot's floor)", "f12", "f12", "f12", "f12")
        await press("cursor move (Checks)", *"jjjjjjjjkkkk", "G", "g")
        await pilot.press("slash")
        await press("filter typing (Checks)", *"model_", "backspace", "backspace")
        await pilot.press("escape", "escape")
        await press("severity cycle (Checks)", "s", "s", "s", "s")
        await press("screen switch", "4")
        await press("cursor move (Freshness)", *"jjjjjjkkk")
        await pilot.press("slash")
        await press("filter typing (Freshness)", *"stg_", "backspace")
        await pilot.press("escape", "escape")
        await press("screen switch", "5")
        await press("cursor move (Runs)", *"jjkk")  # (draws nothing when the project has one stored run)
        await press("view switch (Runs)", "n")
        await press("cursor move (Runs: nodes)", *"jjjjkkk", "G", "g")
        await press("view switch (Runs)", "n")
        if app.has_screen("layerinitis"):
            await press("first visit: Layerinitis", "6")
        await press("screen switch", "1")
        await press("triage: back to it", "t")  # (the node under the Overview's cursor)
        await pilot.press("r")  # the latest run's triage: 1,600 lines at 10k nodes
        await _until(pilot, lambda: not len(app.workers))
        await pilot.pause()
        await press("triage: scroll", "space", "space", "space", "b", "G", "g")
        if app.has_screen("lineage"):
            await press("first visit: Lineage", "2")
            await press("lineage moves", "down", "down", "right", "left", "up", "l", "h")
            await press("screen switch", "1", "2")
        await pilot.pause()
    return times, ready


def store_frames_mib(loc) -> float:
    """The in-memory size of the store's frames as ``console report`` loads them, MiB."""
    from rules.context import Context

    ctx = Context.from_store(loc.store, settings=loc.config.settings())
    return sum(f.estimated_size() for f in ctx.frames.values()) / 2**20


def heap_mib() -> dict[str, float]:
    """Where this process's heap is, MiB: CPython's small-object arenas (``arenas``, 1 MiB
    each, and ``arena_used``, the bytes of live objects in them; from
    ``sys._debugmallocstats``) and the C heap in use (``c_heap``: glibc's ``mallinfo2``,
    allocated chunks plus mmapped ones). NaN where not available."""
    import ctypes
    import re

    out = {"arenas": float("nan"), "arena_used": float("nan"), "c_heap": float("nan")}
    with tempfile.TemporaryFile() as tmp:  # _debugmallocstats writes to the C stderr
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode(errors="replace")
    arenas = re.search(r"arenas allocated current\s*=\s*([\d,]+)", text)
    used = re.search(r"bytes in allocated blocks\s*=\s*([\d,]+)", text)
    if arenas and used:
        out["arenas"] = float(arenas.group(1).replace(",", ""))
        out["arena_used"] = int(used.group(1).replace(",", "")) / 2**20

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError):  # not glibc 2.33+
        return out
    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    out["c_heap"] = (info.uordblks + info.hblkhd) / 2**20
    return out


async def walk_every_screen(app, pilot, timeout: float = 120.0) -> None:
    """Visit every screen as the key run does (see :func:`keys`), without timing: the app
    then holds what a person's session holds after looking everywhere once."""
    await _until(pilot, lambda: app.data is not None and app.data.evaluated and not app._busy, timeout)
    await _until(pilot, lambda: (app.built or not app.BUILD_AHEAD) and not len(app.workers), timeout)
    await pilot.pause()
    for key in ("3", "4", "5", "1"):
        await pilot.press(key)
        await pilot.pause()
    await pilot.press("3", *"jjjkk", "slash", *"model_", "backspace", "escape", "escape", "s", "s", "s", "s")
    await pilot.press("4", *"jjk", "slash", *"stg_", "backspace", "escape", "escape")
    await pilot.press("5", "j", "n", "j", "n")
    if app.has_screen("layerinitis"):
        await pilot.press("6", "j")
    if app.has_screen("lineage"):
        await pilot.press("2", "down", "down", "right", "left", "up", "l", "h")
    await pilot.press("1")
    await _until(pilot, lambda: not len(app.workers), timeout)
    await pilot.pause()


async def memory_child(project: Path, store: Path | None, trace: bool) -> dict:
    """The fresh process's side of :func:`memory` (see the module docstring): a JSON-able dict
    of the readings, MiB (``top``: the tracemalloc holders, with ``trace``)."""
    import gc

    from console.cli.options import resolve_locations
    from console.tui.state import release_memory

    sample = resolve_locations(ROOT / "sample_project", **({"store": store} if store else {}))
    await first_paint(sample)  # the imports and Textual's one-time caches, as a person's process has them
    big = resolve_locations(project)
    gc.collect()
    release_memory()
    if trace:
        import tracemalloc

        from textual.pilot import Pilot

        wait = Pilot._wait_for_screen

        async def patient(self, timeout: float = 600.0) -> bool:  # tracing slows the app tenfold
            return await wait(self, timeout)

        Pilot._wait_for_screen = patient
        tracemalloc.start(10)
        start = tracemalloc.take_snapshot()
    heap0, before = heap_mib(), rss_mib()
    app = _app(big)
    async with app.run_test(size=(160, 48)) as pilot:
        await walk_every_screen(app, pilot, 1200.0 if trace else 120.0)
        gc.collect()
        release_memory()
        after, heap1 = rss_mib(), heap_mib()
        held = sum(f.estimated_size() for f in app.data.ctx.frames.values()) / 2**20
        out = {"added": after - before, "held": held, **{k: heap1[k] - heap0[k] for k in heap0}}
        if trace:
            out["top"] = _holders(tracemalloc.take_snapshot(), start)
    return out


def _holders(snapshot, start, n: int = 15) -> list[tuple[str, float, float]]:
    """``(place, MiB, share)`` of the ``n`` biggest holders of what ``snapshot`` added to
    ``start``, each grouped by the innermost line of this repository on its stack (a library's
    own allocations under the library's file)."""
    import tracemalloc

    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    places: dict[str, float] = {}
    root = str(ROOT) + os.sep
    for stat in snapshot.compare_to(start, "traceback"):
        place = None
        for frame in reversed(stat.traceback):  # (tracemalloc lists the oldest call first)
            name = frame.filename
            if name.startswith(root) and os.sep + ".venv" + os.sep not in name and os.sep + "benchmarks" + os.sep not in name:
                place = f"{name[len(root):]}:{frame.lineno}"
                break
        if place is None:
            place = stat.traceback[-1].filename.rsplit("site-packages" + os.sep, 1)[-1] + " (library)"
        places[place] = places.get(place, 0.0) + stat.size_diff / 2**20
    total = sum(places.values())
    top = sorted(places.items(), key=lambda kv: -kv[1])[:n]
    return [("(total)", total, 1.0)] + [(place, mib, mib / total if total else 0.0) for place, mib in top]


_MEMORY = """
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import bench_tui
store = Path(sys.argv[3]) if sys.argv[3] else None
print(json.dumps(asyncio.run(bench_tui.memory_child(Path(sys.argv[2]), store, sys.argv[4] == "trace"))), flush=True)
"""


def memory(project: Path, sample_store: Path | None, *, runs: int = 3, trace: bool = False) -> list[dict]:
    """The open app's memory at ``project``'s size, each run in a fresh process (see the
    module docstring); one more run under tracemalloc with ``trace``."""
    env = {**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}
    out = []
    for traced in [False] * runs + [True] * trace:
        for attempt in (1, 2):  # a run that fails is said and made once more
            done = subprocess.run(
                [sys.executable, "-c", _MEMORY, str(ROOT / "benchmarks"), str(project), str(sample_store or ""),
                 "trace" if traced else ""], cwd=ROOT, capture_output=True, text=True, env=env)
            if done.returncode == 0:
                out.append(json.loads(done.stdout.splitlines()[-1]))
                break
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            print(f"  (a memory run failed, attempt {attempt}: {last})", file=sys.stderr)
        else:
            raise RuntimeError(f"the memory run failed twice: {last}")
    return out


def print_memory(readings: list[dict], frames: float, nodes: int) -> None:
    """The memory lines: median and range over the fresh-process runs, and the traced holders."""
    plain = [r for r in readings if "top" not in r]
    added = [r["added"] for r in plain]
    mid = statistics.median(added)
    held = statistics.median(r["held"] for r in plain)
    print(f"\nmemory at {nodes} nodes (a fresh process each, {len(plain)} runs; see the module docstring):")
    print(f"  the open app added {mid:.0f} MiB resident (median; range {min(added):.0f}-{max(added):.0f} MiB); the store's "
          f"frames (as a report loads them) take {frames:.0f} MiB, of which the app holds {held:.0f} MiB")
    print(_line("app memory / the store's frames (median)", mid / frames if frames else float("nan"), 2.0, "x"))
    print(f"    range {min(added) / frames:.2f}x-{max(added) / frames:.2f}x; app memory / the frames it holds: "
          f"{mid / held if held else float('nan'):.2f}x")
    arenas = statistics.median(r["arenas"] for r in plain)
    used = statistics.median(r["arena_used"] for r in plain)
    c_heap = statistics.median(r["c_heap"] for r in plain)
    print(f"    where (medians, added): CPython's small-object arenas {arenas:.0f} MiB ({used:.0f} MiB of live objects in "
          f"them, {arenas - used:.0f} MiB held by fragmentation), the C heap in use {c_heap:.0f} MiB")
    for r in readings:
        if "top" in r:
            print(f"  tracemalloc (one more run): the Python objects the app added, by the place that allocated them "
                  f"(run added {r['added']:.0f} MiB under tracing):")
            for place, mib, share in r["top"]:
                print(f"    {mib:7.2f} MiB {share:6.1%}  {place}")


async def live_latency(project: Path) -> tuple[float, float]:
    """(seconds from the end of a new run_results.json written in two chunks to the app showing
    it, seconds of one collect and refresh with nothing new) on a copy of sample_project."""
    from console.cli.options import resolve_locations

    loc = resolve_locations(project)
    app = _app(loc, collect=True, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: app.data is not None and app.data.has_store and not app._busy and app._again is None)
        t0 = time.perf_counter()
        app.start_refresh(collect=True)
        await pilot.pause()
        await _until(pilot, lambda: not app._busy)
        idle = time.perf_counter() - t0
        doc = json.loads((project / "archive/2026-11-06T07-00-00_build/run_results.json").read_text())
        doc["metadata"]["invocation_id"] = "bench-live-run"
        doc["metadata"]["generated_at"] = "2026-11-08T07:00:04.000000Z"
        payload = json.dumps(doc, indent=2).encode()
        with open(project / "target/run_results.json", "wb") as f:
            f.write(payload[: len(payload) // 2])
            f.flush()
            await asyncio.sleep(0.5)
            f.write(payload[len(payload) // 2:])
        t0 = time.perf_counter()
        await _until(pilot, lambda: (app.data.latest_run or {}).get("invocation_id") == "bench-live-run", timeout=60)
        return time.perf_counter() - t0, idle


def _ms(values: list[float]) -> str:
    """``median/worst`` in ms, or that there was no frame."""
    if not values:
        return "no frame"
    return f"{statistics.median(values) * 1000:.0f}/{max(values) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the project here and keep it (default: a temporary folder)")
    parser.add_argument("--no-build-ahead", action="store_true", help="first visits compose their screens (as before build_ahead)")
    parser.add_argument("--memory-only", action="store_true", help="only the memory (fresh processes), no timing")
    parser.add_argument("--trace", action="store_true", help="and the top holders of the Python objects (tracemalloc)")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", "console", "collectors", "rules"], check=True, cwd=ROOT)

    import synthetic

    from console.cli.options import resolve_locations

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample_store = tmp / "sample" / "store.duckdb"
        subprocess.run([sys.executable, "-m", "console", "collect", "sample_project", "--store", str(sample_store)],
                       check=True, cwd=ROOT, capture_output=True)
        project = args.keep or tmp / "project"
        if not (project / "target" / "manifest.json").exists():
            print(f"generating a {args.nodes}-node project in {project} ...", file=sys.stderr)
            synthetic.generate(project, args.nodes)
        if not (project / ".console" / "store.duckdb").exists():
            print("collecting it (once) ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "console", "collect", str(project)], check=True, cwd=ROOT)
        sample = resolve_locations(ROOT / "sample_project", store=sample_store)
        big = resolve_locations(project)
        if args.memory_only:
            print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print_memory(memory(project, sample_store, trace=args.trace), store_frames_mib(big), args.nodes)
            return
        asyncio.run(first_paint(sample))  # warm the imports and the caches of textual once

        print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("\nfirst paint (app created -> Overview drawn with data):")
        for label, loc, target in (("sample_project", sample, 0.5), (f"{args.nodes} nodes", big, 1.5)):
            base = baseline(loc)
            frame, painted, complete, painted_cpu = asyncio.run(first_paint(loc))
            print(_line(f"{label}: first paint (the store's data)", painted, target))
            print(_line("    CPU time until then", painted_cpu, target))
            print(f"    first empty frame {frame:.3f} s; findings drawn at {complete:.3f} s; store visit + rules "
                  f"alone (console report's work) {base:.3f} s: complete/baseline {complete / base:.2f}")
            cold, cold_cpu = cold_start(loc)
            print(f"    cold start (a new process: interpreter, imports, app) to the first paint: {cold:.3f} s wall, "
                  f"{cold_cpu:.3f} s CPU")

        times, ready = asyncio.run(keys(big, build_ahead=not args.no_build_ahead))
        built = "every screen built and every worker done" if not args.no_build_ahead else "every worker done (no build ahead)"
        print(f"\nfindings drawn -> {built}: {ready:.3f} s (the keys start then)")
        print(f"\nkey presses at {args.nodes} nodes: press -> the first frame written after it (the answer on screen; the")
        print("  target), median and worst; beside it (median/worst) the last frame before the app settled, the Pilot's")
        print("  settled wall time (its floor: the no-op key) and the process's CPU time over the same span:")
        for kind, t in times.items():
            if t["frame"]:
                print(_line(f"{kind} ({len(t['wall'])}x) frame median", statistics.median(t["frame"]), 0.1, "ms"))
                print(_line("    frame worst", max(t["frame"]), 0.1, "ms"))
            else:
                print(f"  {kind} ({len(t['wall'])}x): no frame drawn")
            print(f"    last frame {_ms(t['last'])} · settled wall {_ms(t['wall'])} · CPU {_ms(t['cpu'])}")

        print_memory(memory(project, sample_store, trace=args.trace), store_frames_mib(big), args.nodes)

        copy = tmp / "live" / "sample_project"
        shutil.copytree(ROOT / "sample_project", copy, ignore=shutil.ignore_patterns(".console", "__pycache__", "logs"))
        latency, idle = asyncio.run(live_latency(copy))
        print("\nlive (sample_project copy):")
        print(_line("new run_results.json -> shown", latency, 3.0))
        print(f"    one collect + refresh with nothing new: {idle:.3f} s")


if __name__ == "__main__":
    main()
