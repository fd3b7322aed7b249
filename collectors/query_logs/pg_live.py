"""``pg_stat_statements`` read live from the warehouse, fed to the query-log phase as a dump.

The warehouse phase's PostgreSQL read (:func:`collectors.warehouse.postgres_engine.read_statements`)
returns the view's rows with the columns a dump of it has (``queryid``, ``rolname``,
``datname``, ``calls``, ``query``, ``toplevel``), the console's own queries left out.
:func:`live_log` wraps them; the query-log phase (:mod:`collectors.querylog_phase`) writes
them to a temporary CSV (:meth:`LiveLog.write_csv`) and loads it with the same reader, the
same format (:data:`collectors.query_logs.formats.PG_STAT_STATEMENTS`) and the same text
parsing as a dump file. Then ``query_log``, ``query_texts`` and ``query_consumers`` gain the
rows, and the federation rules (FED001-003) see who reads what.

Decisions:

* One shaping: the rows go through :func:`collectors.query_logs.load.load_file` rather than a
  second copy of its SQL, so a live read and a dump of the same view give the same rows
  (``tests/warehouse/test_pg_live.py`` compares them). The temporary file costs a few
  milliseconds for pg_stat_statements' 5,000 statements.
* The user is the role's name (``rolname``), the database the one the warehouse read.
  pg_stat_statements keeps no times: ``started_at`` is NULL, as for a dump.
* Its counters are cumulative: each collect's rows replace the stored rows of the same query
  id (``pg:`` ids, as for a dump read again); a statement the server has since forgotten
  (``pg_stat_statements_reset()``, eviction) keeps its last stored count.
* Not a file: nothing goes to ``artifact_files`` or ``file_stats``; ``source_file`` names the
  target (``pg_stat_statements of postgresql://reader@/shop``), never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class LiveLog:
    """A query log read from a live warehouse.

    Attributes:
        source: where the rows came from, as ``query_log.source_file`` names it.
        rows: the rows, with the columns of a dump of ``pg_stat_statements`` (text).
    """

    source: str
    rows: pl.DataFrame

    @property
    def columns(self) -> dict[str, str]:
        """The dump's columns, as :func:`collectors.query_logs.load.sniff` describes a CSV's."""
        return dict.fromkeys(self.rows.columns, "VARCHAR")

    def write_csv(self, folder: Path) -> Path:
        """The rows as a CSV dump in ``folder`` (quoted as DuckDB's reader expects)."""
        path = folder / "pg_stat_statements.csv"
        self.rows.write_csv(path, quote_style="non_numeric")
        return path

    def describe(self) -> str:
        """The collect summary's line.

        Example:
            >>> LiveLog("pg_stat_statements of postgresql://r@/shop", pl.DataFrame({"query": ["select 1"]})).describe()
            'query logs: 1 statement read from pg_stat_statements of postgresql://r@/shop'
        """
        n = self.rows.height
        return f"query logs: {n} statement{'s' if n != 1 else ''} read from {self.source}"


def live_log(read) -> LiveLog | None:
    """The query log a warehouse read brought (a :class:`collectors.warehouse.WarehouseRead`,
    or None), or None when it brought none or an empty one."""
    if read is None or read.statements is None or read.statements.is_empty():
        return None
    return LiveLog(f"pg_stat_statements of {read.target}", read.statements)
