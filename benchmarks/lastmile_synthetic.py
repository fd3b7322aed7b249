"""A generated last mile, shaped like a real one, for the last-mile benchmark.

:func:`generate` writes, under ``root/lastmile``: LookML (one view per file, a third of them
derived tables; dimensions that are mostly bare columns with some CASE and arithmetic,
measures some of which are filtered; model files whose explores join the views), Hightouch
models (raw SQL, table and dbt-model sources) and syncs with filters and mappings, notebooks
(``%%sql`` cells, pandas code with filters, prose) and application code (Python, JavaScript,
TypeScript files of a few hundred lines where SQL strings are a handful among many other
strings). Deterministic for a seed. ``root`` also gets a minimal ``dbt_project.yml``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

TABLES = ("fct_orders", "dim_customers", "dim_skus", "exp_top_items_crm", "exp_accounts_sfdc", "int_order_lines",
          "stg_orders", "top_selling_skus_by_market", "fct_sessions", "dim_stores")
COLS = ("order_id", "customer_id", "sku_id", "store_id", "market", "status", "volume_ml", "units_sold", "revenue",
        "is_seasonal", "category", "created_at", "email", "tier", "country", "list_price")


def _cols(rng: random.Random, n: int) -> list[str]:
    return rng.sample(COLS, min(n, len(COLS)))


def _view(rng: random.Random, name: str) -> str:
    lines = [f"view: {name} {{"]
    if rng.random() < 0.33:
        cols = _cols(rng, 6)
        lines += ["  derived_table: {", "    sql:", f"      select {', '.join(cols)},",
                  "        case when volume_ml <= 50 then 'mini' else 'full' end as size",
                  f"      from analytics.{rng.choice(TABLES)}", f"      where units_sold > {rng.randint(1, 20)} ;;",
                  "    sql_trigger_value: select max(created_at) from analytics.fct_orders ;;", "  }", ""]
    else:
        lines += [f"  sql_table_name: analytics.{rng.choice(TABLES)} ;;", ""]
    for col in _cols(rng, rng.randint(8, 14)):
        lines += [f"  dimension: {col} {{", "    type: string", f"    sql: ${{TABLE}}.{col} ;;", "  }", ""]
    for i in range(rng.randint(1, 3)):
        lines += [f"  dimension: bucket_{i} {{", "    sql: CASE", f"           WHEN ${{TABLE}}.volume_ml <= {rng.choice((50, 100, 375))} THEN 'small'",
                  "           WHEN ${TABLE}.volume_ml < 750 THEN 'medium'", "           ELSE 'large'", "         END ;;", "  }", ""]
    lines += ["  dimension_group: created {", "    type: time", "    timeframes: [date, week, month]", "    sql: ${TABLE}.created_at ;;", "  }", ""]
    for i in range(rng.randint(2, 5)):
        filt = f'\n    filters: [status: "completed", volume_ml: ">{rng.choice((50, 100))}"]' if rng.random() < 0.4 else ""
        lines += [f"  measure: total_{i} {{", "    type: sum", f"    sql: ${{TABLE}}.{rng.choice(('revenue', 'units_sold'))} ;;{filt}", "  }", ""]
    lines += ["  measure: margin {", "    type: number", "    sql: 1.0 * ${total_0} / NULLIF(${total_1}, 0) ;;", "  }", "}"]
    return "\n".join(lines) + "\n"


def _model_file(rng: random.Random, views: list[str]) -> str:
    out = ['connection: "warehouse"', 'include: "/views/*.view.lkml"', ""]
    for base in views[::4]:  # an explore for one view in four, joining two others
        others = rng.sample(views, 2)
        out += [f"explore: {base} {{"]
        if rng.random() < 0.3:
            out.append(f"  sql_always_where: ${{{base}.status}} <> 'test' ;;")
        for other in others:
            if other != base:
                out += [f"  join: {other} {{", f"    sql_on: ${{{base}.order_id}} = ${{{other}.order_id}} ;;", "    relationship: many_to_one", "  }"]
        out += ["}", ""]
    return "\n".join(out)


def _hightouch_model(rng: random.Random, i: int) -> str:
    kind = rng.random()
    head = f"name: Model {i}\nslug: model-{i}\nsource: warehouse\nprimaryKey: id\n"
    if kind < 0.7:
        cols = ", ".join(_cols(rng, 5))
        return head + (f"type: raw_sql\nraw_sql: |-\n  select {cols}\n  from analytics.{rng.choice(TABLES)}\n"
                       f"  where volume_ml > {rng.choice((50, 100))}\n    and status = 'active'\n")
    if kind < 0.85:
        return head + f"type: table\ntable: analytics.{rng.choice(TABLES)}\n"
    return head + f"type: dbt_model\ndbtModel: {{name: {rng.choice(TABLES)}}}\n"


def _hightouch_sync(rng: random.Random, i: int) -> str:
    return (f"model: model-{i}\ndestination: salesforce\ntype: object\nfilters:\n"
            f"  - {{field: country, operator: equals, value: US}}\n  - {{field: units_sold, operator: greater_than, value: {rng.randint(1, 9)}}}\n"
            "config:\n  object: Account\n  mappings:\n    - {from: email, to: Email}\n    - {from: tier, to: Tier__c}\n")


def _notebook(rng: random.Random, i: int) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [f"# Analysis {i}\n", "Which items sell?"]},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["import pandas as pd\n", "%load_ext sql\n", "%sql duckdb:///warehouse.duckdb"]}]
    for j in range(rng.randint(3, 8)):
        cols = ", ".join(_cols(rng, 5))
        cells.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                      "source": [f"%%sql q{j} <<\n", f"select {cols}, is_seasonal, volume_ml\n", f"from analytics.{rng.choice(TABLES)}\n",
                                 f"where units_sold > {rng.randint(1, 50)}"]})
        cells.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                      "source": [f"df{j} = q{j}.DataFrame()\n", f"df{j} = df{j}[~df{j}[\"is_seasonal\"] & (df{j}[\"volume_ml\"] > 50)]\n",
                                 f"df{j}.groupby(\"market\").agg(n=(\"sku_id\", \"count\")).sort_values(\"n\")"]})
    for c in cells:
        if c["cell_type"] == "code":
            c["id"] = f"c{i}-{id(c) % 100000}"
        else:
            c["id"] = f"m{i}"
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1)


def _python(rng: random.Random, i: int) -> str:
    out = ['"""Service module %d: data access and helpers."""' % i, "", "import logging", "", "LOG = logging.getLogger(__name__)", ""]
    for j in range(rng.randint(20, 40)):
        if rng.random() < 0.15:
            out += [f'QUERY_{j} = """', f"select {', '.join(_cols(rng, 4))}", f"from analytics.{rng.choice(TABLES)}",
                    "where store_id = %(store_id)s and not is_seasonal", '"""', ""]
        out += [f"def handler_{j}(conn, request):", f'    """Handle request {j}."""', f'    LOG.info("handling %s for %s", "{j}", request.user)',
                f'    payload = {{"status": "ok", "kind": "handler-{j}", "message": f"done {{request.id}}"}}',
                f'    if request.get("mode") == "full refresh":', '        return payload',
                '    return {**payload, "extra": "utf-8"}', ""]
    return "\n".join(out) + "\n"


def _script(rng: random.Random, i: int, ts: bool) -> str:
    typ = ": string" if ts else ""
    out = [f"// module {i}", "import { db } from './db';", ""]
    for j in range(rng.randint(15, 30)):
        if rng.random() < 0.15:
            out.append(f"export const Q{j}{typ} = `select {', '.join(_cols(rng, 4))} from analytics.{rng.choice(TABLES)} where tier = ${{tier}} and volume_ml > 50`;")
        out += [f"export function f{j}(req{typ if ts else ''}) {{", f"  const msg{typ} = 'Select a store to continue ' + req.name;",
                f"  console.log(`request ${{req.id}} handled by f{j}`);", "  return { ok: true, msg };", "}", ""]
    return "\n".join(out) + "\n"


def generate(root: Path, views: int = 2000, hightouch: int = 500, notebooks: int = 300, apps: int = 1000, seed: int = 7) -> dict[str, int]:
    """Write the last mile under ``root/lastmile``; returns the file counts by kind."""
    rng = random.Random(seed)
    lm = root / "lastmile"
    (lm / "lookml" / "views").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text("name: bench\nversion: '1'\nprofile: bench\n")
    names = [f"view_{i}" for i in range(views)]
    for name in names:
        (lm / "lookml" / "views" / f"{name}.view.lkml").write_text(_view(rng, name))
    for m in range(max(1, views // 100)):
        (lm / "lookml" / f"model_{m}.model.lkml").write_text(_model_file(rng, names[m * 100:(m + 1) * 100]))
    (lm / "hightouch" / "models").mkdir(parents=True, exist_ok=True)
    (lm / "hightouch" / "syncs").mkdir(parents=True, exist_ok=True)
    for i in range(hightouch):
        (lm / "hightouch" / "models" / f"model_{i}.yaml").write_text(_hightouch_model(rng, i))
        if i % 2 == 0:
            (lm / "hightouch" / "syncs" / f"sync_{i}.yaml").write_text(_hightouch_sync(rng, i))
    (lm / "notebooks").mkdir(parents=True, exist_ok=True)
    for i in range(notebooks):
        (lm / "notebooks" / f"analysis_{i}.ipynb").write_text(_notebook(rng, i))
    (lm / "app").mkdir(parents=True, exist_ok=True)
    n_py, n_js = apps * 6 // 10, apps * 25 // 100
    for i in range(apps):
        if i < n_py:
            (lm / "app" / f"service_{i}.py").write_text(_python(rng, i))
        elif i < n_py + n_js:
            (lm / "app" / f"module_{i}.js").write_text(_script(rng, i, False))
        else:
            (lm / "app" / f"module_{i}.ts").write_text(_script(rng, i, True))
    return {"lookml_views": views, "hightouch_models": hightouch, "hightouch_syncs": (hightouch + 1) // 2,
            "notebooks": notebooks, "app_files": apps}
