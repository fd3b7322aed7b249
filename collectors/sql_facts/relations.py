"""Relation names: the sqlglot dialect of a dbt adapter, and relations written by hand.

A model that reads ``raw.shop.orders`` directly, instead of through ``{{ source() }}`` or
``{{ ref() }}``, hides an edge from the DAG. :func:`classify_hardcoded` finds those relations by
comparing what the SQL reads with the relation names dbt rendered for the model's refs and
sources.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence

ADAPTER_DIALECTS: dict[str, str] = {
    "duckdb": "duckdb", "motherduck": "duckdb",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "postgres": "postgres", "postgresql": "postgres", "alloydb": "postgres",
    "materialize": "materialize", "risingwave": "risingwave",
    "redshift": "redshift",
    "databricks": "databricks",
    "spark": "spark", "glue": "spark",
    "hive": "hive", "impala": "hive",
    "trino": "trino", "starburst": "trino", "presto": "presto", "athena": "athena",
    "clickhouse": "clickhouse",
    "mysql": "mysql", "mariadb": "mysql", "tidb": "mysql", "singlestore": "mysql",
    "sqlite": "sqlite",
    "oracle": "oracle",
    "sqlserver": "tsql", "synapse": "tsql", "fabric": "fabric",
    "teradata": "teradata",
    "doris": "doris", "starrocks": "starrocks",
    "dremio": "dremio", "exasol": "exasol", "druid": "druid",
}
"""dbt adapter type -> sqlglot dialect name."""

DEFAULT_DIALECT = "duckdb"


def dialect_for_adapter(adapter: str | None) -> str:
    """The sqlglot dialect to parse a dbt adapter's SQL with.

    Args:
        adapter: the manifest's ``metadata.adapter_type`` (or the profile's ``type``), or None.

    Returns:
        A sqlglot dialect name: ``duckdb`` when there is no adapter, ``''`` (sqlglot's generic
        dialect) for an adapter not in :data:`ADAPTER_DIALECTS`.

    Example:
        >>> dialect_for_adapter("Snowflake"), dialect_for_adapter(None), dialect_for_adapter("exotic")
        ('snowflake', 'duckdb', '')
    """
    if not adapter:
        return DEFAULT_DIALECT
    return ADAPTER_DIALECTS.get(adapter.strip().lower(), "")


@functools.lru_cache(maxsize=65536)
def relation_parts(name: str) -> tuple[str, ...]:
    """Split a relation name into lower-case parts, honouring quotes.

    Backticks are BigQuery's: ```my-project.dataset.table``` in one pair is three parts.

    Example:
        >>> relation_parts('"Warehouse"."main"."stg.orders"')
        ('warehouse', 'main', 'stg.orders')
        >>> relation_parts("`proj`.dataset.Orders"), relation_parts("'crm'.'Customers'")
        (('proj', 'dataset', 'orders'), ('crm', 'customers'))
        >>> relation_parts("`my-project.dataset.orders`")
        ('my-project', 'dataset', 'orders')
    """
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    closing = {'"': '"', "`": "`", "[": "]", "'": "'"}
    for ch in name.strip():
        if quote is not None:
            if ch == closing[quote]:
                quote = None
            elif ch == "." and quote == "`":
                parts.append("".join(current))
                current = []
            else:
                current.append(ch)
        elif ch in closing:
            quote = ch
        elif ch == ".":
            parts.append("".join(current))
            current = []
        elif not ch.isspace():
            current.append(ch)
    parts.append("".join(current))
    return tuple(p.lower() for p in parts)


def _matches(read: tuple[str, ...], known: tuple[str, ...]) -> bool:
    k = min(len(read), len(known))
    return k > 0 and read[-k:] == known[-k:]


def classify_hardcoded(tables_read: Sequence[str], known_relations: Collection[str]) -> list[str]:
    """The relations a model reads that none of its refs or sources account for.

    A relation read matches a known relation when the shorter of the two names is a suffix of
    the other, part by part, ignoring quotes and case: ``main.stg_orders`` and ``stg_orders``
    both match ``"warehouse"."main"."stg_orders"``; ``raw.orders`` does not match
    ``"warehouse"."staging"."orders"``.

    Args:
        tables_read: the model's ``tables_read`` fact.
        known_relations: relation names of the model's refs and sources as dbt renders them
            (their ``relation_name``). An ephemeral parent has none and dbt inlines it as a
            CTE: pass its own parents' relations instead, recursively. For models read from
            raw SQL, also pass the ref'd model names and ``source_name.table`` names, since
            that is what Jinja reduction leaves in the SQL.

    Returns:
        The relations of ``tables_read`` that match no known relation, in their order.

    Example:
        >>> classify_hardcoded(
        ...     ["main.stg_orders", "raw.shop.customers"], ['"warehouse"."main"."stg_orders"'])
        ['raw.shop.customers']
    """
    known = [relation_parts(k) for k in known_relations]
    return [t for t in tables_read if not any(_matches(relation_parts(t), k) for k in known)]
