"""WHS002 schema-drift."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, ClassVar

import polars as pl

from rules._text import label
from rules.base import NodeRule, Severity, Violation
from rules.context import Context
from rules.warehouse._common import warehouse

_DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "snowflake": "snowflake", "bigquery": "bigquery"}


@lru_cache(maxsize=4096)
def canonical_type(data_type: str, dialect: str | None) -> str:
    """A type name in one spelling, so `int`, `INTEGER` and `int4` compare equal.

    sqlglot builds the type in the warehouse's dialect and writes it back; a type it cannot
    read is compared as written, in lower case.

    Example:
        >>> canonical_type("integer", "postgres") == canonical_type("INT", "postgres")
        True
        >>> canonical_type("numeric(10,2)", "postgres")
        'DECIMAL(10, 2)'
    """
    from sqlglot import exp
    from sqlglot.errors import ParseError

    try:
        return exp.DataType.build(data_type, dialect=dialect, udt=True).sql(dialect=dialect).upper()
    except (ParseError, ValueError):
        return " ".join(data_type.lower().split())


def same_type(expected: str, actual: str, dialect: str | None) -> bool:
    """Types agree in one spelling; a type declared without parameters (`numeric`) accepts any
    (`numeric(10,2)`).

    Example:
        >>> same_type("numeric", "numeric(10,2)", "postgres"), same_type("int", "text", "postgres")
        (True, False)
    """
    a, b = canonical_type(expected, dialect), canonical_type(actual, dialect)
    if a == b:
        return True
    if "(" not in expected:  # (a dialect may add its default parameters: DuckDB's DECIMAL(18, 3))
        return a.split("(", 1)[0].strip() == b.split("(", 1)[0].strip()
    return False


class SchemaDrift(NodeRule):
    """A relation's columns in the warehouse differ from the manifest or the catalog.

    What it does:
        Compares the columns of each model, seed, snapshot and source relation in the latest
        warehouse collect with what dbt knows: the columns declared in yml (and their
        `data_type`, when declared) and the columns of dbt's `catalog.json`. It reports a
        declared or catalogued column the warehouse lacks, a warehouse column the catalog does
        not know, and a column whose type changed. Types are compared in one spelling (sqlglot,
        in the warehouse's dialect), so `int` and `INTEGER` agree.

    Why it matters:
        A column dropped or retyped upstream breaks models at their next run, or worse, keeps
        them running on NULLs or truncated values; a new column nobody documented is data
        nobody tests. The catalog and the yml are what the team believes; the warehouse is
        what is true.

    Example:
        `stg_orders` declares `unit_price` as `numeric`; the loader now sends it as `varchar`
        and added a column `currency`.

    Instead:
        Update the yml (and the contract) to the new shape, or fix the loader; regenerate the
        catalog (`dbt docs generate`) once the change is intended.
    """

    id: ClassVar[str] = "WHS002"
    name: ClassVar[str] = "schema-drift"
    category: ClassVar[str] = "warehouse"
    severity: ClassVar[Severity] = Severity.WARN
    hint: ClassVar[str] = "update the yml and contract to the warehouse's shape, or fix what changed upstream; then `dbt docs generate`"

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        wh = warehouse(ctx)
        if not wh.present:
            return []
        self._wh = wh
        self._dialect = _DIALECTS.get(str(wh.latest.get("engine") or ctx.project.get("adapter") or ""), None)
        declared: dict[str, dict[str, str | None]] = {}
        for uid, col, dtype in ctx.frames["node_columns"].select("unique_id", "name", "data_type").iter_rows():
            declared.setdefault(uid, {})[col.lower()] = dtype
        catalogued: dict[str, dict[str, str | None]] = {}
        catalog = ctx.frames.get("catalog_columns", pl.DataFrame())
        if catalog.height:
            for uid, col, dtype in catalog.select("unique_id", "name", "data_type").iter_rows():
                catalogued.setdefault(uid, {})[col.lower()] = dtype
        self._declared, self._catalogued = declared, catalogued
        return sorted(
            uid for uid, key in wh.node_relations.items()
            if key in wh.columns and (uid in declared or uid in catalogued)
        )

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        key = self._wh.node_relations[node]
        actual = self._wh.columns[key]
        declared, catalogued = self._declared.get(node, {}), self._catalogued.get(node, {})
        kind, name = ctx.node(node)["resource_type"], label(ctx, node)
        for col in sorted(set(declared) | set(catalogued)):
            if col not in actual:
                where = " and ".join(w for w, d in (("the yml", declared), ("the catalog", catalogued)) if col in d)
                yield Violation(node, f"{kind} `{name}`: column `{col}` is in {where} but not in the warehouse", key=f"missing:{col}")
                continue
            for where, expected in (("the yml", declared.get(col)), ("the catalog", catalogued.get(col))):
                if expected and not same_type(expected, actual[col], self._dialect):
                    yield Violation(
                        node,
                        f"{kind} `{name}`: column `{col}` is {actual[col]} in the warehouse but {expected} in {where}",
                        key=f"type:{col}",
                    )
                    break
        if catalogued:
            new = sorted(c for c in actual if c not in catalogued)
            for col in new:
                yield Violation(
                    node, f"{kind} `{name}`: column `{col}` ({actual[col]}) is in the warehouse but not in dbt's catalog", key=f"new:{col}",
                )
