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
* **memory**: the process's resident memory added by the open app with its data (after
  visiting every screen; both readings after a full collection and ``malloc_trim``: without
  it the earlier runs' free pages, kept by the C heap, were reused unseen and the figure
  swung from 0.1x to 4x between runs), against the in-memory size (``estimated_size``) of the store's frames
  as ``console report`` loads them (``Context.from_store``; target at most 2x), and against the
  frames the app still holds once the rules ran (it empties those no screen reads);
* **live latency**: on a copy of sample_project, a new run_results.json written into target/
  until the open app shows it (target 3 s).

Absolute times drift with the machine and its load: each figure is printed with its target and
the ratio, and the load average. Run it twice before believing a number.

Usage::

    python benchmarks/bench_tui.py                       # 10,000 nodes in a temporary folder
    python benchmarks/bench_tui.py --nodes 2000 --keep /tmp/bench_tui
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


async def keys(loc, build_ahead: bool = True) -> tuple[dict[str, dict[str, list[float]]], float, float, float]:
    """Per key kind, its presses' seconds: ``frame`` (the first frame after the key: its answer),
    ``last`` (the last frame before the app settled), ``wall`` (settled) and ``cpu``; the memory (MiB) the open app added, and its
    frames' size; the seconds from the findings drawn until every screen is built and every
    worker done (the app is idle: when the keys start)."""
    import gc

    from textual._wait import wait_for_idle

    from console.tui.state import release_memory

    gc.collect()
    release_memory()  # free pages the earlier runs left in the C heap would otherwise be reused unseen
    before = rss_mib()
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
        if app.has_screen("lineage"):
            await press("first visit: Lineage", "2")
            await press("lineage moves", "down", "down", "right", "left", "up", "l", "h")
            await press("screen switch", "1", "2")
        await pilot.pause()
        gc.collect()
        release_memory()
        after = rss_mib()
        held = sum(f.estimated_size() for f in app.data.ctx.frames.values()) / 2**20
    return times, after - before, held, ready


def store_frames_mib(loc) -> float:
    """The in-memory size of the store's frames as ``console report`` loads them, MiB."""
    from rules.context import Context

    ctx = Context.from_store(loc.store, settings=loc.config.settings())
    return sum(f.estimated_size() for f in ctx.frames.values()) / 2**20


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

        times, added, held, ready = asyncio.run(keys(big, build_ahead=not args.no_build_ahead))
        frames = store_frames_mib(big)
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

        print(f"\nmemory at {args.nodes} nodes:")
        print(f"  the open app added {added:.0f} MiB resident; the store's frames (as a report loads them) take "
              f"{frames:.0f} MiB, of which the app holds {held:.0f} MiB")
        print(_line("app memory / the store's frames", added / frames if frames else float("nan"), 2.0, "x"))
        print(f"    app memory / the frames it holds: {added / held if held else float('nan'):.2f}x")

        copy = tmp / "live" / "sample_project"
        shutil.copytree(ROOT / "sample_project", copy, ignore=shutil.ignore_patterns(".console", "__pycache__", "logs"))
        latency, idle = asyncio.run(live_latency(copy))
        print("\nlive (sample_project copy):")
        print(_line("new run_results.json -> shown", latency, 3.0))
        print(f"    one collect + refresh with nothing new: {idle:.3f} s")


if __name__ == "__main__":
    main()
