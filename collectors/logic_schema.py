"""The columns of the logic facts' frames, without importing the SQL analysis (sqlglot).

A collect with nothing to analyse still hands the store an empty ``logic_facts`` frame;
importing :mod:`collectors.sql_logic` for its columns would import sqlglot (about 0.15 s).
:mod:`collectors.sql_logic.batch` re-exports these names.
"""

from __future__ import annotations

import polars as pl

LOGIC_FACTS_SCHEMA: dict[str, pl.DataType] = {
    "subject_id": pl.String(), "subject_type": pl.String(), "content_hash": pl.String(),
    "dialect": pl.String(), "classification": pl.String(), "relations": pl.List(pl.String()),
    "expressions": pl.String(), "parse_error": pl.String(),
}
"""Columns of the store table ``logic_facts`` (``expressions`` as JSON text)."""

LOGIC_CACHE_SCHEMA: dict[str, pl.DataType] = {
    "content_hash": pl.String(), "classification": pl.String(), "relations": pl.List(pl.String()),
    "expressions": pl.String(), "parse_error": pl.String(),
}
"""Columns of the store table ``logic_cache`` (``expressions`` as JSON text, lines from the text's start)."""
