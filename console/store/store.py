"""The one module that speaks SQL to the store.

Two ways in:

* :func:`open_writer` - a context manager for one collect: it takes the lock, opens the file
  read-write, creates or migrates the schema, begins a transaction, and yields a
  :class:`Writer`. Leaving the block commits; an exception rolls back, so a failed collect
  leaves the store exactly as it was.
* :func:`read_tables` - loads the named tables into polars frames under a shared lock and
  closes the file at once (see :mod:`console.store.lock` for why).

Everybody else (collectors, rules, renderers, the UI) works on polars frames.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import duckdb
import orjson
import polars as pl

from console import __version__
from console.errors import InputError
from console.store.lock import store_lock
from console.store.schema import MIGRATIONS, SCHEMA_VERSION, SNAPSHOT_TABLES, TABLES

MEMORY_LIMIT = os.environ.get("CONSOLE_MEMORY_LIMIT", "2GB")


def default_store_path(project_root: Path) -> Path:
    """``CONSOLE_STORE`` if set, else ``PROJECT/.console/store.duckdb``."""
    env = os.environ.get("CONSOLE_STORE")
    return Path(env) if env else project_root / ".console" / "store.duckdb"


CONNECTION_CONFIG: dict[str, object] = {
    "autoload_known_extensions": False,  # a SQLite file given as the store must not make DuckDB
    "autoinstall_known_extensions": False,  # fetch an extension from the network
}
"""Settings of every DuckDB connection the console opens (store, warehouse, files)."""


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": MEMORY_LIMIT, **CONNECTION_CONFIG})
    except duckdb.Error as e:  # not a DuckDB file, a newer format, permissions...
        raise InputError(path, f"cannot open the store: {str(e).splitlines()[0]}") from None
    return con


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Execute and fetch everything (DuckDB 2 refuses new work while a result is unfinished)."""
    return con.execute(sql, params or []).fetchall()


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The store's schema version, None without a ``meta`` table. Outside a transaction only:
    it asks ``meta`` first (a catalogue query costs several times more on a new connection) and
    a failed statement would end the caller's transaction."""
    try:
        rows = _run(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    except duckdb.CatalogException:
        has_meta = _run(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")[0][0]
        if not has_meta:
            return None
        rows = _run(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    return int(rows[0][0]) if rows else None


def _ensure_schema(con: duckdb.DuckDBPyConnection, path: Path, version: int | None, *, new_file: bool = False) -> None:
    """Create a new store, or lift an older one at ``version`` to SCHEMA_VERSION (inside the
    caller's transaction). ``new_file``: the file was created by this connection (nothing in
    it to look at)."""
    if version is None:
        if not new_file and con.execute("SELECT count(*) FROM information_schema.tables").fetchall()[0][0]:
            raise InputError(path, "is a DuckDB file but not a console store (no meta table)")
        _run(con, ";\n".join(table.ddl() for table in TABLES.values()))  # one round trip
        _run(con, "INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        return
    if version > SCHEMA_VERSION:
        raise InputError(
            path, f"store schema version {version} is newer than this console supports ({SCHEMA_VERSION}); upgrade the console"
        )
    for v in range(version + 1, SCHEMA_VERSION + 1):
        for stmt in MIGRATIONS[v]:
            _run(con, stmt)
    if version < SCHEMA_VERSION:
        _run(con, "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


_SHAPE_PROBE: str | None = None


def _shape_probe() -> str:
    """One statement that binds every table and column of the schema and reads no row."""
    global _SHAPE_PROBE
    if _SHAPE_PROBE is None:
        _SHAPE_PROBE = " UNION ALL ".join(
            f'SELECT 1 FROM (SELECT {", ".join(chr(34) + c + chr(34) for c in spec.column_names)} FROM "{name}" LIMIT 0)'
            for name, spec in TABLES.items()
        )
    return _SHAPE_PROBE


_SHAPE_SEEN: dict[str, tuple[int, int, bool]] = {}
"""Store path -> (size, mtime_ns, WAL present) of the file when its shape last passed the check
in this process: the same file is not checked again (a collect's peek, then its writer)."""


def _file_state(path: Path) -> tuple[int, int, bool] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, os.path.exists(f"{path}.wal")


def _check_shape(con: duckdb.DuckDBPyConnection, path: Path, *, in_transaction: bool = False) -> None:
    """Refuse a store whose tables or columns are not those of its schema version (a table
    dropped by hand, a damaged file): every command checks the same way, collect included.

    Outside a transaction one statement binding every column answers first (the catalogue
    query costs about three times more); only when it fails is the catalogue read to name what
    is missing. A file unchanged (size, mtime, WAL) since it passed in this process passes.

    Raises:
        InputError: naming the first missing table or column.
    """
    if not in_transaction:
        state = _file_state(path)
        if state is not None and _SHAPE_SEEN.get(str(path)) == state:
            return
        try:
            _run(con, _shape_probe())
            if state is not None:
                _SHAPE_SEEN[str(path)] = state
            return
        except duckdb.Error:
            pass  # the catalogue says what is missing
    try:
        rows = _run(con, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'")
    except duckdb.Error as e:
        raise InputError(path, f"the store is damaged ({str(e).splitlines()[0]}); delete it and collect again") from None
    have: dict[str, set[str]] = {}
    for table, column in rows:
        have.setdefault(table, set()).add(column)
    for name, spec in TABLES.items():
        if name not in have:
            raise InputError(path, f"the store is damaged: table `{name}` is missing; delete it and collect again")
        missing = [c for c in spec.column_names if c not in have[name]]
        if missing:
            raise InputError(path, f"the store is damaged: table `{name}` lacks column `{missing[0]}`; delete it and collect again")


class _ArrowStream:
    """A polars frame handed to DuckDB through the Arrow PyCapsule interface.

    Registering the frame itself makes DuckDB convert it with pyarrow, which a cold collect
    from a manifest otherwise never imports (about 0.06 s of CPU); the stream is as fast to
    scan (measured on a cold 10k-node collect's frames). Use :func:`_scannable`.
    """

    __slots__ = ("frame",)

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)


def _null_typed(dtype: pl.DataType) -> bool:
    while isinstance(dtype, (pl.List, pl.Array)):
        dtype = dtype.inner
    return dtype == pl.Null


def _scannable(frame: pl.DataFrame) -> object:
    """What to register for a frame: its Arrow stream, with columns of polars' ``Null`` type
    made text first (DuckDB 2.0 refuses Arrow's null type with nulls in it: "non-zero null
    count but no validity bitmap"); a frame with a struct column is registered as itself.

    Example:
        >>> _scannable(pl.DataFrame({"a": [None], "b": [[None]]})).frame.schema
        Schema([('a', String), ('b', List(String))])
    """
    schema = frame.schema
    if any(isinstance(t, pl.Struct) for t in schema.values()):
        return frame
    nulls = {c: (pl.String if t == pl.Null else pl.List(pl.String)) for c, t in schema.items() if _null_typed(t)}
    return _ArrowStream(frame.cast(nulls) if nulls else frame)


def _json_default(obj):
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    raise TypeError


class Writer:
    """Writes one collect. Use through :func:`open_writer`; every method runs in its transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, project_root: Path, *, first: bool = False):
        self._con = con
        self.started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        # ``first``: a store created in this transaction has no collect yet
        next_id = 1 if first else con.execute("SELECT coalesce(max(collect_id), 0) + 1 FROM collects").fetchall()[0][0]
        self.collect_id: int = int(next_id)
        self.project_root = project_root

    # -- reads a collect needs -----------------------------------------------------------
    def cached_sql_facts(self, hashes: Iterable[str]) -> dict[str, dict]:
        """content_hash -> facts for the hashes the SQL-facts cache holds, in this transaction."""
        return _cached_facts(self._con, hashes)

    def current(self, table: str, columns: Iterable[str] | None = None) -> pl.DataFrame:
        """The table as it stands in this transaction."""
        return _read(self._con, table, columns)

    # -- writes ----------------------------------------------------------------------------
    def replace(self, table: str, frame: pl.DataFrame) -> int:
        """Replace a snapshot table's rows with ``frame``."""
        if table not in SNAPSHOT_TABLES:
            raise ValueError(f"{table} is not a snapshot table")
        _run(self._con, f'DELETE FROM "{table}"')
        return self._insert(table, frame, ignore_existing=False)

    def append(self, table: str, frame: pl.DataFrame) -> int:
        """Add rows to a history table; rows whose key exists already are skipped."""
        return self._insert(table, frame, ignore_existing=bool(TABLES[table].key))

    def upsert(self, table: str, frame: pl.DataFrame) -> int:
        """Insert rows, replacing those whose key exists (tables with a key only)."""
        return self._insert(table, frame, ignore_existing=False, replace=True)

    def update(self, table: str, frame: pl.DataFrame) -> int:
        """Update the given columns of existing rows, matched on the table's key."""
        if frame.is_empty():
            return 0
        spec = TABLES[table]
        types = dict(spec.columns)
        sets = ", ".join(f'"{c}" = CAST(u."{c}" AS {types[c]})' for c in frame.columns if c not in spec.key)
        match = " AND ".join(f'"{table}"."{k}" = u."{k}"' for k in spec.key)
        self._con.register("_updates", _scannable(frame))
        _run(self._con, f'UPDATE "{table}" SET {sets} FROM _updates u WHERE {match}')
        self._con.unregister("_updates")  # (after a failure the whole connection is discarded)
        return frame.height

    def delete_where_in(self, table: str, column: str, values: Iterable[str]) -> None:
        frame = pl.DataFrame({"v": list(values)}, schema={"v": pl.String})
        if not frame.is_empty():
            self._con.register("_keys", _scannable(frame))
            _run(self._con, f'DELETE FROM "{table}" WHERE "{column}" IN (SELECT v FROM _keys)')
            self._con.unregister("_keys")

    def _insert(self, table: str, frame: pl.DataFrame, *, ignore_existing: bool, replace: bool = False) -> int:
        if frame.is_empty():
            return 0
        spec = TABLES[table]
        types = dict(spec.columns)
        unknown = [c for c in frame.columns if c not in types]
        if unknown:
            raise ValueError(f"{table}: unknown columns {unknown}")
        cols = [c for c in spec.column_names if c in frame.columns]
        select = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in cols)
        verb = "INSERT OR REPLACE" if replace else ("INSERT OR IGNORE" if ignore_existing else "INSERT")
        col_list = ", ".join(f'"{c}"' for c in cols)
        self._con.register("_incoming", _scannable(frame))
        # an INSERT answers with the rows it added (those OR IGNORE skipped not counted): no
        # count(*) of the table before and after
        added = _run(self._con, f'{verb} INTO "{table}" ({col_list}) SELECT {select} FROM _incoming')[0][0]
        self._con.unregister("_incoming")  # (after a failure the whole connection is discarded)
        return int(added) if not replace else frame.height

    def finish(self, summary: dict) -> None:
        _run(
            self._con,
            "INSERT INTO collects VALUES (?, ?, ?, ?, ?, ?)",
            [
                self.collect_id,
                self.started_at,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                str(self.project_root),
                __version__,
                orjson.dumps(summary, default=_json_default).decode(),
            ],
        )


@contextlib.contextmanager
def open_writer(store_path: Path, project_root: Path) -> Iterator[Writer]:
    """One collect's write transaction: all or nothing.

    On any exception (a bad input found late, a bug, Ctrl-C) the transaction is rolled back and
    the store is as it was; a store this collect was creating is removed again.

    A store file this collect creates is not asked for its version, checked for other tables
    or checked for its shape: it is empty until the schema is created from :data:`TABLES`
    (those catalogue queries cost a cold 10k-node collect about 0.05 s of CPU, measured).
    """
    with store_lock(store_path, exclusive=True):
        existed = store_path.exists()
        con = _connect(store_path, read_only=False)
        committed = False
        try:
            # (before the transaction: a missing table must not end it)
            version = _schema_version(con) if existed else None
            if version == SCHEMA_VERSION:
                _check_shape(con, store_path)
            _run(con, "BEGIN TRANSACTION")
            try:
                _ensure_schema(con, store_path, version, new_file=not existed)
                if version != SCHEMA_VERSION and existed:
                    _check_shape(con, store_path, in_transaction=True)
                yield Writer(con, project_root, first=not existed)
            except BaseException as e:
                # closing without a commit discards the transaction too; an interrupted
                # connection may refuse the explicit ROLLBACK, and the original error matters more
                with contextlib.suppress(duckdb.Error, RuntimeError):
                    _run(con, "ROLLBACK")
                if isinstance(e, duckdb.IOException):  # a full disk, a vanished folder
                    raise InputError(store_path, f"cannot write the store: {str(e).splitlines()[0]}") from None
                raise
            try:
                _run(con, "COMMIT")  # closing the connection checkpoints the WAL into the file
            except (duckdb.IOException, duckdb.TransactionException) as e:  # a full disk says so at commit
                raise InputError(store_path, f"cannot write the store: {str(e).splitlines()[0]}") from None
            committed = True
        finally:
            con.close()
            if not committed and not existed:
                for leftover in (store_path, store_path.with_name(store_path.name + ".wal")):
                    leftover.unlink(missing_ok=True)


def _read(con: duckdb.DuckDBPyConnection, table: str, columns: Iterable[str] | None = None) -> pl.DataFrame:
    spec = TABLES[table]
    cols = list(columns) if columns is not None else list(spec.column_names)
    col_sql = ", ".join(f'"{c}"' for c in cols)
    return con.sql(f'SELECT {col_sql} FROM "{table}"').pl()




def read_tables(store_path: Path, tables: dict[str, Iterable[str] | None], *,
                extra: Mapping[str, Callable[[duckdb.DuckDBPyConnection], pl.DataFrame]] | None = None) -> dict[str, pl.DataFrame]:
    """Load tables (name -> columns, None for all) into memory and close the store.

    ``extra``: name -> a reader of this package (e.g. :func:`console.store.score_history.history_readers`)
    called with the same read-only connection, its frame returned under that name: one visit
    to the store instead of one each (opening the file is the visit's main cost).

    Raises:
        InputError: the store does not exist, is not a store, or is of a newer version.
    """
    if not store_path.exists():
        raise InputError(store_path, "no store here yet; run `console collect` first")
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            version = _schema_version(con)
            if version is None:
                if not _run(con, "SELECT count(*) FROM information_schema.tables")[0][0]:
                    raise InputError(store_path, "the store is empty; run `console collect` first")
                raise InputError(store_path, "is a DuckDB file but not a console store (no meta table)")
            if version != SCHEMA_VERSION:
                raise InputError(
                    store_path,
                    f"store schema version {version}, this console reads {SCHEMA_VERSION}; run `console collect` to upgrade it"
                    if version < SCHEMA_VERSION
                    else f"store schema version {version} is newer than this console supports ({SCHEMA_VERSION})",
                )
            _check_shape(con, store_path)
            try:
                frames = {name: _read(con, name, cols) for name, cols in tables.items()}
                for name, reader in (extra or {}).items():
                    frames[name] = reader(con)
                return frames
            except duckdb.Error as e:
                raise InputError(store_path, f"the store does not match its schema version {version}: {str(e).splitlines()[0]}; delete it and collect again") from None
        finally:
            con.close()


_PROJECT_PEEK = "SELECT adapter, manifest_sha256 FROM project"
_SOURCES_PEEK = (
    "SELECT unique_id, resource_type, database, schema, identifier, name, loaded_at_field, freshness, enabled "
    "FROM nodes WHERE resource_type = 'source'"
)


def peek(store_path: Path) -> dict[str, object]:
    """What a collect needs to know before it parses anything (a short shared-lock visit).

    Returns ``{"artifact_hashes": set[str], "file_stats": {path: (size, mtime_ns, sha256)},
    "nodes": frame of the nodes' identity columns (with their checksums and layers),
    "edges": the edges frame, "adapter": the project's adapter, "manifest_sha256": the hash
    of the manifest the snapshot was made from, "project_files": the stat snapshot of the
    project's files, path -> (size, mtime_ns, sha256), "sources": the stored sources with what
    the warehouse phase measures them by (None for an older store), "last_summary": the last
    collect's summary (JSON text, or None)}``;
    empty (``nodes`` None) when the store does not exist yet.
    """
    empty: dict[str, object] = {
        "artifact_hashes": set(), "file_stats": {}, "nodes": None, "edges": None, "adapter": None, "manifest_sha256": None,
        "project_files": {}, "sources": None, "last_summary": None,
    }
    if not store_path.exists():
        return empty
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            version = _schema_version(con)
            if version is None:
                if not _run(con, "SELECT count(*) FROM information_schema.tables")[0][0]:
                    return empty  # an empty file: the collect will create the store in it
                raise InputError(store_path, "is a DuckDB file but not a console store (no meta table)")
            if version > SCHEMA_VERSION:
                raise InputError(store_path, f"store schema version {version} is newer than this console supports ({SCHEMA_VERSION}); upgrade the console")
            if version == SCHEMA_VERSION:
                _check_shape(con, store_path)
            project_sql = _PROJECT_PEEK if version >= 2 else "SELECT adapter, NULL FROM project"  # (column added in v2)
            return {
                "artifact_hashes": {r[0] for r in _run(con, "SELECT sha256 FROM artifact_files")},
                "file_stats": {r[0]: (r[1], r[2], r[3]) for r in _run(con, "SELECT path, size, mtime_ns, sha256 FROM file_stats")},
                **dict(zip(("adapter", "manifest_sha256"), next(iter(_run(con, project_sql)), (None, None)))),
                "nodes": con.sql(
                    "SELECT unique_id, resource_type, name, package_name, path, checksum, language, origin, "
                    "relation_name, schema, identifier, source_name, materialized, layer FROM nodes"
                ).pl(),
                "edges": con.sql("SELECT parent_id, child_id FROM edges").pl(),
                "project_files": {  # the stat snapshot of the last collect from the project's files
                    r[0]: (r[1], r[2], r[3]) for r in _run(con, "SELECT path, size, mtime_ns, sha256 FROM project_files")
                } if version >= 3 else {},
                # for phases that would otherwise visit the store again when the project is unchanged:
                # the sources the warehouse phase measures, the last collect's summary (the last mile's digest)
                "sources": con.sql(_SOURCES_PEEK).pl() if version == SCHEMA_VERSION else None,
                "last_summary": next(iter(_run(con, "SELECT summary FROM collects ORDER BY collect_id DESC LIMIT 1")), (None,))[0],
            }
        finally:
            con.close()


def _cached_facts(con: duckdb.DuckDBPyConnection, hashes: Iterable[str]) -> dict[str, dict]:
    frame = pl.DataFrame({"content_hash": list(hashes)}, schema={"content_hash": pl.String})
    if frame.is_empty():
        return {}
    con.register("_wanted", _scannable(frame))
    rows = _run(con, "SELECT c.content_hash, c.facts FROM sql_facts_cache c JOIN _wanted USING (content_hash)")
    con.unregister("_wanted")
    return {h: orjson.loads(f) for h, f in rows}


def cached_sql_facts(store_path: Path, hashes: Iterable[str]) -> dict[str, dict]:
    """content_hash -> facts for the hashes the store's SQL-facts cache holds (shared-lock visit)."""
    if not store_path.exists():
        return {}
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            return _cached_facts(con, hashes)
        finally:
            con.close()


def cached_logic(store_path: Path, hashes: Iterable[str]) -> pl.DataFrame | None:
    """The store's ``logic_cache`` rows of these hashes, as a frame (shared-lock visit).

    None when there is no store, or it is older than schema version 3 (no logic cache yet).
    """
    if not store_path.exists():
        return None
    with store_lock(store_path, exclusive=False):
        con = _connect(store_path, read_only=True)
        try:
            if (_schema_version(con) or 0) < 3:
                return None
            wanted = pl.DataFrame({"content_hash": list(dict.fromkeys(hashes))}, schema={"content_hash": pl.String})
            con.register("_wanted", _scannable(wanted))
            cols = ", ".join(f'c."{c}"' for c in TABLES["logic_cache"].column_names)
            frame = con.sql(f"SELECT {cols} FROM logic_cache c JOIN _wanted USING (content_hash)").pl()
            con.unregister("_wanted")
            return frame
        finally:
            con.close()
