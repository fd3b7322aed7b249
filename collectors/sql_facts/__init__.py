"""SQL facts per model: what each model's SQL reads, joins and filters on, found with sqlglot.

The collector pipeline calls, for one project:

1. :func:`dialect_for_adapter` with the manifest's adapter type;
2. :func:`input_hashes` for the models' :class:`SqlInput` (compiled SQL when the manifest has
   it, raw code otherwise), then ``Writer.cached_sql_facts(hashes)`` inside :func:`gc_paused`
   (decoding 10,000 cached facts takes 0.1 s with the collector paused, up to 0.8 s without);
3. :func:`compute_facts` with those hashes, which parses only what the cache lacks, on every
   core, and returns the ``sql_facts`` rows and the new ``sql_facts_cache`` rows;
4. :func:`classify_hardcoded` per model, with the relation names of its refs and sources
   (through ephemeral parents), to fill ``hardcoded_relations`` (not cached: it depends on the
   DAG, not on the SQL alone).

Modules: :mod:`.extract` (facts of one SQL text), :mod:`.jinja_reduce` (raw dbt SQL to plain
SQL), :mod:`.parallel` (cache and process pool), :mod:`.relations` (dialects, hand-written
relation names).
"""

from __future__ import annotations

from collectors.sql_facts.extract import extract_facts
from collectors.sql_facts.jinja_reduce import reduce_jinja
from collectors.sql_facts.parallel import (
    CACHE_SCHEMA,
    SQL_FACTS_SCHEMA,
    SqlInput,
    compute_facts,
    content_hash,
    gc_paused,
    input_hashes,
)
from collectors.sql_facts.relations import classify_hardcoded, dialect_for_adapter

__all__ = [
    "CACHE_SCHEMA",
    "SQL_FACTS_SCHEMA",
    "SqlInput",
    "classify_hardcoded",
    "compiled_build",
    "compute_facts",
    "content_hash",
    "dialect_for_adapter",
    "extract_facts",
    "gc_paused",
    "input_hashes",
    "reduce_jinja",
]


def compiled_build() -> bool:
    """Whether sqlglot runs its compiled build (sqlglotc): parsing is 2 to 3 times faster.

    sqlglotc installs compiled modules beside sqlglot's Python ones, and Python prefers them;
    the tokenizer core and the parser are the ones that matter.
    """
    import importlib.machinery

    import sqlglot.parser
    import sqlglot.tokenizer_core

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return all((m.__file__ or "").endswith(suffixes) for m in (sqlglot.parser, sqlglot.tokenizer_core))
