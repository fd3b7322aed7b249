"""dbt artifacts -> store frames: manifest (v1 to v12), run_results (v1 to v6), sources (v1 to
v3) and catalog (v1).

The pipeline finds files with :func:`discover`, reads each once with :func:`sniff` (kind,
schema version, parsed document) and hands the document to the parser of its kind. Each parser
makes one Python pass over the document and builds each frame once, with the column names and
types of the store tables (:mod:`console.store.schema`); ``layer``, ``collect_id``,
``file_path`` and ``file_sha256`` are left for the pipeline to fill. Bad input of any kind
raises :class:`console.errors.InputError` naming the file.

Reading a big manifest creates millions of objects: keep the garbage collector paused from
:func:`sniff` until the document is dropped (``with gc_paused(): ...``), or Python's
collections walk the whole document (a quarter more time at 10,000 models).

Example:
    >>> from pathlib import Path
    >>> data = b'{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"}, "nodes": {}}'
    >>> kind, version, doc = sniff(Path("catalog.json"), data)
    >>> PARSERS[kind](Path("catalog.json"), doc, version)["catalog_tables"].height
    0
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from collectors.dbt_artifacts._common import gc_paused
from collectors.dbt_artifacts.catalog import parse_catalog
from collectors.dbt_artifacts.discover import ArtifactFile, discover
from collectors.dbt_artifacts.manifest import parse_manifest
from collectors.dbt_artifacts.run_results import parse_run_results
from collectors.dbt_artifacts.pieces import ManifestPieces, split_manifest
from collectors.dbt_artifacts.sniff import SUPPORTED, ArtifactKind, check_schema, load_json, sniff
from collectors.dbt_artifacts.sources import parse_sources

PARSERS: dict[str, Callable[[Path, dict, int], dict[str, pl.DataFrame]]] = {
    "manifest": parse_manifest,
    "run_results": parse_run_results,
    "sources": parse_sources,
    "catalog": parse_catalog,
}
"""The parser of each artifact kind."""

__all__ = [
    "PARSERS",
    "SUPPORTED",
    "ArtifactFile",
    "ArtifactKind",
    "ManifestPieces",
    "check_schema",
    "discover",
    "gc_paused",
    "load_json",
    "parse_catalog",
    "parse_manifest",
    "parse_run_results",
    "parse_sources",
    "sniff",
    "split_manifest",
]
