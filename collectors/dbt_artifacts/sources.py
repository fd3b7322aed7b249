"""sources.json (schema v1 to v3, written by ``dbt source freshness``) -> invocations and
freshness_results frames.

v1 (dbt 0.19) results carry ``max_loaded_at``, ``snapshotted_at``,
``max_loaded_at_time_ago_in_s``, ``status`` and ``criteria``; v2 adds ``timing``,
``thread_id`` and ``execution_time``. A source whose query failed is written as
``{unique_id, status: "runtime error", error}`` (dbt 1.11 leaves such sources out of the file
altogether). Times keep their instant: an offset other than UTC is converted.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from collectors.dbt_artifacts._common import (
    INVOCATION_COLUMNS,
    SHAPE_ERRORS,
    ShapeError,
    Where,
    dumps,
    frame,
    invocation_id_of,
    number,
    obj,
    shape_error,
    text,
    threshold,
    utc_iso,
)
from collectors.dbt_artifacts.run_results import results_of

FRESHNESS_COLUMNS = (
    "invocation_id", "unique_id", "status", "max_loaded_at", "snapshotted_at", "age_seconds",
    "warn_after", "error_after", "filter", "error", "execution_time",
)  # fmt: skip


def parse_sources(path: Path, doc: dict, version: int) -> dict[str, pl.DataFrame]:
    """Read a parsed sources.json into store frames.

    Args:
        path: the file (named in errors).
        doc: the parsed document.
        version: its schema version, 1 to 3.

    Returns:
        Frames keyed ``invocations`` (one row, kind ``sources``, command ``source freshness``)
        and ``freshness_results``.

    Raises:
        InputError: the document has an unexpected shape (naming the source and the field).
    """
    where = Where()
    try:
        metadata = obj(doc.get("metadata"), "metadata")
        invocation_id = invocation_id_of(doc, metadata)
        invocation = (
            invocation_id,
            "sources",
            utc_iso(metadata.get("generated_at")),
            text(metadata.get("dbt_version")),
            version,
            "source freshness",
            None,
            number(doc.get("elapsed_time"), "elapsed_time"),
            None,
        )
        where.section = "results"
        rows = []
        for i, result in enumerate(results_of(doc)):
            where.key = i
            rows.append(_freshness_row(invocation_id, obj(result, "the result"), where))
    except SHAPE_ERRORS as e:
        raise shape_error(path, where, e) from None
    return {
        "invocations": frame(path, "invocations", INVOCATION_COLUMNS, [invocation]),
        "freshness_results": frame(path, "freshness_results", FRESHNESS_COLUMNS, rows),
    }


def _freshness_row(invocation_id: str, result: dict, where: Where) -> tuple:
    unique_id = result.get("unique_id")
    if not isinstance(unique_id, str):
        raise ShapeError("a result without a unique_id")
    where.key = unique_id
    criteria = obj(result.get("criteria"), "criteria")
    status = result.get("status")
    return (
        invocation_id,
        unique_id,
        status.lower() if isinstance(status, str) else status,
        utc_iso(result.get("max_loaded_at")),
        utc_iso(result.get("snapshotted_at")),
        number(result.get("max_loaded_at_time_ago_in_s"), "max_loaded_at_time_ago_in_s"),
        dumps(threshold(criteria.get("warn_after"), "criteria.warn_after")),
        dumps(threshold(criteria.get("error_after"), "criteria.error_after")),
        text(criteria.get("filter")),
        text(result.get("error")),
        number(result.get("execution_time"), "execution_time"),
    )
