"""The DuckDB store: schema (:mod:`.schema`), locking (:mod:`.lock`) and all SQL (:mod:`.store`)."""

from console.store.schema import SCHEMA_VERSION, SNAPSHOT_TABLES, TABLES
from console.store.store import (
    Writer,
    cached_logic,
    cached_sql_facts,
    default_store_path,
    open_writer,
    peek,
    read_tables,
)

__all__ = [
    "SCHEMA_VERSION", "SNAPSHOT_TABLES", "TABLES", "Writer",
    "cached_logic", "cached_sql_facts", "default_store_path", "open_writer", "peek", "read_tables",
]
