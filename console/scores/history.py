"""Scores over time: what to record after a collect, and the trend of each score.

The store's ``score_history`` holds one set of scores per collect (see
:mod:`console.store.score_history` for why it is recorded rather than computed again).
:func:`history_rows` turns a :class:`~console.scores.compute.Scores` into those rows;
:class:`Trend` reads them back: each key's past scores, oldest first, and the change since
the previous recorded collect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson
import polars as pl

from console.scores.compute import Scores

_SPARK = "▁▂▃▄▅▆▇█"


def history_rows(scores: Scores, collect_id: int, at: dt.datetime, counts: Mapping[str, Mapping[str, int]]) -> pl.DataFrame:
    """The ``score_history`` rows of one collect: the project (with its finding counts by
    category and severity), every model and source, folder and owner."""
    rows: list[tuple] = [("project", "", scores.project, orjson.dumps(counts).decode())]
    rows += [("folder", g.key, g.score, None) for g in scores.folders]
    rows += [("owner", g.key, g.score, None) for g in scores.owners]
    scope, key, score, findings = zip(*rows)
    schema = {"scope": pl.String, "key": pl.String, "score": pl.Float64, "findings": pl.String}
    groups = pl.DataFrame({"scope": scope, "key": key, "score": score, "findings": findings}, schema=schema)
    nodes = scores.table.select(pl.col("resource_type").alias("scope"), pl.col("unique_id").alias("key"), "score",
                                pl.lit(None, pl.String).alias("findings"))  # columns, not a record per node
    both = pl.concat([groups.head(1), nodes, groups.slice(1)])  # the project, the nodes, folders, owners
    return both.select(pl.lit(collect_id, pl.Int64).alias("collect_id"), pl.lit(at.isoformat()).alias("recorded_at"),
                       *schema)


def sparkline(values: list[float]) -> str:
    """Scores 0 to 10 as block characters, one per value.

    Example:
        >>> sparkline([0.0, 5.0, 10.0])
        '▁▅█'
    """
    return "".join(_SPARK[min(len(_SPARK) - 1, max(0, int(v / 10 * (len(_SPARK) - 1) + 0.5)))] for v in values)


@dataclass(frozen=True)
class Trend:
    """Past scores by (scope, key), oldest first, excluding the collect being reported.

    Attributes:
        past: (scope, key) -> scores of earlier collects, oldest first.
        previous_counts: the finding counts {category: {severity: n}} of the latest earlier
            collect's report, or None.
    """

    past: Mapping[tuple[str, str], list[float]] = field(default_factory=dict)
    previous_counts: Mapping[str, Mapping[str, int]] | None = None

    @classmethod
    def from_rows(cls, rows: pl.DataFrame, current_collect: int | None) -> Trend:
        if current_collect is not None and rows.height:
            rows = rows.filter(pl.col("collect_id") != current_collect)
        past: dict[tuple[str, str], list[float]] = {}
        previous_counts = None
        for _cid, scope, key, score, findings in rows.select("collect_id", "scope", "key", "score", "findings").iter_rows():
            if score is not None:
                past.setdefault((scope, key), []).append(float(score))
            if scope == "project" and findings:
                previous_counts = orjson.loads(findings)  # rows come oldest first: the last one wins
        return cls(past, previous_counts)

    def change(self, scope: str, key: str, now: float | None) -> float | None:
        """``now`` minus the previous recorded score (None when there is none)."""
        before = self.past.get((scope, key))
        if not before or now is None:
            return None
        return round(now - before[-1], 1)

    def line(self, scope: str, key: str, now: float | None) -> str:
        """``▃▄▆ +0.4``: the past and present as a sparkline, and the change ("" without history)."""
        before = self.past.get((scope, key))
        if not before or now is None:
            return ""
        delta = round(now - before[-1], 1)
        sign = "+" if delta > 0 else ("±" if delta == 0 else "")
        return f"{sparkline([*before[-7:], now])} {sign}{delta:.1f}"


def trend_from_frames(frames) -> tuple[Trend, int | None]:
    """The trend and the latest collect id from frames read with a context (the readers of
    :func:`console.store.score_history.history_readers`, passed as ``Context.from_store(extra=...)``)."""
    from console.store.score_history import HISTORY_FRAME, latest_collect

    latest = latest_collect(frames)
    rows = frames.get(HISTORY_FRAME)
    return (Trend.from_rows(rows, latest) if rows is not None else Trend()), latest


def record(store_path, project_root, scores: Scores, collect_id: int | None,
           counts: Mapping[str, Mapping[str, int]]) -> int:
    """Record one collect's scores (nothing when there is no collect or no score)."""
    if collect_id is None or scores.project is None:
        return 0
    from console.store.score_history import record_scores

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return record_scores(store_path, project_root, history_rows(scores, collect_id, now, counts))
