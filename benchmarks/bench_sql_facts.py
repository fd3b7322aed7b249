"""Benchmark: SQL facts for N generated dbt models (default 10,000), cold and warm.

The script generates realistic compiled model SQL itself, from a fixed seed: staging models
(rename and cast columns of a source, 30-50 lines), intermediate models (2-4 CTEs, joins, CASE
WHEN, window functions, GROUP BY) and marts (5-8 CTEs, 3-6 joins, aggregates), 30-120 lines
each. It then measures, in one run:

* single process, cold: every model parsed in this process (``workers=1``);
* pool, cold: the same inputs through :func:`collectors.sql_facts.compute_facts` with the
  default worker count (one per core);
* warm: every hash already cached, so nothing is parsed;

and prints the times, the per-model mean and the ratio pool/single. Absolute times drift from
machine to machine; the ratios are what to compare. Targets for 10,000 models on 2 cores:
cold at most 15 s, warm at most 1 s.

Usage::

    python benchmarks/bench_sql_facts.py            # 10,000 models
    python benchmarks/bench_sql_facts.py --n 1000   # a quick check
    python benchmarks/bench_sql_facts.py --profile  # where the single-process time goes
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson
import sqlglot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collectors.sql_facts import (  # noqa: E402
    SqlInput,
    compiled_build,
    compute_facts,
    gc_paused,
    input_hashes,
)

COLUMNS = (
    "customer_id", "order_id", "product_id", "store_id", "sku", "status", "amount", "quantity",
    "volume_ml", "price_cents", "discount", "created_at", "updated_at", "shipped_at", "region",
    "country", "channel", "campaign", "email", "is_active", "category", "supplier_id",
)
TYPES = ("integer", "varchar", "timestamp", "date", "decimal(18, 2)", "boolean", "bigint")
DOMAINS = ("shop", "crm", "ads", "finance", "logistics", "support", "billing", "inventory")
ENTITIES = ("orders", "customers", "products", "payments", "shipments", "tickets", "campaigns", "items")
JOINS = ("left join", "inner join", "join", "left join", "full outer join", "right join")
AGGS = ("sum", "avg", "min", "max", "count")


def _rel(rng: random.Random, layer: str, i: int) -> str:
    return f'"warehouse"."{layer}"."{layer[:3]}_{rng.choice(DOMAINS)}__{rng.choice(ENTITIES)}_{i}"'


def _cols(rng: random.Random, k: int) -> list[str]:
    return rng.sample(COLUMNS, k)


def staging(rng: random.Random, i: int) -> str:
    """A staging model: select, rename and cast the columns of one source."""
    domain, entity = rng.choice(DOMAINS), rng.choice(ENTITIES)
    cols = _cols(rng, rng.randint(12, 20))
    body = []
    for c in cols:
        form = rng.random()
        if form < 0.4:
            body.append(f"        cast({c} as {rng.choice(TYPES)}) as {c}")
        elif form < 0.6:
            body.append(f"        lower(trim({c})) as {c}_clean")
        elif form < 0.75:
            body.append(f"        coalesce({c}, 0) as {c}")
        else:
            body.append(f"        {c} as src_{c}")
    where = rng.choice(("        _fivetran_deleted is null", "        status != 'test'", "        1 = 1"))
    return (
        "with source as (\n\n"
        f'    select * from "warehouse"."raw_{domain}"."{entity}"\n\n'
        "),\n\n"
        "renamed as (\n\n"
        "    select\n"
        + ",\n".join(body)
        + "\n\n    from source\n    where\n"
        + where
        + f"\n        and loaded_at >= '2020-01-0{rng.randint(1, 9)}'\n\n"
        "),\n\n"
        "final as (\n\n"
        "    select * from renamed\n\n"
        ")\n\n"
        "select * from final\n"
    )


def _cte_select(
    rng: random.Random, name: str, source: str, with_case: bool, with_window: bool, compact: bool = False
) -> str:
    cols = _cols(rng, rng.randint(3, 4) if compact else rng.randint(4, 8))
    lines = [f"        {c}" for c in cols[:-1]]
    if with_case:
        c = cols[-1]
        lines.append(
            f"        case\n            when {c} > {rng.randint(1, 500)} then 'high'\n"
            f"            when {c} between 1 and 10 then 'low'\n"
            f"            else 'other'\n        end as {c}_band"
        )
    if with_window:
        lines.append(
            f"        row_number() over (partition by {cols[0]} order by {cols[1]} desc) as rn"
        )
    filt = rng.choice((
        f"{cols[0]} is not null",
        f"{cols[1]} in ('a', 'b', 'c')",
        f"{cols[0]} > {rng.randint(0, 100)}",
        f"{cols[1]} like '%{rng.choice(ENTITIES)}%'",
    ))
    gap = "\n" if compact else "\n\n"
    return f"{name} as ({gap}    select\n" + ",\n".join(lines) + f"\n    from {source}\n    where {filt}{gap})"


def intermediate(rng: random.Random, i: int) -> str:
    """An intermediate model: 2-4 CTEs over staging models, joins, CASE WHEN, windows, GROUP BY."""
    n = rng.randint(2, 4)
    ctes = [
        _cte_select(rng, f"step_{k}", _rel(rng, "staging", rng.randint(0, 999)), rng.random() < 0.6, rng.random() < 0.5)
        for k in range(n)
    ]
    joins = "\n".join(
        f"    {rng.choice(JOINS)} step_{k} as s{k} on s0.customer_id = s{k}.customer_id" for k in range(1, n)
    )
    agg = rng.choice(AGGS)
    final = (
        "select\n"
        "    s0.customer_id,\n"
        "    s0.region,\n"
        f"    {agg}(s0.amount) as {agg}_amount,\n"
        "    count(*) as n_rows,\n"
        "    sum(case when s0.status = 'returned' then 1 else 0 end) as n_returned\n"
        "from step_0 as s0\n"
        f"{joins}\n"
        f"where s0.created_at >= '2021-01-01' and s0.quantity <> 0\n"
        "group by 1, 2\n"
        f"having count(*) > {rng.randint(1, 20)}\n"
    )
    return "with " + ",\n\n".join(ctes) + "\n\n" + final


def mart(rng: random.Random, i: int) -> str:
    """A mart: 5-8 CTEs over staging and intermediate models, 3-6 joins, aggregates."""
    n = rng.randint(5, 8)
    ctes = []
    for k in range(n):
        layer = "intermediate" if rng.random() < 0.5 else "staging"
        ctes.append(
            _cte_select(
                rng, f"part_{k}", _rel(rng, layer, rng.randint(0, 999)), rng.random() < 0.3, rng.random() < 0.3, True
            )
        )
    aggs = ",\n".join(
        f"        {rng.choice(AGGS)}(p0.{c}) as {c}_{k}" for k, c in enumerate(_cols(rng, rng.randint(3, 6)))
    )
    ctes.append(
        "aggregated as (\n    select\n        p0.customer_id,\n        p0.channel,\n"
        + aggs
        + "\n    from part_0 as p0\n    group by 1, 2\n)"
    )
    n_joins = min(n - 1, rng.randint(3, 6))
    joins = "\n".join(
        f"{rng.choice(JOINS)} part_{k} as p{k}\n    on a.customer_id = p{k}.customer_id and p{k}.rn = 1"
        for k in range(1, n_joins + 1)
    )
    final = (
        "select\n"
        "    a.*,\n"
        "    p1.status,\n"
        "    coalesce(p2.amount, 0) as amount_2,\n"
        "    case when p1.volume_ml > 50 then 'large' else 'small' end as size\n"
        "from aggregated as a\n"
        f"{joins}\n"
        f"where a.channel not in ('test', 'internal')\n"
    )
    return "with " + ",\n".join(ctes) + ",\n" + "final as (\n" + final + ")\n\nselect * from final\n"


def generate(n: int, seed: int = 20240601) -> list[SqlInput]:
    """``n`` compiled model SQL texts: about 40% staging, 35% intermediate, 25% marts."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = rng.random()
        kind, make = ("stg", staging) if r < 0.4 else (("int", intermediate) if r < 0.75 else ("fct", mart))
        out.append(SqlInput(f"model.bench.{kind}_{i}", make(rng, i), True))
    return out


def _timed(fn):
    """Run fn; return (result, wall seconds, CPU seconds of this process and its children)."""
    def cpu() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    c0, t0 = cpu(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0, cpu() - c0


def _breakdown(inputs: list[SqlInput], dialect: str) -> dict[str, float]:
    """Seconds spent in each step of :func:`extract_facts`, over ``inputs``, in this process."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.optimizer.scope import traverse_scope

    from collectors.sql_facts.extract import _facts

    d = Dialect.get_or_raise(dialect or None)
    spent = dict.fromkeys(("tokenize", "parse", "scopes", "walk and facts"), 0.0)
    for item in inputs:
        t0 = time.perf_counter()
        tokens = d.tokenize(item.sql)
        t1 = time.perf_counter()
        trees = d.parser().parse(tokens, item.sql)
        t2 = time.perf_counter()
        traverse_scope(trees[0])
        t3 = time.perf_counter()
        _facts(trees)  # builds the scopes again: subtract them
        t4 = time.perf_counter()
        spent["tokenize"] += t1 - t0
        spent["parse"] += t2 - t1
        spent["scopes"] += t3 - t2
        spent["walk and facts"] += (t4 - t3) - (t3 - t2)
    return spent


def _warm(inputs: list[SqlInput], dialect: str, cached: dict):
    """The warm path without a store: hashes, then facts from the cache."""
    hashes = input_hashes(inputs, dialect)
    return compute_facts(inputs, dialect, {h: cached[h] for h in hashes if h in cached}, hashes=hashes)


def _warm_through_store(inputs: list[SqlInput], dialect: str, new_cache) -> float:
    """Seconds for the warm path as a collect runs it: hashes, cache lookup in a real store, facts."""
    from console.store.store import open_writer

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.duckdb"
        with open_writer(store, Path(tmp)) as writer:
            writer.upsert("sql_facts_cache", new_cache)
        with open_writer(store, Path(tmp)) as writer:
            t0 = time.perf_counter()
            hashes = input_hashes(inputs, dialect)
            with gc_paused():
                cached = writer.cached_sql_facts(hashes)
            frame, new = compute_facts(inputs, dialect, cached, hashes=hashes)
            elapsed = time.perf_counter() - t0
        assert new.height == 0 and frame.height == len(inputs)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of models (default 10000)")
    parser.add_argument("--dialect", default="duckdb")
    parser.add_argument("--workers", type=int, default=None, help="pool size (default: one per core)")
    parser.add_argument("--profile", action="store_true", help="profile the single-process run instead")
    args = parser.parse_args(argv)

    inputs = generate(args.n)
    load_before = os.getloadavg()[0]
    lines = [s.sql.count("\n") + 1 for s in inputs]
    print(f"sqlglot {sqlglot.__version__}, compiled build: {compiled_build()}; cores: {os.cpu_count()}")
    print(f"{args.n} models, {min(lines)}-{max(lines)} lines (mean {sum(lines) / len(lines):.0f})")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        compute_facts(inputs, args.dialect, {}, workers=1)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return 0

    (single, _), t_single, c_single = _timed(lambda: compute_facts(inputs, args.dialect, {}, workers=1))
    (pooled, new_cache), t_pool, c_pool = _timed(
        lambda: compute_facts(inputs, args.dialect, {}, workers=args.workers)
    )
    if not single.equals(pooled):
        print("MISMATCH between the single-process and the pool results", file=sys.stderr)
        return 1
    cached = {h: orjson.loads(f) for h, f in new_cache.iter_rows()}
    (warm, warm_new), t_warm, _ = _timed(lambda: _warm(inputs, args.dialect, cached))
    assert warm_new.height == 0 and warm.equals(pooled)
    t_store = _warm_through_store(inputs, args.dialect, new_cache)
    errors = pooled.filter(pooled["parse_error"].is_not_null()).height

    n = args.n
    print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; other work on")
    print("  this machine inflates wall times: CPU seconds are the steadier measure")
    print(f"single process, cold: {t_single:7.2f} s wall, {c_single:6.2f} s CPU ({1000 * t_single / n:.2f} ms per model)")
    print(f"pool, cold:           {t_pool:7.2f} s wall, {c_pool:6.2f} s CPU ({1000 * t_pool / n:.2f} ms per model)")
    print(f"warm (all cached):    {t_warm:7.2f} s wall ({1000 * t_warm / n:.3f} ms per model)")
    print(f"warm through a store: {t_store:7.2f} s wall (hashes + DuckDB cache lookup + facts)")
    print(f"ratio pool/single:    {t_pool / t_single:7.2f} wall, {c_pool / c_single:.2f} CPU")
    print(f"ratio warm/pool:      {t_warm / t_pool:7.3f}")
    print(f"parse errors: {errors}; distinct hashes cached: {new_cache.height}")
    sample = inputs[: min(n, 1000)]
    spent = _breakdown(sample, args.dialect)
    total = sum(spent.values())
    print(f"where one process spends its time ({len(sample)} models, {1000 * total / len(sample):.2f} ms per model):")
    for step, seconds in spent.items():
        print(f"  {step:15s} {100 * seconds / total:5.1f} %  ({1000 * seconds / len(sample):.3f} ms per model)")
    scale = 10_000 / n
    print(
        f"scaled to 10,000 models: cold {t_pool * scale:.1f} s (target 15), "
        f"warm {t_store * scale:.2f} s (target 1)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
