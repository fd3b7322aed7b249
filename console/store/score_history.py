"""The ``score_history`` table: health scores per collect, for trends (see console/scores/history.py).

Why a table written by ``report`` and ``scores`` rather than scores computed again from the
history: a score rests on the findings, and the findings of a past collect cannot be judged
again (the snapshot tables hold only the latest project). So the first ``console report`` or
``console scores`` after a collect records that collect's scores, in a short exclusive visit
of its own after the collect's transaction (``INSERT OR IGNORE`` on (collect_id, scope, key):
a second report of the same collect adds nothing). ``--no-collect`` opens the store read-only
and records nothing; it still reads the history, through :func:`history_readers`, in the
visit that loads the command's context (:func:`console.store.read_tables`'s ``extra``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from console.store.schema import TABLES
from console.store.store import open_writer

_TABLE = "score_history"


def record_scores(store_path: Path, project_root: Path, frame: pl.DataFrame) -> int:
    """Add score rows (columns of ``score_history``); rows of a collect already recorded are skipped."""
    with open_writer(store_path, project_root) as writer:
        writer._con.execute(TABLES[_TABLE].ddl())  # a version-3 store made before the table existed
        return writer.append(_TABLE, frame)


#: The frames :func:`history_readers` add to a :func:`console.store.read_tables` visit.
HISTORY_FRAME, LATEST_FRAME = "score_history", "latest_collect"

_EMPTY_SCHEMA = {"collect_id": pl.Int64, "recorded_at": pl.Datetime("us"), "scope": pl.String,
                 "key": pl.String, "score": pl.Float64, "findings": pl.String}


def _history(con: duckdb.DuckDBPyConnection, scopes: tuple[str, ...], last: int) -> pl.DataFrame:
    sql = (
        f'SELECT collect_id, recorded_at, scope, key, score, findings FROM "{_TABLE}" '
        f'WHERE scope IN ({", ".join("?" for _ in scopes)}) AND collect_id IN '
        f'(SELECT DISTINCT collect_id FROM "{_TABLE}" ORDER BY collect_id DESC LIMIT {int(last)}) '
        "ORDER BY collect_id, scope, key"
    )
    try:
        fetched = con.execute(sql, list(scopes)).fetchall()
    except duckdb.CatalogException:  # a version-3 store made before the table existed
        fetched = []
    return pl.DataFrame(fetched, schema=_EMPTY_SCHEMA, orient="row") if fetched else pl.DataFrame(schema=_EMPTY_SCHEMA)


def _latest(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    latest = con.execute("SELECT max(collect_id) FROM collects").fetchall()[0][0]
    return pl.DataFrame({"collect_id": [latest]}, schema={"collect_id": pl.Int64})


def history_readers(scopes: tuple[str, ...], *, last: int = 12) -> dict:
    """Readers for :func:`console.store.read_tables`'s ``extra``: the rows of these scopes from
    the ``last`` recorded collects (frame :data:`HISTORY_FRAME`, oldest first) and the id of
    the store's latest collect (frame :data:`LATEST_FRAME`, one row), read in the visit that
    loads the report's context rather than in a visit of their own."""
    return {HISTORY_FRAME: lambda con: _history(con, scopes, last), LATEST_FRAME: _latest}


def latest_collect(frames: dict[str, pl.DataFrame]) -> int | None:
    """The latest collect id from the frames :func:`history_readers` read (None: no collect)."""
    frame = frames.get(LATEST_FRAME)
    value = frame["collect_id"][0] if frame is not None and frame.height else None
    return int(value) if value is not None else None
