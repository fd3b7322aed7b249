"""A model that names a table by hand instead of using ref() or source()."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import polars as pl

from rules.base import Rule, Severity, Violation
from rules.context import Context
from rules.structure._common import listing, scope


class HardCodedReferences(Rule):
    """A model that names a table by hand instead of using ref() or source().

    What it does:
        Flags every model whose SQL reads a relation written by hand, such as
        `my_db.my_schema.orders`, instead of through `ref()` or `source()`
        (dbt-project-evaluator's `fct_hard_coded_references`). The relations come from the
        SQL facts the collector extracted (`collectors/sql_facts/`): the tables the compiled
        SQL reads (sqlglot, scope-aware) that none of the model's refs and sources account
        for; without compiled SQL, the same from the raw code with its Jinja reduced, plus
        every table named by `{{ var('...') }}`; when neither parses, the raw code is scanned
        with the evaluator's patterns (`collectors/sql_facts/raw_references.py`), every quoting
        style: `"db"."schema"."table"`, `'schema'.'table'`, `[db].[schema].[table]`,
        backticks, BigQuery's `project.dataset.table`. A CTE name is never reported, nor dbt's
        ephemeral CTEs (`__dbt__cte__<model>`). A model without SQL facts is not judged.

    Why it matters:
        dbt cannot see a hand-written relation: the model is missing from the lineage, may
        run before the table it reads is built, and reads production from a development
        environment (or the other way round).

    Example:
        `fct_orders` contains `select * from my_db.my_schema.orders` and
        `left join my_schema.customers`.

    Instead:
        Use `{{ ref('orders') }}` for a model and `{{ source('shop', 'customers') }}` for raw
        data (declare the source first if it does not exist).

    Differences from dbt-project-evaluator:
        Where the compiled SQL parses, sqlglot decides instead of the evaluator's regular
        expressions: CTE names and table functions are never reported, every FROM and JOIN is seen
        whatever its spacing or quoting, and a bare one-part name that is neither a ref, a source nor
        a CTE is reported too (the evaluator needs a dot or quotes). The evaluator reads only the raw
        code, so it also flags names that Jinja renders away; here that happens only when nothing
        parses (see `collectors/sql_facts/raw_references.py` for the patterns' small differences).
    """

    id: ClassVar[str] = "STR003"
    name: ClassVar[str] = "hard-coded-references"
    category: ClassVar[str] = "structure"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "replace each hand-written relation with ref() (a model) or source() (raw data)"

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        s = scope(ctx)
        facts = ctx.frames.get("sql_facts")
        if facts is None or facts.is_empty() or "hardcoded_relations" not in facts.columns:
            return
        models = pl.DataFrame({"unique_id": s.own_of("model")}, schema={"unique_id": pl.String})
        found = (
            facts.select("unique_id", "hardcoded_relations")
            .join(models, on="unique_id", how="semi")
            .filter(pl.col("hardcoded_relations").list.len() > 0)
            .sort("unique_id")
        )
        label = s.label
        for model, relations in found.iter_rows():
            relations = sorted(set(relations))
            yield Violation(
                model,
                f"`{label[model]}` reads {len(relations)} relation(s) written by hand: {listing(relations)}",
            )
