"""The ``score_history`` table: health scores per collect, for trends (see console/scores/history.py).

Why a table written by ``report`` and ``scores`` rather than scores computed again from the
history: a score rests on the findings, and the findings of a past collect cannot be judged
again (the snapshot tables hold only the latest project). So the first ``console report`` or
``console scores`` after a collect records that collect's scores, in a short exclusive visit
of its own after the collect's transaction (``INSERT OR IGNORE`` on (collect_id, scope, key):
a second report of the same collect adds nothing). ``--no-collect`` opens the store read-only
and records nothing; it still reads the history.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from console.store.lock import store_lock
from console.store.schema import SCHEMA_VERSION, TABLES
from console.store.store import _connect, _schema_version, open_writer

_TABLE = "score_history"


def record_scores(store_path: Path, project_root: Path, frame: pl.DataFrame) -> int:
    """Add score rows (columns of ``score_history``); rows of a collect already recorded are skipped."""
    with open_writer(store_path, project_root) as writer:
        writer._con.execute(TABLES[_TABLE].ddl())  # a version-3 store made before the table existed
        return writer.append(_TABLE, frame)


def read_score_history(store_path: Path, scopes: tuple[str, ...], *, last: int = 12) -> tuple[pl.DataFrame, int | None]:
    """The rows of these scopes from the ``last`` recorded collects, oldest first, and the id of
    the store's latest collect, in one short read-only visit.

    An absent store, or one without the table, gives an empty frame: history is optional.
    """
    empty = pl.DataFrame(schema={"collect_id": pl.Int64, "recorded_at": pl.Datetime("us"), "scope": pl.String,
                                 "key": pl.String, "score": pl.Float64, "findings": pl.String})
    if not store_path.exists():
        return empty, None
    sql = (
        f'SELECT collect_id, recorded_at, scope, key, score, findings FROM "{_TABLE}" '
        f'WHERE scope IN ({", ".join("?" for _ in scopes)}) AND collect_id IN '
        f'(SELECT DISTINCT collect_id FROM "{_TABLE}" ORDER BY collect_id DESC LIMIT {int(last)}) '
        "ORDER BY collect_id, scope, key"
    )
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            if _schema_version(con) != SCHEMA_VERSION:
                return empty, None
            latest = con.execute("SELECT max(collect_id) FROM collects").fetchall()[0][0]
            try:
                fetched = con.execute(sql, list(scopes)).fetchall()
            except duckdb.CatalogException:  # a version-3 store made before the table existed
                fetched = []
            rows = pl.DataFrame(fetched, schema=empty.schema, orient="row") if fetched else empty
            return rows, (int(latest) if latest is not None else None)
        finally:
            con.close()
