"""Benchmark: every structure rule on a generated project of N nodes (default 50,000).

The script builds, from a fixed seed, the frames a collect of a large dbt project would leave
in the store: sources grouped by system, staging models (views) reading one or two sources,
intermediate models (views, ephemerals and tables) reading staging and earlier intermediate
models, marts reading 2 to 9 parents (some past the too-many-joins threshold), exports and
reports reading marts (fanout), seeds, snapshots, exposures, data tests on most models, yml
columns, and SQL facts with a few hard-coded relations. Sizes scale with N; at 50,000 nodes
about 16,500 are models and 29,000 tests.

It then measures, in one run:

* the :class:`console.graph.Graph` build from the nodes and edges frames;
* each rule alone on a fresh context ("cold": it pays for the shared views it needs: nodes in
  scope, the lineage, layers), and again once those are built ("warm");
* all structure rules together on a fresh context (nothing built beforehand),

and prints a table and the ratio of the total to the graph build. Absolute times drift from
machine to machine; compare the ratio. Target: all structure rules together well under 1 s at
50,000 nodes.

Usage::

    python benchmarks/bench_structure_rules.py            # 50,000 nodes
    python benchmarks/bench_structure_rules.py --n 5000   # a quick check
"""

from __future__ import annotations

import argparse
import gc
import importlib
import inspect
import pkgutil
import random
import sys
import time
from pathlib import Path

import orjson
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rules.structure  # noqa: E402
from console.graph import Graph  # noqa: E402
from console.store.schema import TABLES  # noqa: E402
from rules.base import Rule  # noqa: E402
from rules.context import CONTEXT_TABLES, Context  # noqa: E402

PROJECT = "bench"
_TYPES = {"VARCHAR[]": pl.List(pl.String), "BOOLEAN": pl.Boolean, "INTEGER": pl.Int32, "BIGINT": pl.Int64, "DOUBLE": pl.Float64}
FRESH = orjson.dumps({"warn_after": {"count": 24, "period": "hour"}, "error_after": {"count": None, "period": None}}).decode()


def structure_rules() -> list[type[Rule]]:
    """Every rule class under rules/structure, by id."""
    found = []
    for info in pkgutil.iter_modules(rules.structure.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"rules.structure.{info.name}")
        classes = inspect.getmembers(module, inspect.isclass)
        found += [c for _, c in classes if issubclass(c, Rule) and c.__module__ == module.__name__]
    return sorted(found, key=lambda c: c.id)


def _frame(table: str, columns: dict[str, list]) -> pl.DataFrame:
    types = dict(TABLES[table].columns)
    height = len(next(iter(columns.values())))
    data = {c: columns.get(c, [None] * height) for c in types}
    return pl.DataFrame(data, schema={c: _TYPES.get(t, pl.String) for c, t in types.items()})


_NODE_COLUMNS = (
    "unique_id", "resource_type", "name", "package_name", "path", "source_name", "identifier", "schema",
    "database", "materialized", "layer", "description", "access", "contract_enforced", "freshness", "enabled",
)


class _Project:
    """Rows of a generated project, added node by node."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.rows: dict[str, list] = {c: [] for c in _NODE_COLUMNS}
        self.edges: list[tuple[str, str]] = []
        self.tests: dict[str, list] = {c: [] for c in ("unique_id", "test_name", "attached_node", "column_name", "is_generic")}

    def add(self, rtype: str, name: str, path: str, layer: str | None, parents=(), **extra) -> str:
        uid = extra.pop("uid", None) or f"{rtype}.{PROJECT}.{name}"
        values = dict(unique_id=uid, resource_type=rtype, name=name, package_name=PROJECT, path=path, layer=layer, enabled=True)
        values["description"] = "Documented." if self.rng.random() < 0.8 else ""
        values.update(extra)
        for c, column in self.rows.items():
            column.append(values.get(c))
        self.edges.extend((p, uid) for p in parents)
        return uid

    def model(self, prefix: str, layer: str, i: int, folder: str, parents, materialized: str) -> str:
        name = f"{prefix}{layer}_{i}" if self.rng.random() > 0.01 else f"{layer}_{i}"  # 1% break the naming rule
        return self.add(
            "model", name, f"models/{folder}/{name}.sql", layer, parents, materialized=materialized,
            access="public" if self.rng.random() < 0.05 else "protected", contract_enforced=self.rng.random() < 0.5,
        )

    def test(self, i: int, name: str, attached: str, column: str, folder: str) -> None:
        uid = self.add("test", f"{name}_{i}", f"{folder}/_models.yml", None, [attached])
        for c, v in zip(self.tests, (uid, name, attached, column, True)):
            self.tests[c].append(v)


def generate(n: int, seed: int = 7) -> dict[str, pl.DataFrame]:
    """The frames of a project of about ``n`` nodes."""
    p = _Project(seed)
    rng, k = p.rng, n / 50_000
    sources = []
    for s in range(int(150 * k)):
        system = f"system_{s}"
        for t in range(20):
            sources.append(p.add(
                "source", f"table_{t}", f"models/staging/{system}/_sources.yml", "source", uid=f"source.{PROJECT}.{system}.table_{t}",
                source_name=system, schema=system, database="raw", identifier=f"table_{t if rng.random() > 0.002 else 0}",
                freshness=FRESH if rng.random() < 0.9 else None,
            ))
    staging = []
    for i in range(int(3000 * k)):  # one per source, 10% reading a second one
        source = sources[i % len(sources)]
        parents = {source, *([rng.choice(sources)] if rng.random() < 0.1 else [])}
        staging.append(p.model("stg_", "staging", i, f"staging/{source.split('.')[2]}", parents, "view"))
    inter: list[str] = []
    for i in range(int(5000 * k)):  # staging and recent intermediates: long chains of views
        pool = inter[-400:] if inter and rng.random() < 0.6 else staging
        parents = set(rng.sample(pool, min(len(pool), rng.randint(1, 4))))
        inter.append(p.model("int_", "intermediate", i, "intermediate", parents, rng.choice(["view", "view", "ephemeral", "table"])))
    marts = []
    for i in range(int(5000 * k)):  # 2 to 9 parents: some past the too-many-joins threshold
        parents = set(rng.sample(inter, rng.randint(2, 9))) | ({rng.choice(sources)} if rng.random() < 0.02 else set())
        marts.append(p.model("fct_", "mart", i, "marts", parents, "table"))
    leaves = [p.model("rpt_", "other", i, "reports", {marts[i % len(marts)]}, "table") for i in range(int(2000 * k))]
    leaves += [p.model("exp_", "export", i, "exports", {rng.choice(marts)}, "table") for i in range(int(1500 * k))]
    for i in range(int(500 * k)):
        seed_id = p.add("seed", f"seed_{i}", f"seeds/seed_{i}.csv", "seed", materialized="seed")
        p.edges.append((seed_id, rng.choice(marts)))
    for i in range(int(300 * k)):
        p.add("snapshot", f"snap_{i}", f"snapshots/snap_{i}.sql", "snapshot", [rng.choice(sources)], materialized="snapshot")
    for i in range(int(700 * k)):
        p.add("exposure", f"exposure_{i}", "models/exposures.yml", "exposure", set(rng.sample(marts + leaves, rng.randint(1, 3))))

    models = staging + inter + marts + leaves
    folder_of = dict(zip(p.rows["unique_id"], (path.rsplit("/", 1)[0] for path in p.rows["path"])))
    budget = n - len(p.rows["unique_id"])
    targets = [(m, name, "id") for m in models if rng.random() < 0.85 for name in ("unique", "not_null")]
    targets += [(rng.choice(models + sources), "accepted_values", "status") for _ in range(max(0, budget - len(targets)))]
    for i, (model, name, column) in enumerate(targets[:budget]):  # 2% defined in another folder's YAML
        p.test(i, name, model, column, folder_of[model] if rng.random() > 0.02 else "models/misc")

    columns = {"unique_id": [m for m in models for _ in range(3)], "name": ["id", "status", "amount"] * len(models)}
    columns["description"] = ["x" if rng.random() < 0.9 else None for _ in columns["name"]]
    hardcoded = [["raw.shop.orders"] if rng.random() < 0.01 else [] for _ in models]
    frames = {
        "project": _frame("project", {"name": [PROJECT]}),
        "nodes": _frame("nodes", p.rows),
        "edges": _frame("edges", {"parent_id": [a for a, _ in p.edges], "child_id": [b for _, b in p.edges]}),
        "tests": _frame("tests", p.tests),
        "node_columns": _frame("node_columns", columns),
        "sql_facts": _frame("sql_facts", {"unique_id": models, "hardcoded_relations": hardcoded}),
    }
    for table in CONTEXT_TABLES:
        if table not in frames:
            frames[table] = pl.DataFrame(schema={c: _TYPES.get(t, pl.String) for c, t in TABLES[table].columns})
    return frames


def _defaults(rule: type[Rule]) -> dict:
    return {k: o.default for k, o in rule.options.items()}


def _run(rule: type[Rule], ctx: Context) -> int:
    return sum(1 for _ in rule().check(ctx, _defaults(rule)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="number of nodes (default 50,000)")
    args = parser.parse_args()
    frames = generate(args.n)
    kinds = dict(frames["nodes"].group_by("resource_type").len().iter_rows())
    print(f"{frames['nodes'].height:,} nodes ({', '.join(f'{v:,} {k}' for k, v in sorted(kinds.items()))}), {frames['edges'].height:,} edges")

    gc.collect()
    t = time.perf_counter()
    graph = Graph.from_frames(frames["nodes"], frames["edges"])
    graph_s = time.perf_counter() - t

    found = structure_rules()
    warm = Context(frames)
    warm.__dict__["graph"] = graph
    rows = []
    for rule in found:
        cold = Context(frames)
        cold.__dict__["graph"] = graph
        t = time.perf_counter()
        count = _run(rule, cold)
        cold_s = time.perf_counter() - t
        _run(rule, warm)  # builds what it shares
        t = time.perf_counter()
        _run(rule, warm)
        rows.append((rule.id, rule.name, count, cold_s, time.perf_counter() - t))

    gc.collect()
    total_ctx = Context(frames)
    t = time.perf_counter()
    total_findings = sum(_run(rule, total_ctx) for rule in found)
    total_s = time.perf_counter() - t

    print(f"\n{'rule':<8} {'name':<45} {'findings':>9} {'cold ms':>9} {'warm ms':>9}")
    for rid, name, count, cold_s, warm_s in rows:
        print(f"{rid:<8} {name:<45} {count:>9,} {cold_s * 1000:>9.1f} {warm_s * 1000:>9.1f}")
    print(f"\nGraph build:                         {graph_s * 1000:8.1f} ms")
    print(f"all {len(found)} structure rules, fresh context: {total_s * 1000:8.1f} ms ({total_findings:,} findings)")
    print(f"ratio total / graph build:           {total_s / graph_s:8.1f}")


if __name__ == "__main__":
    main()
