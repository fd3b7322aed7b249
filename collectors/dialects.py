"""The sqlglot dialect of a dbt adapter, without importing sqlglot.

Every phase of a collect names the project's dialect (the last mile's cache keys, the query
logs, the logic facts) even when it parses nothing; importing sqlglot for that table costs a
cold collect about 0.3 s of CPU. :mod:`collectors.sql_facts.relations` re-exports these names.
"""

from __future__ import annotations

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
