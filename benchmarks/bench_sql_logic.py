"""Benchmark: logic facts (collectors.sql_logic) for N generated dbt models, against SQL facts.

The models are those of ``bench_sql_facts.py`` (same generator, same seed). Measured in one
run, on the default pool (one worker per core):

* SQL facts, cold: :func:`collectors.sql_facts.compute_facts` (the baseline; target 15 s for
  10,000 models on 2 cores);
* logic facts, cold: :func:`collectors.sql_logic.analyse_many`, parsing every model again;
* both from one parse: :func:`collectors.sql_logic.facts_and_logic_many` (what a collect runs
  when both caches miss);
* logic facts, warm through a real store: hashes, the ``logic_cache`` lookup, the frame.

The ratios to the SQL-facts baseline are what to compare: the logic phase should add at most a
comparable cost, and sharing the parse should make both together cheaper than the two apart.

Usage::

    python benchmarks/bench_sql_logic.py            # 10,000 models
    python benchmarks/bench_sql_logic.py --n 1000   # a quick check
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sql_facts import _timed, generate  # noqa: E402

from collectors.sql_facts import compiled_build, compute_facts  # noqa: E402
from collectors.sql_logic import LogicInput, analyse_many, content_hash, facts_and_logic_many  # noqa: E402
from console.gc_pause import gc_paused  # noqa: E402


def _warm_through_store(items: list[LogicInput], new_cache) -> float:
    from console.store import cached_logic
    from console.store.store import open_writer

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.duckdb"
        with open_writer(store, Path(tmp)) as writer:
            writer.upsert("logic_cache", new_cache)
        t0 = time.perf_counter()
        hashes = [content_hash(i.sql, i.dialect) for i in items]
        with gc_paused():
            cached = cached_logic(store, hashes)
        frame, new = analyse_many(items, cached, hashes=hashes)
        elapsed = time.perf_counter() - t0
    assert new.height == 0 and frame.height == len(items)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of models (default 10000)")
    parser.add_argument("--dialect", default="duckdb")
    args = parser.parse_args(argv)

    inputs = generate(args.n)
    items = [LogicInput(i.unique_id, "model", i.sql, args.dialect) for i in inputs]
    print(f"compiled sqlglot: {compiled_build()}; cores: {os.cpu_count()}; load {os.getloadavg()[0]:.1f}")

    (facts, _), t_facts, c_facts = _timed(lambda: compute_facts(inputs, args.dialect, {}))
    (logic, new_cache), t_logic, c_logic = _timed(lambda: analyse_many(items, {}))
    (both, t_both, c_both) = _timed(lambda: facts_and_logic_many(inputs, args.dialect, {}, {}))
    (facts2, _), (logic2, _) = both
    assert facts2.equals(facts) and logic2.equals(logic), "one parse must give the same facts as two"
    t_warm = _warm_through_store(items, new_cache)
    business = logic.filter(logic["classification"] == "business").height
    unparsed = logic.filter(logic["classification"] == "unparsed").height

    n, scale = args.n, 10_000 / args.n
    print(f"{n} models: {business} business, {n - business - unparsed} pass-through, {unparsed} unparsed")
    print(f"SQL facts, cold (baseline):   {t_facts:7.2f} s wall, {c_facts:6.2f} s CPU")
    print(f"logic facts, cold:            {t_logic:7.2f} s wall, {c_logic:6.2f} s CPU   ratio to baseline {t_logic / t_facts:.2f}")
    print(f"both from one parse, cold:    {t_both:7.2f} s wall, {c_both:6.2f} s CPU   ratio to baseline {t_both / t_facts:.2f}")
    print(f"  two parses would take:      {t_facts + t_logic:7.2f} s wall: one parse saves {1 - t_both / (t_facts + t_logic):.0%}")
    print(f"logic facts, warm via store:  {t_warm:7.2f} s wall   ratio to the cold baseline {t_warm / t_facts:.3f}")
    print(f"scaled to 10,000 models: logic cold {t_logic * scale:.1f} s, both cold {t_both * scale:.1f} s "
          f"(SQL facts alone: target 15), logic warm {t_warm * scale:.2f} s (target 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
