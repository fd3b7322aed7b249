"""Benchmark: the layerinitis judging at the scale of a large last mile.

Builds, from a fixed seed, the frames a collect would leave in the store for a project of
10,000 models (staging, intermediate, marts, exports; sources; exposures) and a last mile of
2,000 LookML views (a derived table and two fields each), 500 Hightouch models, 300 notebooks
and 1,000 application files (about 8,300 items, most with business expressions drawn from a
pool of rules, so that duplicates are many), then measures in one run:

* **resolve**: building the :class:`console.relations.RelationIndex` of the 10,000 models and
  resolving 10,000 distinct names written in mixed case, quoted and unquoted, 1 to 3 parts,
  against a floor: a plain dict of the same names built and looked up;
* **analysis**: everything ``console hotspots`` computes (items, resolved reads, consumers,
  duplicated rules, ranked hotspots), and the five layerinitis rules on top, against a
  baseline: building the lineage graph of the same frames (what every report pays anyway).

Absolute times drift on a shared machine: compare the ratios, and run twice.

Usage::

    python benchmarks/bench_layerinitis.py
    python benchmarks/bench_layerinitis.py --models 2000 --scale 0.2   # a quick check
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from pathlib import Path

import orjson
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.graph import Graph  # noqa: E402
from console.relations import RelationIndex  # noqa: E402
from rules.context import Context  # noqa: E402

LAYERS = (("stg_", "staging", "staging"), ("int_", "intermediate", "intermediate"), ("fct_", "mart", "marts"), ("exp_", "export", "exports"))
COLUMNS = ("volume_ml", "status", "is_seasonal", "market_rank", "category", "price", "country", "channel", "tier", "age_days")


def _rules(rng: random.Random, n: int) -> list[dict]:
    """A pool of business expressions: filters and CASE branches on a few columns."""
    out = []
    for i in range(n):
        col = COLUMNS[i % len(COLUMNS)]
        value = (i // len(COLUMNS)) * 5
        kind = "filter" if i % 3 else "case"
        sql = f"{col} > {value}" if kind == "filter" else f"WHEN {col} <= {value} THEN 'low'"
        out.append({"kind": kind, "sql": sql, "key": f"{col} <= {value}", "columns": [col], "line": 1})
    return out


def build_frames(models: int, scale: float, seed: int = 7) -> dict[str, pl.DataFrame]:
    rng = random.Random(seed)
    nodes, edges, artifacts, facts = [], [], [], []
    names: list[tuple[str, str]] = []
    for i in range(models):
        prefix, layer, folder = LAYERS[i % 4]
        name = f"{prefix}m{i}"
        schema = f"analytics_{folder}"
        uid = f"model.big.{name}"
        names.append((uid, name))
        nodes.append({"unique_id": uid, "resource_type": "model", "name": name, "database": "WH", "schema": schema.upper(),
                      "alias": name.upper(), "relation_name": f"WH.{schema.upper()}.{name.upper()}", "layer": layer,
                      "path": f"models/{folder}/{name}.sql", "materialized": "table", "meta": "{}", "config": "{}"})
    for s in range(200):
        nodes.append({"unique_id": f"source.big.raw.t{s}", "resource_type": "source", "name": f"t{s}", "source_name": "raw",
                      "database": "RAW", "schema": "SHOP", "identifier": f"T{s}", "relation_name": f"RAW.SHOP.T{s}", "layer": "source",
                      "meta": "{}", "config": "{}"})
    for e in range(300):
        uid = f"exposure.big.e{e}"
        kind = ("application", "dashboard", "ml")[e % 3]
        url = ("https://app.hightouch.com/x", "https://looker.example/d", "https://metabase.example/q")[e % 3]
        nodes.append({"unique_id": uid, "resource_type": "exposure", "name": f"e{e}", "exposure_type": kind, "url": url,
                      "meta": "{}", "config": "{}"})
        for _ in range(3):
            edges.append({"parent_id": names[rng.randrange(3, models, 4)][0], "child_id": uid})
    for i in range(0, models - 1, 4):
        edges.append({"parent_id": names[i][0], "child_id": names[i + 1][0]})
        edges.append({"parent_id": names[i + 1][0], "child_id": names[i + 2][0]})
        edges.append({"parent_id": names[i + 2][0], "child_id": names[i + 3][0]})
    pool = _rules(rng, 400)
    marts = [n for n in names if n[1].startswith(("fct_", "exp_"))]
    stg = [n for n in names if n[1].startswith("stg_")]

    def item(tool: str, kind: str, path: str, name: str, n_expr: int, meta: dict | None = None, reads: list[str] | None = None) -> None:
        aid = f"lastmile.{tool}.{path}#{name}"
        target = rng.choice(stg if rng.random() < 0.05 else marts)[1]
        relation = rng.choice([f"analytics_{'exports' if target.startswith('exp_') else 'marts'}.{target}",
                               f'"WH"."ANALYTICS_MARTS"."{target.upper()}"', target])
        exprs = [dict(rng.choice(pool), line=rng.randint(1, 80)) for _ in range(n_expr)]
        artifacts.append({"artifact_id": aid, "tool": tool, "kind": kind, "path": path, "line": 1, "name": name,
                          "owner": "team", "relations_read": reads or [], "literal_filters": "[]",
                          "meta": orjson.dumps(meta or {}).decode(),
                          "modified_at": dt.datetime(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300))})
        facts.append({"subject_id": aid, "subject_type": "lastmile", "classification": "business" if exprs else "pass-through",
                      "relations": [relation] if not reads else [], "expressions": orjson.dumps(exprs).decode(), "parse_error": None})

    for v in range(int(2000 * scale)):
        path = f"lookml/v{v}.view.lkml"
        item("lookml", "derived_table", path, f"v{v}", rng.randint(0, 3), {"view": f"v{v}"})
        item("lookml", "dimension", path, f"v{v}.d", 1, {"view": f"v{v}"}, reads=[f"v{v}"])
        item("lookml", "measure", path, f"v{v}.m", rng.randint(0, 1), {"view": f"v{v}"}, reads=[f"v{v}"])
    for h in range(int(500 * scale)):
        item("hightouch", "model", f"hightouch/models/h{h}.yaml", f"h{h}", rng.randint(0, 2), {"slug": f"h{h}"})
    for b in range(int(300 * scale)):
        item("notebook", "sql_cell", f"notebooks/n{b}.ipynb", "cell", rng.randint(0, 2))
    for a in range(int(1000 * scale)):
        item("python", "sql_string", f"app/a{a}.py", "SQL", rng.randint(0, 2))
    for uid, name in rng.sample(names, min(2000, len(names))):
        exprs = [dict(rng.choice(pool), line=rng.randint(1, 40)) for _ in range(rng.randint(0, 3))]
        facts.append({"subject_id": uid, "subject_type": "model", "classification": "business" if exprs else "pass-through",
                      "relations": [], "expressions": orjson.dumps(exprs).decode(), "parse_error": None})
    from console.store.schema import TABLES

    node_frame = pl.DataFrame(nodes, infer_schema_length=None)
    missing = [c for c in TABLES["nodes"].column_names if c not in node_frame.columns and c not in ("raw_code", "compiled_code")]
    node_frame = node_frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing])
    return {
        "project": pl.DataFrame([{"name": "big", "adapter": "snowflake"}]),
        "nodes": node_frame,
        "edges": pl.DataFrame(edges),
        "lastmile_artifacts": pl.DataFrame(artifacts, infer_schema_length=None),
        "logic_facts": pl.DataFrame(facts, infer_schema_length=None),
        "lastmile_skips": pl.DataFrame(schema={"path": pl.String, "line": pl.Int64, "tool": pl.String, "reason": pl.String}),
    }


def _time(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_resolve(frames: dict[str, pl.DataFrame], n_names: int = 10_000) -> None:
    rng = random.Random(3)
    models = frames["nodes"].filter(pl.col("resource_type") == "model")
    rows = models.select("name", "schema").rows()
    written = set()
    while len(written) < n_names:
        name, schema = rng.choice(rows)
        form = rng.randrange(4)
        written.add(
            name if form == 0 else f"{schema.lower()}.{name}" if form == 1
            else f'"WH"."{schema}"."{name.upper()}"' if form == 2 else f"wh.{schema}.{name.upper()}_x{len(written)}"
        )
    names = sorted(written)
    out: dict = {}

    def resolve() -> None:
        index = RelationIndex.from_nodes(frames["nodes"], adapter="snowflake")
        out["r"] = index.resolve_many(names)

    def floor() -> None:
        table = {n.lower(): i for i, n in enumerate(names)}
        out["f"] = {n: table.get(n.lower()) for n in names}

    t_resolve, t_floor = _time(resolve), _time(floor)
    kinds: dict[str, int] = {}
    for r in out["r"].values():
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    print(f"resolve   {len(names):>6} distinct names, index of {models.height} models: {t_resolve * 1000:8.1f} ms "
          f"(dict floor {t_floor * 1000:.1f} ms, ratio {t_resolve / max(t_floor, 1e-9):.0f}x)  kinds {kinds}")


def bench_analysis(frames: dict[str, pl.DataFrame]) -> None:
    from console.layerinitis import duplicate_rules, hotspots
    from rules.registry import all_rules

    rules = [r for r in all_rules() if r.category == "layerinitis"]
    now = dt.datetime(2026, 11, 8)
    settings = {"lastmile_ttl_days": 90}
    result: dict = {}

    def graph() -> None:
        Graph.from_frames(frames["nodes"], frames["edges"])

    def analysis() -> None:
        ctx = Context(frames, now=now, settings=settings)
        result["ranked"] = hotspots(ctx)
        result["dups"] = duplicate_rules(ctx)
        result["findings"] = sum(
            len(list(r().check(ctx, {k: o.default for k, o in r.options.items()}))) for r in rules
        )

    t_graph, t_all = _time(graph), _time(analysis)
    print(f"analysis  {frames['lastmile_artifacts'].height} items, {frames['logic_facts'].height} logic facts: "
          f"{t_all:6.2f} s (graph build {t_graph:.2f} s, ratio {t_all / max(t_graph, 1e-9):.1f}x)  "
          f"{len(result['ranked']['items'])} item and {len(result['ranked']['nodes'])} node hotspots, "
          f"{len(result['dups'])} duplicated rules, {result['findings']} findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=1.0, help="last-mile size relative to the issue's (1.0)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    frames = build_frames(args.models, args.scale)
    print(f"generated in {time.perf_counter() - t0:.1f} s")
    bench_resolve(frames)
    bench_analysis(frames)


if __name__ == "__main__":
    main()
