"""The query-log phase of a collect: new log files read, texts parsed, frames for the write.

Steps (:func:`querylog_phase`, before the store is opened for writing):

1. Find the files: each ``--query-log`` / ``[paths] query_logs`` path (default
   ``PROJECT/query_logs/``) is a file or a folder searched for ``.csv``, ``.tsv``, ``.json``,
   ``.jsonl`` and ``.ndjson`` files (gzipped too).
2. Skip what the store holds: a file whose size and mtime match the stat cache, or whose
   sha256 is in ``artifact_files``, is not read again (this is what makes a second collect of
   a million-row log take well under a second). Snowflake QUERY_HISTORY and ACCESS_HISTORY
   files are joined on ``QUERY_ID``: a new file of one kind is read with the files of the
   other kind collected before (rows completed by a new ACCESS_HISTORY file replace theirs).
3. Read the new files with DuckDB (:mod:`collectors.query_logs.load`); a file whose columns fit
   no format is an input error naming the columns it expected; rows a reader cannot take are
   counted skips named by line. ``pg_stat_statements`` read live by the warehouse phase
   (PostgreSQL) joins them as one more dump of the view (:mod:`collectors.query_logs.pg_live`).
4. Parse each distinct text that the log gives no objects for, once ever
   (:mod:`collectors.query_logs.texts`; the store's ``query_texts`` holds texts parsed before).
5. Hand over frames: ``query_log`` rows, new ``query_texts``, the files seen.

Inside the write transaction (:func:`write_querylog`), rows are added (a query id already
stored adds nothing; pg_stat_statements rows, cumulative counters, replace theirs, and so do
rows joined with a new ACCESS_HISTORY file) and ``query_consumers`` follows by difference:
the new rows' summary added, the replaced rows' subtracted; only rows completed by a new
ACCESS_HISTORY file (whose times may move a first or last seen) make it recomputed from the
whole ``query_log``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from collectors.query_logs.formats import PG_STAT_STATEMENTS, Format
from collectors.query_logs.pg_live import LiveLog
from collectors.query_logs.load import NORMALISED, connect, is_log_file, load_file, sniff
from console.errors import InputError

#: A query-log row counts as a read when its status is one of these (or it has none).
OK_STATUSES = ("SUCCESS", "DONE")
_TEXT_KEEP = 2000
_SNOWFLAKE = ("snowflake_history", "snowflake_access")


@dataclass
class LogFile:
    path: Path
    rel: str
    size: int
    mtime_ns: int
    sha256: str = ""
    fmt: Format | None = None
    columns: dict[str, str] = field(default_factory=dict)
    header: bool = True


@dataclass
class QueryLogFrames:
    """What the phase hands to the write transaction."""

    rows: pl.DataFrame | None = None
    texts: pl.DataFrame | None = None
    new_files: list[LogFile] = field(default_factory=list)
    seen_files: list[LogFile] = field(default_factory=list)
    files_read: int = 0
    files_unchanged: int = 0
    texts_parsed: int = 0
    texts_cached: int = 0
    texts_unparsed: int = 0
    rows_skipped: int = 0
    replace: bool = False
    delta: pl.DataFrame | None = None
    """``query_consumers`` rows of :attr:`rows` alone, summed by DuckDB outside the store's lock."""
    """True when new ACCESS_HISTORY rows may complete query rows stored before: upsert them."""
    notes: list[str] = field(default_factory=list)

    def describe(self, rows_added: int) -> str:
        """The collect summary's line about query logs.

        Example:
            >>> QueryLogFrames(files_read=2, texts_parsed=3).describe(10)
            'query logs: 2 files read, 10 rows added, 3 texts parsed, 0 cached'
        """
        parts = [f"{self.files_read} files read" if self.files_read != 1 else "1 file read"]
        if self.files_unchanged:
            parts.append(f"{self.files_unchanged} unchanged")
        parts.append(f"{rows_added} rows added")
        if self.files_read:
            parts.append(f"{self.texts_parsed} texts parsed, {self.texts_cached} cached")
        if self.texts_unparsed:
            parts.append(f"{self.texts_unparsed} could not be parsed")
        if self.rows_skipped:
            parts.append(f"{self.rows_skipped} rows skipped")
        return "query logs: " + ", ".join(parts)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def find_files(paths: tuple[Path, ...], root: Path, notes: list[str] | None = None) -> list[LogFile]:
    """Every log file under ``paths``, with its stat (sorted, each once).

    Folders are walked as :func:`console.files.walk_files` walks them (regular files only,
    bounded); a file named directly must be a regular file within the ``query_log`` size limit.

    Raises:
        InputError: a path that does not exist, is not a regular file, or is too big.
    """
    from console.files import is_regular, limit_for, walk_files

    limit = limit_for("query_log")
    found: dict[Path, LogFile] = {}
    for given in paths:
        if given.is_dir():
            candidates = walk_files(given, lambda name: is_log_file(Path(name)), notes=notes)
        elif not given.exists():
            raise InputError(given, "query log not found (give a file or a folder of query-log exports)")
        elif not is_regular(given):
            raise InputError(given, "is not a regular file (give a query-log export or a folder of them)")
        else:
            candidates = [given]
        for p in candidates:
            st = p.stat()
            if st.st_size > limit:
                raise InputError(p, f"is {st.st_size / 2**20:.1f} MB, over the {limit // 2**20} MB limit for query logs (CONSOLE_MAX_FILE_MB raises it)")
            found.setdefault(p, LogFile(p, _rel(p, root), st.st_size, st.st_mtime_ns))
    return list(found.values())


def _known(f: LogFile, stats: dict, hashes: set[str]) -> bool:
    cached = stats.get(f.rel)
    if cached is not None and cached[0] == f.size and cached[1] == f.mtime_ns and cached[2]:
        f.sha256 = cached[2]
    else:
        try:
            f.sha256 = _sha256(f.path)
        except OSError as e:
            raise InputError(f.path, f"cannot read: {e.strerror}") from None
    return f.sha256 in hashes


def _parsed_before(store: Path) -> pl.DataFrame | None:
    """The store's query_texts (hash and objects), or None when it has none yet."""
    from console.store import read_tables

    if not store.exists():
        return None
    try:
        return read_tables(store, {"query_texts": ["query_hash", "objects_read"]})["query_texts"]
    except InputError:
        return None  # an older store (migrated by this collect's write) or none at all: parse everything


def project_dialect(snapshot: dict | None, seen: dict) -> str:
    """The sqlglot dialect of the project's adapter (the new snapshot's, else the store's)."""
    from collectors.dialects import dialect_for_adapter

    adapter = seen.get("adapter")
    if snapshot is not None and snapshot["project"].height and "adapter" in snapshot["project"].columns:
        adapter = snapshot["project"]["adapter"][0] or adapter
    return dialect_for_adapter(adapter)


def querylog_phase(loc, seen: dict, snapshot: dict | None, live: LiveLog | None = None) -> QueryLogFrames | None:
    """Read the new query-log files of ``loc`` (see the module docstring); None when there are none.

    Args:
        loc: the collect's :class:`console.cli.options.Locations`.
        seen: :func:`console.store.peek` of the store.
        snapshot: the collect's new project snapshot, or None (the project's dialect reads
            logs that do not say theirs: a plain CSV).
        live: pg_stat_statements read from the warehouse (:mod:`collectors.query_logs.pg_live`),
            loaded as a dump of the view, or None.

    Raises:
        InputError: a path that does not exist, a file that cannot be read or whose format is
            not recognised.
    """
    if not loc.query_logs and live is None:
        return None
    dialect = project_dialect(snapshot, seen)
    out = QueryLogFrames()
    files = find_files(loc.query_logs, loc.project, out.notes) if loc.query_logs else []
    out.seen_files = files
    if not files and live is None:
        return out
    stats, hashes = seen["file_stats"], seen["artifact_hashes"]
    new = [f for f in files if not _known(f, stats, hashes)]
    if not new and live is None:
        out.files_unchanged = len(files)
        return out
    con = connect()
    live_dir = None
    try:
        for f in new:
            f.fmt, f.columns, f.header = sniff(con, f.path)
        # a new QUERY_HISTORY file joins the ACCESS_HISTORY files already collected, and the
        # other way round; files of the new file's own kind are not needed again
        kinds = {f.fmt.name for f in new}
        wanted = {"snowflake_history": "snowflake_access", "snowflake_access": "snowflake_history"}
        partners = {wanted[k] for k in kinds if k in wanted}
        if partners:
            for f in files:
                if f not in new:
                    fmt, columns, header = sniff(con, f.path)
                    if fmt.name in partners:
                        f.fmt, f.columns, f.header = fmt, columns, header
        out.replace = "snowflake_access" in kinds
        to_read = [f for f in files if f.fmt is not None]
        out.new_files = new
        out.files_read = len(to_read)
        out.files_unchanged = len(files) - len(to_read)
        if live is not None:  # read like a dump of the view, with the same reader (pg_live.py)
            live_dir = Path(tempfile.mkdtemp(prefix="console-live-log"))
            path = live.write_csv(live_dir)
            to_read.append(LogFile(path, live.source, path.stat().st_size, 0, fmt=PG_STAT_STATEMENTS, columns=live.columns))
            out.notes.append(live.describe())
        _load_all(con, to_read, dialect, out)
        _parse(con, loc.store, out)
        con.execute(
            "CREATE TEMP VIEW final AS SELECT r.* EXCLUDE (objects_read, ok, dialect, query_text), "
            "coalesce(r.objects_read, t.objects_read) AS objects_read FROM rows r LEFT JOIN texts t USING (query_hash)"
        )
        out.rows = con.sql("SELECT * FROM final").pl()
        out.delta = _summary_in_duckdb(con)
    finally:
        con.close()
        if live_dir is not None:
            shutil.rmtree(live_dir, ignore_errors=True)
    return out


def _load_all(con, files: list[LogFile], dialect: str, out: QueryLogFrames) -> None:
    access, other = [], []
    for i, f in enumerate(files):
        table = f"f{i}"
        skips = load_file(con, f.path, f.fmt, f.columns, f.header, table, f.fmt.dialect or dialect)
        if skips.count:
            out.rows_skipped += skips.count
            out.notes.append(f"{f.rel}: {skips.count} rows skipped ({', '.join(skips.where)}{', ...' if skips.count > len(skips.where) else ''})")
        select = f"SELECT *, '{(f.fmt.dialect or dialect)}' AS dialect, '{f.rel.replace(chr(39), chr(39) * 2)}' AS source_file FROM {table}"
        (access if f.fmt.name == "snowflake_access" else other).append(select)
    cols = ", ".join(NORMALISED)
    empty = f"SELECT {cols}, NULL::VARCHAR AS dialect, NULL::VARCHAR AS source_file FROM f0 WHERE FALSE"
    # views, not copies: a million query texts are not copied again
    con.execute(f"CREATE TEMP VIEW acc AS {' UNION ALL BY NAME '.join(access) or empty}")
    con.execute(f"CREATE TEMP VIEW hist AS {' UNION ALL BY NAME '.join(other) or empty}")
    # one row per query id: the first file's (a log exported twice, or overlapping windows)
    first = "QUALIFY row_number() OVER (PARTITION BY query_id) = 1"
    duplicated = con.execute("SELECT count(*) - count(DISTINCT query_id) FROM hist").fetchall()[0][0]
    history = f"(SELECT * FROM hist {first})" if duplicated else "hist"
    if not access:
        con.execute(f"CREATE TEMP VIEW rows AS SELECT * FROM {history}")
        return
    con.execute(
        "CREATE TEMP TABLE rows AS "
        "SELECT h.* REPLACE (coalesce(h.objects_read, a.objects_read) AS objects_read) "
        f"FROM {history} h "
        "LEFT JOIN (SELECT query_id, any_value(objects_read) AS objects_read FROM acc GROUP BY query_id) a USING (query_id) "
        "UNION ALL BY NAME "
        f"SELECT * FROM acc WHERE query_id NOT IN (SELECT query_id FROM hist) {first}"
    )


def _parse(con, store: Path, out: QueryLogFrames) -> None:
    todo = con.execute(
        "SELECT query_hash, any_value(dialect), any_value(query_text) FROM rows "
        "WHERE objects_read IS NULL AND ok AND query_text IS NOT NULL GROUP BY query_hash"
    ).fetchall()
    before = _parsed_before(store) if todo else None
    known = set(before["query_hash"].to_list()) if before is not None else set()
    fresh = [t for t in todo if t[0] not in known]
    out.texts_cached = len(todo) - len(fresh)
    from collectors.query_logs.texts import parse_texts  # sqlglot: only when there is something to parse

    parsed = parse_texts(fresh)
    out.texts_parsed = len(parsed)
    out.texts_unparsed = sum(1 for _, _, error in parsed if error)
    dialects = {h: (d, text) for h, d, text in fresh}
    out.texts = pl.DataFrame(
        {
            "query_hash": [h for h, _, _ in parsed],
            "dialect": [dialects[h][0] for h, _, _ in parsed],
            "objects_read": [objs for _, objs, _ in parsed],
            "parse_error": [error for _, _, error in parsed],
            "query_text": [dialects[h][1][:_TEXT_KEEP] for h, _, _ in parsed],
        },
        schema={"query_hash": pl.String, "dialect": pl.String, "objects_read": pl.List(pl.String),
                "parse_error": pl.String, "query_text": pl.String},
    )
    frames = [out.texts.select("query_hash", "objects_read")]
    if before is not None and known:
        frames.append(before.filter(pl.col("query_hash").is_in([t[0] for t in todo])))
    texts = pl.concat(frames)  # noqa: F841 - registered below
    con.register("texts_frame", texts)
    con.execute("CREATE TEMP TABLE texts AS SELECT * FROM texts_frame")
    con.unregister("texts_frame")


_SUMMARY_KEYS = ("user_name", "role_name", "warehouse_name", "app", "database_name", "schema_name")


def consumers_summary(query_log: pl.DataFrame) -> pl.DataFrame:
    """``query_consumers`` rows from ``query_log`` rows: who read which relation, how often, when.

    Example:
        >>> import datetime as dt
        >>> rows = pl.DataFrame({"user_name": ["A", "A", "B"], "role_name": [None] * 3, "warehouse_name": [None] * 3,
        ...     "app": [None] * 3, "database_name": ["db"] * 3, "schema_name": ["s"] * 3,
        ...     "objects_read": [["s.t"], ["s.t", "s.u"], ["s.t"]], "calls": [1, 1, 1],
        ...     "execution_status": ["SUCCESS", "SUCCESS", "FAIL"],
        ...     "started_at": [dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 3)]})
        >>> consumers_summary(rows).sort("relation").select("user_name", "relation", "query_count").rows()
        [('A', 's.t', 2), ('A', 's.u', 1)]
    """
    ok = pl.col("execution_status").is_null() | pl.col("execution_status").str.to_uppercase().is_in(list(OK_STATUSES))
    return (
        query_log.lazy()
        .filter(ok & pl.col("objects_read").is_not_null())
        .select(*_SUMMARY_KEYS, pl.col("objects_read").alias("relation"), pl.col("calls").fill_null(1), "started_at")
        .explode("relation")
        .filter(pl.col("relation").is_not_null() & (pl.col("relation") != ""))
        .group_by(*_SUMMARY_KEYS, "relation")
        .agg(
            pl.col("calls").sum().alias("query_count"),
            pl.col("started_at").min().alias("first_seen"),
            pl.col("started_at").max().alias("last_seen"),
        )
        .filter(pl.col("query_count") > 0)  # statements never executed (pg_stat_statements' calls 0) read nothing
        .collect()
    )


def _summary_in_duckdb(con) -> pl.DataFrame:
    """:func:`consumers_summary` of the phase's rows, in DuckDB (a million rows stay columns)."""
    keys = ", ".join(_SUMMARY_KEYS)
    statuses = ", ".join(f"'{s}'" for s in OK_STATUSES)
    return con.sql(
        f"SELECT {keys}, relation, sum(coalesce(calls, 1)) AS query_count, min(started_at) AS first_seen, "
        f"max(started_at) AS last_seen FROM (SELECT {keys}, calls, started_at, unnest(objects_read) AS relation FROM final "
        f"WHERE execution_status IS NULL OR upper(execution_status) IN ({statuses})) "
        f"WHERE relation IS NOT NULL AND relation <> '' GROUP BY ALL HAVING sum(coalesce(calls, 1)) > 0"
    ).pl()


def _merge(existing: pl.DataFrame, deltas: list[pl.DataFrame]) -> pl.DataFrame:
    """``query_consumers`` rows plus the summaries ``deltas``; a delta with a negative
    ``query_count`` takes rows away, and a (reader, relation) left without a count is gone (as
    :func:`consumers_summary` leaves out readers without one).

    Example:
        >>> keys = dict.fromkeys(_SUMMARY_KEYS, [None])
        >>> old = pl.DataFrame({**keys, "relation": ["s.t"], "query_count": [5], "first_seen": [None], "last_seen": [None]})
        >>> gone, now = old.with_columns(-pl.col("query_count")), old.with_columns(pl.lit(7).alias("query_count"))
        >>> _merge(old, [gone, now])["query_count"].to_list(), _merge(old, [gone]).height
        ([7], 0)
    """
    columns = deltas[0].columns
    parts = ([existing.select(columns)] if existing.height else []) + [d.select(columns) for d in deltas]
    merged = pl.concat(parts, how="vertical_relaxed").group_by(*_SUMMARY_KEYS, "relation").agg(
        pl.col("query_count").sum(), pl.col("first_seen").min(), pl.col("last_seen").max(),
    )
    return merged.filter(pl.col("query_count") > 0)


_SUMMARY_COLUMNS = [*_SUMMARY_KEYS, "objects_read", "calls", "started_at", "execution_status"]
"""The ``query_log`` columns :func:`consumers_summary` reads."""


def _without_times(*frames: pl.DataFrame) -> bool:
    return all(f["started_at"].null_count() == f.height for f in frames)


def write_querylog(w, frames: QueryLogFrames, summary) -> None:
    """Inside the collect's transaction: add the rows and files, refresh ``query_consumers``.

    Rows whose query id is stored already add nothing. ``query_consumers`` is kept up to date
    by difference, so a million stored rows are never summed again:

    * new query ids (the common case: each day's export): the stored summary plus the new
      rows' own;
    * pg_stat_statements rows (``pg:`` ids), whose cumulative counters replace the stored
      rows of the same statement on every collect with the live feed: the stored summary,
      minus the replaced rows' own, plus the new rows'. Counts are sums, so they subtract
      exactly; pg_stat_statements keeps no times, so no first/last-seen time changes.
    * rows that replace stored rows with times (Snowflake rows completed by a new
      ACCESS_HISTORY file): a time removed from a minimum or maximum cannot be subtracted,
      so ``query_consumers`` is recomputed from the whole ``query_log``.

    Measured at 1,000,000 stored rows with 5,000 live statements
    (``benchmarks/bench_querylog_live.py``): see docs/warehouse.md.
    """
    added = 0
    recompute = False
    deltas: list[pl.DataFrame] = []
    if frames.rows is not None and frames.rows.height:
        rows = frames.rows.with_columns(pl.lit(w.collect_id, dtype=pl.Int64).alias("collect_id"))
        pg = pl.col("query_id").str.starts_with("pg:")
        fresh, replacing = rows.filter(~pg), rows.filter(pg)
        # the replaced rows' own summary is subtracted: their columns are read with the ids
        stored = w.current("query_log", ["query_id", *_SUMMARY_COLUMNS] if replacing.height else ["query_id"])
        if stored.height and fresh.height:
            if frames.replace:  # rows completed by a new ACCESS_HISTORY file replace theirs
                replacing = pl.concat([replacing, fresh.join(stored.select("query_id"), on="query_id", how="semi")])
            fresh = fresh.join(stored.select("query_id"), on="query_id", how="anti")
        added += w.append("query_log", fresh)
        if fresh.height:
            # the summary DuckDB made of every row, unless some were stored already
            complete = frames.delta is not None and fresh.height == rows.height
            deltas.append(frames.delta if complete else consumers_summary(fresh))
        if replacing.height:
            replaced = stored.filter(pl.col("query_id").is_in(replacing["query_id"].implode()))
            w.delete_where_in("query_log", "query_id", replacing["query_id"].to_list())
            added += w.append("query_log", replacing)
            if frames.replace or not _without_times(replacing, replaced):
                recompute = True
            else:
                deltas.append(consumers_summary(replacing))
                if replaced.height:
                    deltas.append(consumers_summary(replaced).with_columns(-pl.col("query_count")))
        deltas = [d for d in deltas if d.height]
        if added and not recompute and deltas:
            existing = w.current("query_consumers")
            w.replace("query_consumers", _merge(existing, deltas) if existing.height or len(deltas) > 1 else deltas[0])
    if frames.texts is not None and frames.texts.height:
        w.append("query_texts", frames.texts)
    if frames.new_files:
        w.append("artifact_files", pl.DataFrame({
            "sha256": [f.sha256 for f in frames.new_files], "path": [f.rel for f in frames.new_files],
            "kind": [f"query_log:{f.fmt.name}" for f in frames.new_files], "size": [f.size for f in frames.new_files],
            "mtime_ns": [f.mtime_ns for f in frames.new_files], "collect_id": [w.collect_id] * len(frames.new_files),
        }))
    if frames.seen_files:
        w.upsert("file_stats", pl.DataFrame(
            [(f.rel, f.size, f.mtime_ns, f.sha256) for f in frames.seen_files],
            schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "sha256": pl.String}, orient="row",
        ))
    if recompute:
        w.replace("query_consumers", consumers_summary(w.current("query_log", _SUMMARY_COLUMNS)))
    summary.notes.append(frames.describe(added))
    summary.notes.extend(frames.notes)
