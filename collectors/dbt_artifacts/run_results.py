"""run_results.json (schema v1 to v6) -> the invocations and node_results frames.

The shape barely moved across versions: v1 (dbt 0.19) has ``status``, ``timing``,
``thread_id``, ``execution_time``, ``message`` and ``adapter_response``; v2 adds
``failures``; v5 adds ``compiled_code`` and ``relation_name``; v6 ``batch_results``. Every
key is read defensively. ``command`` is ``args.which`` (``rpc_method`` for RPC calls; dbt
writes ``freshness`` for ``dbt source freshness``, stored as ``source freshness``).
``started_at``/``completed_at`` come from the ``execute`` timing (else ``compile``);
``rows_affected`` from ``adapter_response.rows_affected`` (dbt's ``-1``, "unknown", is NULL).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from collectors.dbt_artifacts._common import (
    INVOCATION_COLUMNS,
    SHAPE_ERRORS,
    ShapeError,
    Where,
    count,
    dumps,
    frame,
    invocation_id_of,
    number,
    obj,
    shape_error,
    text,
    utc_iso,
)

NODE_RESULT_COLUMNS = (
    "invocation_id", "unique_id", "status", "execution_time", "started_at", "completed_at",
    "thread_id", "failures", "message", "adapter_response", "rows_affected",
)  # fmt: skip

_COMMANDS = {"freshness": "source freshness", "source-freshness": "source freshness"}


def parse_run_results(path: Path, doc: dict, version: int) -> dict[str, pl.DataFrame]:
    """Read a parsed run_results.json into store frames.

    Args:
        path: the file (named in errors).
        doc: the parsed document.
        version: its schema version, 1 to 6.

    Returns:
        Frames keyed ``invocations`` (one row, kind ``run_results``) and ``node_results``.

    Raises:
        InputError: the document has an unexpected shape (naming the result and the field).
    """
    where = Where()
    try:
        metadata = obj(doc.get("metadata"), "metadata")
        args = obj(doc.get("args"), "args")
        invocation_id = invocation_id_of(doc, metadata)
        command = text(args.get("which") or args.get("rpc_method"))
        invocation = (
            invocation_id,
            "run_results",
            utc_iso(metadata.get("generated_at")),
            text(metadata.get("dbt_version")),
            version,
            _COMMANDS.get(command, command),  # type: ignore[arg-type]
            dumps(args),
            number(doc.get("elapsed_time"), "elapsed_time"),
            text(args.get("target")),
        )
        where.section = "results"
        rows = [_result_row(invocation_id, i, result, where) for i, result in enumerate(results_of(doc))]
    except SHAPE_ERRORS as e:
        raise shape_error(path, where, e) from None
    return {
        "invocations": frame(path, "invocations", INVOCATION_COLUMNS, [invocation]),
        "node_results": frame(path, "node_results", NODE_RESULT_COLUMNS, rows),
    }


def results_of(doc: dict) -> list:
    """``doc["results"]``: a list, empty when missing."""
    results = doc.get("results")
    if results is None:
        return []
    if not isinstance(results, list):
        raise ShapeError("results is not a list")
    return results


def _result_row(invocation_id: str, i: int, result: object, where: Where) -> tuple:
    where.key = i
    result = obj(result, "the result")
    unique_id = result.get("unique_id") or obj(result.get("node"), "node").get("unique_id")
    if not isinstance(unique_id, str):
        raise ShapeError("a result without a unique_id")
    where.key = unique_id
    started_at, completed_at = execute_timing(result.get("timing"))
    status = result.get("status")
    response = obj(result.get("adapter_response"), "adapter_response")
    return (
        invocation_id,
        unique_id,
        status.lower() if isinstance(status, str) else status,
        number(result.get("execution_time"), "execution_time"),
        started_at,
        completed_at,
        text(result.get("thread_id")),
        result.get("failures"),
        text(result.get("message")),
        dumps(response),
        count(response.get("rows_affected")),
    )


def execute_timing(timing: object) -> tuple[str | None, str | None]:
    """``(started_at, completed_at)`` of the ``execute`` step (else ``compile``), UTC ISO text.

    Example:
        >>> execute_timing([{"name": "compile", "started_at": "2026-01-01T00:00:00Z", "completed_at": None},
        ...                 {"name": "execute", "started_at": "2026-01-01T00:00:01Z",
        ...                  "completed_at": "2026-01-01T00:00:03Z"}])
        ('2026-01-01T00:00:01Z', '2026-01-01T00:00:03Z')
    """
    if not timing:
        return None, None
    if not isinstance(timing, list):
        raise ShapeError("timing is not a list")
    chosen = None
    for step in timing:
        step = obj(step, "timing step")
        name = step.get("name")
        if name == "execute":
            chosen = step
            break
        if name == "compile":
            chosen = step
    if chosen is None:
        return None, None
    return utc_iso(chosen.get("started_at")), utc_iso(chosen.get("completed_at"))
