"""Synthetic dbt projects of any size, shaped like real ones, for benchmarks.

``generate(root, n_nodes)`` writes a project folder with:

* ``dbt_project.yml`` and one ``.sql`` file per model (staging, intermediate, marts, exports)
  with realistic SQL (CTEs, joins, CASE, window functions, literal filters) and a schema yml
  per folder (descriptions, generic tests);
* ``target/manifest.json`` in the v12 shape dbt 1.11 writes (node keys copied from a real
  dbt manifest), consistent with the files (checksum = sha256 of the stripped file, refs =
  depends_on), with ``compiled_code``, documented columns (5 to 25 on 60% of models) and the
  macros of dbt, its adapter and a package, which make up much of a real manifest (a 10k-node
  project gives about 70 MB; real ones of that size run from 50 to 120 MB);
* ``target/run_results.json`` (v6) of one ``dbt build`` over every model and test.

Mix of nodes: about 4% sources, 18% staging, 18% intermediate, 14% marts, 2% exports,
40% tests, the rest seeds/exposures. Deterministic for a given ``seed``.

Run as a script to write one: ``python benchmarks/synthetic.py OUT_DIR --nodes 10000``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import uuid
from pathlib import Path

import orjson

PROJECT = "synth"
DB = "warehouse"


def _staging_sql(name: str, source: tuple[str, str], cols: list[str]) -> str:
    casts = ",\n        ".join(f"cast({c} as varchar) as {c}_{i}" for i, c in enumerate(cols))
    return f"""with source as (

    select * from {{{{ source('{source[0]}', '{source[1]}') }}}}

),

renamed as (

    select
        id as {name}_id,
        {casts},
        cast(updated_at as timestamp) as updated_at,
        case when status in ('active', 'open') then true else false end as is_active
    from source
    where _loaded_at >= '2020-01-01'

)

select * from renamed
"""


def _joined_sql(name: str, parents: list[str], rng: random.Random) -> str:
    ctes = [f"{p} as (\n\n    select * from {{{{ ref('{p}') }}}}\n\n)" for p in parents]
    base = parents[0]
    joins = "\n".join(
        f"    {rng.choice(['left join', 'inner join', 'left join'])} {p} on {base}.{base}_id = {p}.{base}_id"
        for p in parents[1:]
    )
    threshold = rng.choice([0, 10, 50, 100, 750])
    return (
        "with " + ",\n\n".join(ctes) + f""",

final as (

    select
        {base}.{base}_id as {name}_id,
        count(*) as row_count,
        sum(case when {base}.is_active then 1 else 0 end) as active_count,
        max({base}.updated_at) as last_updated_at,
        row_number() over (partition by {base}.{base}_id order by {base}.updated_at desc) as rn
    from {base}
{joins}
    where {base}.updated_at is not null
      and {base}.is_active = true
      and coalesce({base}.{base}_id, '') <> ''
    group by {base}.{base}_id, {base}.updated_at
    having count(*) > {threshold}

)

select * from final
"""
    )


def _macros(rng: random.Random, count: int) -> dict[str, dict]:
    """Macros as dbt ships them: core, adapter and package macros make up much of a real manifest."""
    out = {}
    for i in range(count):
        package = "dbt" if i < count * 0.6 else ("dbt_duckdb" if i < count * 0.8 else "dbt_utils")
        name = f"macro_{i}"
        body = "\n".join(
            f"    {{% set part_{k} = adapter.dispatch('{name}_{k}', '{package}')(relation, columns) %}}" for k in range(rng.randint(5, 40))
        )
        uid = f"macro.{package}.{name}"
        out[uid] = {
            "name": name, "resource_type": "macro", "package_name": package, "path": f"macros/{name}.sql",
            "original_file_path": f"macros/{name}.sql", "unique_id": uid,
            "macro_sql": f"{{% macro {name}(relation, columns) %}}\n{body}\n{{% endmacro %}}",
            "depends_on": {"macros": [f"macro.dbt.macro_{rng.randrange(max(1, i))}"] if i else []},
            "description": "", "meta": {}, "docs": {"show": True, "node_color": None}, "patch_path": None,
            "arguments": [{"name": "relation", "type": None, "description": ""}, {"name": "columns", "type": None, "description": ""}],
            "created_at": 1763700000.0, "supported_languages": ["sql"],
        }
    return out


def _columns(name: str, rng: random.Random) -> dict[str, dict]:
    """A documented model's columns, as schema yml files declare them."""
    cols = {}
    for k in range(rng.randint(5, 25)):
        col = f"{name}_id" if k == 0 else f"attribute_{k}"
        cols[col] = {
            "name": col, "description": f"The {col.replace('_', ' ')} of each {name.replace('_', ' ')} row, as the source system records it.",
            "meta": {}, "data_type": rng.choice([None, "varchar", "integer", "timestamp"]), "constraints": [], "quote": None,
            "tags": [], "granularity": None, "doc_blocks": [], "config": {"meta": {}, "tags": []},
        }
    return cols


_CALL = re.compile(r"\{\{ (?:ref|source)\([^{}]*\) \}\}")


def _compile(sql: str, relation: dict[str, str]) -> str:
    """Replace ref()/source() calls with relation names, as dbt's compile does (a call not
    known yet stays as it is; one lookup per call, not one pass per known relation)."""
    return _CALL.sub(lambda m: relation.get(m.group(0), m.group(0)), sql)


def _node_base(kind: str, name: str, path: str, raw: str, compiled: str | None, schema: str, materialized: str) -> dict:
    uid = f"{kind}.{PROJECT}.{name}"
    return {
        "database": DB, "schema": schema, "name": name, "resource_type": kind, "package_name": PROJECT,
        "path": path.removeprefix("models/"), "original_file_path": path, "unique_id": uid,
        "fqn": [PROJECT, *path.removeprefix("models/").removesuffix(".sql").split("/")], "alias": name,
        "checksum": {"name": "sha256", "checksum": hashlib.sha256(raw.strip().encode()).hexdigest()},
        "config": {"enabled": True, "alias": None, "schema": None, "database": None, "tags": [], "meta": {},
                   "group": None, "materialized": materialized, "incremental_strategy": None,
                   "persist_docs": {}, "post-hook": [], "pre-hook": [], "quoting": {}, "column_types": {},
                   "full_refresh": None, "unique_key": None, "on_schema_change": "ignore",
                   "on_configuration_change": "apply", "grants": {}, "packages": [], "docs": {"show": True, "node_color": None},
                   "contract": {"enforced": False, "alias_types": True}, "access": "protected"},
        "tags": [], "description": "", "columns": {}, "meta": {}, "group": None,
        "docs": {"show": True, "node_color": None}, "patch_path": None, "build_path": None,
        "unrendered_config": {"materialized": materialized}, "created_at": 1763700000.0,
        "relation_name": f'"{DB}"."{schema}"."{name}"', "raw_code": raw, "doc_blocks": [], "language": "sql",
        "refs": [], "sources": [], "metrics": [], "functions": [],
        "depends_on": {"macros": [], "nodes": []},
        "compiled_path": f"target/compiled/{PROJECT}/{path}", "compiled": compiled is not None,
        "compiled_code": compiled, "extra_ctes_injected": True, "extra_ctes": [], "contract": {"enforced": False, "alias_types": True, "checksum": None},
        "access": "protected", "constraints": [], "version": None, "latest_version": None, "deprecation_date": None,
        "primary_key": [], "time_spine": None,
    }


def generate(root: Path, n_nodes: int, *, seed: int = 7, write_files: bool = True) -> dict:
    """Write a synthetic project of about ``n_nodes`` nodes under ``root``; return counts."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "target").mkdir(exist_ok=True)
    n_sources = max(2, n_nodes * 4 // 100)
    n_stg = max(2, n_nodes * 18 // 100)
    n_int = max(1, n_nodes * 18 // 100)
    n_mart = max(1, n_nodes * 14 // 100)
    n_exp = max(1, n_nodes * 2 // 100)
    nodes: dict[str, dict] = {}
    sources: dict[str, dict] = {}
    exposures: dict[str, dict] = {}
    relation: dict[str, str] = {}
    files: dict[str, str] = {}

    for i in range(n_sources):
        src, tbl = f"src_{i // 20}", f"table_{i}"
        uid = f"source.{PROJECT}.{src}.{tbl}"
        relation[f"{{{{ source('{src}', '{tbl}') }}}}"] = f'"{DB}"."raw_{src}"."{tbl}"'
        sources[uid] = {
            "database": DB, "schema": f"raw_{src}", "name": tbl, "resource_type": "source", "package_name": PROJECT,
            "path": "models/staging/_sources.yml", "original_file_path": "models/staging/_sources.yml",
            "unique_id": uid, "fqn": [PROJECT, "staging", src, tbl], "source_name": src,
            "source_description": "", "loader": "fivetran", "identifier": tbl, "quoting": {},
            "loaded_at_field": "_loaded_at" if i % 3 else None,
            "freshness": {"warn_after": {"count": 12 if i % 3 else None, "period": "hour" if i % 3 else None},
                          "error_after": {"count": None, "period": None}, "filter": None},
            "external": None, "description": f"Raw table {tbl}" if i % 2 else "", "columns": {}, "meta": {},
            "source_meta": {}, "tags": [], "config": {"enabled": True}, "patch_path": None, "unrendered_config": {},
            "relation_name": f'"{DB}"."raw_{src}"."{tbl}"', "created_at": 1763700000.0,
        }

    def add_model(name: str, folder: str, raw: str, parents: list[str], materialized: str, schema: str) -> str:
        path = f"models/{folder}/{name}.sql"
        node = _node_base("model", name, path, raw, _compile(raw, relation), schema, materialized)
        node["depends_on"]["nodes"] = parents
        node["refs"] = [{"name": p.split(".")[-1], "package": None, "version": None} for p in parents if p.startswith("model.")]
        node["sources"] = [p.split(".")[2:] for p in parents if p.startswith("source.")]
        if rng.random() < 0.6:
            node["description"] = f"The {name.replace('_', ' ')} model."
            node["columns"] = _columns(name, rng)
        if rng.random() < 0.5:
            node["config"]["meta"] = {"owner": rng.choice(["data-eng", "analytics", "growth"])}
        nodes[node["unique_id"]] = node
        relation[f"{{{{ ref('{name}') }}}}"] = node["relation_name"]
        files[path] = raw
        return node["unique_id"]

    source_ids = list(sources)
    stg = []
    for i in range(n_stg):
        src_uid = source_ids[i % len(source_ids)]
        _, _, s, t = src_uid.split(".")
        name = f"stg_{s}__{t}_{i}"
        stg.append(add_model(name, f"staging/{s}", _staging_sql(name, (s, t), [f"col_{k}" for k in range(rng.randint(4, 12))]), [src_uid], "view", "staging"))
    layers = [("int", "intermediate", n_int, stg, "ephemeral"), ("fct", "marts", n_mart, None, "table"), ("exp", "exports", n_exp, None, "table")]
    previous = stg
    for prefix, folder, count, pool, mat in layers:
        pool = pool or previous
        made = []
        for i in range(count):
            k = rng.randint(1, 4) if prefix != "exp" else 1
            parents = rng.sample(pool, min(k, len(pool)))
            name = f"{prefix}_{folder}_{i}"
            made.append(add_model(name, f"{folder}/area_{i % 10}", _joined_sql(name, [p.split(".")[-1] for p in parents], rng), parents, mat, folder))
        previous = made

    n_tests = max(0, n_nodes - len(nodes) - len(sources) - max(1, n_exp // 2))
    model_ids = list(nodes)
    for i in range(n_tests):
        target = model_ids[i % len(model_ids)]
        mname = target.split(".")[-1]
        kind = "unique" if i % 2 == 0 else "not_null"
        name = f"{kind}_{mname}_{mname}_id_{i}"
        uid = f"test.{PROJECT}.{name}.{hashlib.md5(name.encode()).hexdigest()[:10]}"
        nodes[uid] = {
            "database": DB, "schema": "dbt_test__audit", "name": name, "resource_type": "test", "package_name": PROJECT,
            "path": f"{name}.sql", "original_file_path": nodes[target]["original_file_path"].rsplit("/", 1)[0] + "/_schema.yml",
            "unique_id": uid, "fqn": [PROJECT, name], "alias": name, "checksum": {"name": "none", "checksum": ""},
            "config": {"enabled": True, "severity": "ERROR" if i % 7 else "warn", "materialized": "test", "meta": {}, "tags": [],
                       "warn_if": "!= 0", "error_if": "!= 0", "fail_calc": "count(*)", "store_failures": None},
            "tags": [], "description": "", "columns": {}, "meta": {}, "group": None, "raw_code": f"{{{{ test_{kind}(**_dbt_generic_test_kwargs) }}}}",
            "language": "sql", "refs": [{"name": mname, "package": None, "version": None}], "sources": [], "metrics": [],
            "depends_on": {"macros": [f"macro.dbt.test_{kind}"], "nodes": [target]}, "compiled_code": None,
            "column_name": f"{mname}_id", "file_key_name": f"models.{mname}", "attached_node": target,
            "test_metadata": {"name": kind, "kwargs": {"column_name": f"{mname}_id", "model": f"{{{{ get_where_subquery(ref('{mname}')) }}}}"}, "namespace": None},
            "created_at": 1763700000.0, "patch_path": None, "unrendered_config": {}, "relation_name": None,
        }
    marts = [u for u in nodes if u.split(".")[-1].startswith(("fct_", "exp_"))]
    for i in range(max(1, n_exp // 2)):
        name = f"exposure_{i}"
        uid = f"exposure.{PROJECT}.{name}"
        exposures[uid] = {
            "name": name, "resource_type": "exposure", "package_name": PROJECT, "path": "exposures.yml",
            "original_file_path": "models/exposures.yml", "unique_id": uid, "fqn": [PROJECT, name],
            "type": rng.choice(["dashboard", "application", "ml", "analysis"]), "owner": {"email": "owner@example.com", "name": "Owner"},
            "description": "", "label": name, "maturity": "high", "meta": {}, "tags": [], "config": {"enabled": True},
            "unrendered_config": {}, "url": None, "depends_on": {"macros": [], "nodes": rng.sample(marts, min(3, len(marts)))},
            "refs": [], "sources": [], "metrics": [], "created_at": 1763700000.0,
        }

    invocation = str(uuid.UUID(int=rng.getrandbits(128)))
    parent_map: dict[str, list[str]] = {}
    child_map: dict[str, list[str]] = {u: [] for u in [*nodes, *sources, *exposures]}
    for uid, n in [*nodes.items(), *exposures.items()]:
        parent_map[uid] = list(n["depends_on"]["nodes"])
        for p in n["depends_on"]["nodes"]:
            child_map.setdefault(p, []).append(uid)
    for uid in sources:
        parent_map[uid] = []
    manifest = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "dbt_version": "1.11.16",
                     "generated_at": "2026-11-01T07:00:00.000000Z", "invocation_id": invocation, "invocation_started_at": "2026-11-01T06:59:00Z",
                     "env": {}, "project_name": PROJECT, "project_id": hashlib.md5(PROJECT.encode()).hexdigest(),
                     "user_id": None, "send_anonymous_usage_stats": False, "adapter_type": "duckdb", "quoting": {}},
        "nodes": nodes, "sources": sources, "macros": _macros(rng, 800 + n_nodes // 10), "docs": {}, "exposures": exposures, "metrics": {}, "groups": {},
        "selectors": {}, "disabled": {}, "parent_map": parent_map, "child_map": child_map, "group_map": {},
        "saved_queries": {}, "semantic_models": {}, "unit_tests": {}, "functions": {},
    }
    if write_files:  # before the artifacts, as dbt parses files and then writes the manifest
        (root / "dbt_project.yml").write_text(f"name: {PROJECT}\nversion: '1.0'\nprofile: {PROJECT}\nmodel-paths: ['models']\n")
        for path, sql in files.items():
            f = root / path
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(sql)
    (root / "target" / "manifest.json").write_bytes(orjson.dumps(manifest))
    results = []
    for j, uid in enumerate(u for u in nodes if not u.startswith("seed.")):
        status = ("success" if uid.startswith("model.") else ("pass" if j % 50 else "fail"))
        results.append({
            "status": status, "timing": [{"name": "compile", "started_at": "2026-11-01T07:00:01.000000Z", "completed_at": "2026-11-01T07:00:01.100000Z"},
                                         {"name": "execute", "started_at": "2026-11-01T07:00:01.100000Z", "completed_at": "2026-11-01T07:00:02.300000Z"}],
            "thread_id": f"Thread-{j % 4 + 1}", "execution_time": 1.2 + (j % 17) / 10, "adapter_response": {"_message": "OK", "rows_affected": j % 1000},
            "message": "OK" if status != "fail" else "Got 3 results, configured to fail if != 0", "failures": 0 if status != "fail" else 3,
            "unique_id": uid, "compiled": True, "compiled_code": None, "relation_name": None, "batch_results": None,
        })
    run_results = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json", "dbt_version": "1.11.16",
                     "generated_at": "2026-11-01T07:20:00.000000Z", "invocation_id": invocation, "invocation_started_at": "2026-11-01T06:59:00Z", "env": {}},
        "results": results, "elapsed_time": 1200.5, "args": {"which": "build", "target": "prod"},
    }
    (root / "target" / "run_results.json").write_bytes(orjson.dumps(run_results))
    return {"nodes": len(nodes), "sources": len(sources), "exposures": len(exposures), "models": len(files)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--no-files", action="store_true", help="only target/, no SQL files")
    args = parser.parse_args()
    print(generate(args.out, args.nodes, write_files=not args.no_files))


if __name__ == "__main__":
    main()
