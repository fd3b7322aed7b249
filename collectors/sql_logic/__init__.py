"""The logic in SQL: what a piece of SQL reads, whether it holds business logic, and which rules.

Used for dbt models (their compiled SQL) and for last-mile items (the SQL a Hightouch model, a
LookML view, a Metabase question, application code or a notebook holds). The facts land in the
store tables ``logic_facts`` (one row per subject) and ``logic_cache`` (by content hash).

Public API:

* :func:`analyse` ``(sql, dialect, *, line_offset=1) -> dict``: pure; never raises on bad
  SQL. Returns ``classification`` (``pass-through``, ``business`` or ``unparsed``),
  ``relations`` (external relations as written, quotes kept, CTE names resolved away),
  ``expressions`` (business logic: ``[{kind, sql, key, columns, line, normal, negated}]``,
  ``kind`` one of :data:`KINDS`, ``line`` a line of the file when ``line_offset`` is the line
  where the SQL starts) and ``parse_error`` (the first line of sqlglot's message, or None).
  What counts as business logic: :mod:`collectors.sql_logic.analyse`.
* :func:`content_hash` ``(sql, dialect) -> str``: the cache key (holds :data:`LOGIC_VERSION`).
* :func:`key_of_filter` ``(column, op, value) -> str``: the key of a structured filter (a
  Hightouch sync filter, a Metabase GUI filter, a pandas mask ``~df["is_seasonal"]`` given as
  ``("is_seasonal", "=", False)``): the same key as the SQL predicate it stands for.
* :func:`analyse_many` ``(items, cached, ...) -> (logic_facts frame, new logic_cache rows)``:
  the cached batch entry point, with a process pool for cold runs; items are
  :class:`LogicInput`.
* :func:`facts_and_logic_many`: SQL facts (:mod:`collectors.sql_facts`) and logic facts of dbt
  models from ONE parse per text (what a collect runs for models when both caches miss).
* The collect phase is :func:`collectors.logic_phase.logic_phase`.

Keys (:mod:`collectors.sql_logic.normalise`): the same business rule written differently gets
the same key, a stable string. Columns reduced to their lower-case name, literals typed
(``50`` is not ``'50'``), comparisons with the column on the left, ``NOT`` pushed in, ``IN``
lists sorted, and a key names the partition a predicate draws, not the side it keeps:

    >>> k = lambda sql: analyse(f"select * from t where {sql}", "snowflake")["expressions"][0]["key"]
    >>> {k("volume_ml > 50"), k("T.VOLUME_ML > 50"), k('50 < "volume_ml"'), k("not (volume_ml <= 50)")}
    {'volume_ml <= 50'}
    >>> case = analyse("select case when volume_ml <= 50 then 'miniature' end from t", "duckdb")
    >>> case["expressions"][0]["kind"], case["expressions"][0]["key"]
    ('case', 'volume_ml <= 50')
    >>> {k("not is_seasonal"), k("is_seasonal = false"), key_of_filter("is_seasonal", "=", False)}
    {'is_seasonal = TRUE'}

Bind parameters and template variables (``?``, ``:p1``, ``$1``, ``%s`` once turned into one of
those, and string literals starting with ``{{`` or ``__param``) are the caller's input: a
condition on one is not business logic.
"""

from __future__ import annotations

from collectors.sql_logic.analyse import KINDS, analyse, analyse_statements, empty_logic
from collectors.sql_logic.batch import (
    LOGIC_CACHE_SCHEMA,
    LOGIC_FACTS_SCHEMA,
    LOGIC_VERSION,
    LogicInput,
    analyse_many,
    content_hash,
    facts_row,
)
from collectors.sql_logic.shared import facts_and_logic, facts_and_logic_many
from collectors.sql_logic.normalise import canonical_sql, key_of_filter, normal_sql, rule_key

__all__ = [
    "KINDS",
    "LOGIC_CACHE_SCHEMA",
    "LOGIC_FACTS_SCHEMA",
    "LOGIC_VERSION",
    "LogicInput",
    "analyse",
    "analyse_many",
    "analyse_statements",
    "canonical_sql",
    "content_hash",
    "empty_logic",
    "facts_and_logic",
    "facts_and_logic_many",
    "facts_row",
    "key_of_filter",
    "normal_sql",
    "rule_key",
]
