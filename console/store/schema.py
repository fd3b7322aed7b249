"""The store's schema: every table, its columns, and the migrations between versions.

The store is one DuckDB file (default ``PROJECT/.console/store.duckdb``). Tables fall in two
groups:

* **snapshot** tables describe the project as of the latest collect (nodes, edges, columns,
  tests, catalog, SQL facts). A collect that read a manifest (or the project's files) replaces
  them whole, inside the collect's transaction.
* **history** tables only grow (collects, invocations, node_results, freshness_results,
  node_history, artifact_files). A file already collected is recognised by its content hash and
  adds nothing; an invocation is keyed by ``(invocation_id, kind)``.

Collectors hand the store polars frames whose columns are a subset of a table's columns (see
:data:`TABLES`); missing columns are NULL. Timestamps travel as ISO-8601 strings and are cast by
DuckDB on insert (dbt writes UTC with a ``Z``; the store keeps naive UTC ``TIMESTAMP``).
JSON columns travel as JSON text.

Versions: 1 (release 0.1: the dbt project and its run history), 2 (adds the last mile, query
logs and warehouse relations, and which manifest made the snapshot), 3 (the last mile's logic,
query-log consumers, warehouse history, Jinja render cache, report history).

Versioning: ``meta.schema_version`` holds :data:`SCHEMA_VERSION`. :data:`MIGRATIONS` maps a
version to the statements that lift a store from the version before it; opening an older store
applies them in order, in one transaction, so history is never lost. Add a table or a column by
appending a migration *and* updating :data:`TABLES` (the shape after all migrations).
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 3


@dataclass(frozen=True)
class Table:
    """One table of the store.

    Attributes:
        name: table name.
        columns: ``(name, duckdb_type)`` pairs, in order.
        key: the columns that identify a row (a primary key), or ``()``.
        snapshot: True when every collect that reads the project replaces the table whole.
        doc: what a row is.
        zstd: columns stored with DuckDB's ZSTD string compression instead of the one it picks
            by analysing each segment (dictionary or FSST). For the models' code: a cold
            10k-node collect's commit compresses it in about two thirds of the time and the
            store is a quarter smaller (11.8 MB against 15.7); reading all of it back costs
            about 20 ms more (see ``docs/architecture.md``, the cold collect).
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...] = ()
    snapshot: bool = False
    doc: str = ""
    zstd: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def ddl(self) -> str:
        cols = [f'"{c}" {t}' + (" USING COMPRESSION zstd" if c in self.zstd else "") for c, t in self.columns]
        if self.key:
            cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in self.key) + ")")
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" (' + ", ".join(cols) + ")"


def _t(name, columns, key=(), snapshot=False, doc="", zstd=()):
    return Table(name, tuple(tuple(c.split(" ", 1)) for c in columns), tuple(key), snapshot, doc, tuple(zstd))


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _t("meta", ["key VARCHAR", "value VARCHAR"], key=["key"], doc="store metadata: schema_version"),
        _t(
            "collects",
            [
                "collect_id INTEGER", "started_at TIMESTAMP", "finished_at TIMESTAMP",
                "project_root VARCHAR", "tool_version VARCHAR", "summary JSON",
            ],
            key=["collect_id"],
            doc="one row per successful collect",
        ),
        _t(
            "project",
            [
                "name VARCHAR", "root VARCHAR", "dbt_version VARCHAR", "adapter VARCHAR",
                "manifest_schema_version INTEGER", "manifest_generated_at TIMESTAMP",
                "manifest_invocation_id VARCHAR", "origin VARCHAR", "manifest_sha256 VARCHAR",
            ],
            snapshot=True,
            doc=(
                "the project as last collected (one row); origin is 'manifest' or 'project'; "
                "manifest_sha256 is the content hash of the manifest the snapshot was made from"
            ),
        ),
        _t(
            "nodes",
            [
                "unique_id VARCHAR", "resource_type VARCHAR", "name VARCHAR", "package_name VARCHAR",
                "path VARCHAR", "patch_path VARCHAR", "fqn VARCHAR[]",
                "database VARCHAR", "schema VARCHAR", "alias VARCHAR", "relation_name VARCHAR",
                "materialized VARCHAR", "language VARCHAR", "enabled BOOLEAN",
                "access VARCHAR", "group_name VARCHAR", "contract_enforced BOOLEAN",
                "version VARCHAR", "latest_version VARCHAR", "deprecation_date VARCHAR",
                "owner VARCHAR", "owner_email VARCHAR", "description VARCHAR", "tags VARCHAR[]",
                "meta JSON", "config JSON",
                "raw_code VARCHAR", "compiled_code VARCHAR", "checksum VARCHAR", "layer VARCHAR",
                "source_name VARCHAR", "source_description VARCHAR", "identifier VARCHAR", "loaded_at_field VARCHAR",
                "freshness JSON",
                "exposure_type VARCHAR", "maturity VARCHAR", "url VARCHAR", "label VARCHAR",
                "origin VARCHAR", "time_spine VARCHAR",
            ],
            key=["unique_id"],
            snapshot=True,
            doc=(
                "every node of every resource type: model, seed, snapshot, analysis, test, "
                "unit_test, source, exposure, metric, semantic_model, saved_query, group, macro "
                "is left out. path is relative to the project root; owner comes from "
                "meta.owner, config.meta.owner, the exposure's owner or the group's owner; "
                "freshness is {warn_after, error_after, filter} for sources; origin is "
                "'manifest' or 'project' (read from the files, no artifacts); time_spine is the "
                "standard granularity column of a model declared a MetricFlow time spine in its "
                "YAML (time_spine: standard_granularity_column), NULL for every other node"
            ),
            zstd=["raw_code", "compiled_code"],
        ),
        _t(
            "edges",
            ["parent_id VARCHAR", "child_id VARCHAR"],
            snapshot=True,
            doc="child depends on parent (refs, sources, metrics; tests on what they test)",
        ),
        _t(
            "node_columns",
            [
                "unique_id VARCHAR", "name VARCHAR", "description VARCHAR", "data_type VARCHAR",
                "tags VARCHAR[]", "meta JSON", "constraints JSON", "position INTEGER",
            ],
            snapshot=True,
            doc="columns declared in yml (or in a contract) for models, seeds, snapshots, sources",
        ),
        _t(
            "tests",
            [
                "unique_id VARCHAR", "test_name VARCHAR", "attached_node VARCHAR",
                "column_name VARCHAR", "severity VARCHAR", "kwargs JSON",
                "warn_if VARCHAR", "error_if VARCHAR", "is_generic BOOLEAN",
            ],
            key=["unique_id"],
            snapshot=True,
            doc=(
                "data tests: test_name is the generic test (unique, not_null, relationships, "
                "accepted_values, dbt_utils.x...) or 'singular'; attached_node is the node it "
                "tests (for singular tests: its first ref); severity is 'error' or 'warn'"
            ),
        ),
        _t(
            "node_history",
            ["unique_id VARCHAR", "checksum VARCHAR", "collect_id INTEGER", "seen_at TIMESTAMP", "raw_code VARCHAR"],
            doc=(
                "a row each time a node first appears or its checksum changes (for triage); "
                "since version 3 raw_code is the node's code as of that row, so triage can show "
                "the SQL diff between two versions"
            ),
            zstd=["raw_code"],
        ),
        _t(
            "artifact_files",
            [
                "sha256 VARCHAR", "path VARCHAR", "kind VARCHAR", "size BIGINT",
                "mtime_ns BIGINT", "collect_id INTEGER",
            ],
            key=["sha256"],
            doc="every artifact file ever collected, by content hash: a file seen before adds nothing",
        ),
        _t(
            "file_stats",
            ["path VARCHAR", "size BIGINT", "mtime_ns BIGINT", "sha256 VARCHAR"],
            key=["path"],
            doc="stat cache: a file whose size and mtime did not change is not hashed again",
        ),
        _t(
            "invocations",
            [
                "invocation_id VARCHAR", "kind VARCHAR", "generated_at TIMESTAMP",
                "dbt_version VARCHAR", "schema_version INTEGER", "command VARCHAR", "args JSON",
                "elapsed_time DOUBLE", "target_name VARCHAR", "file_path VARCHAR",
                "file_sha256 VARCHAR", "collect_id INTEGER",
            ],
            key=["invocation_id", "kind"],
            doc=(
                "one dbt invocation's artifact: kind 'run_results' or 'sources'; command is "
                "args.which (build, run, test, seed, snapshot, source freshness, generate...)"
            ),
        ),
        _t(
            "node_results",
            [
                "invocation_id VARCHAR", "unique_id VARCHAR", "status VARCHAR",
                "execution_time DOUBLE", "started_at TIMESTAMP", "completed_at TIMESTAMP",
                "thread_id VARCHAR", "failures BIGINT", "message VARCHAR",
                "adapter_response JSON", "rows_affected BIGINT",
            ],
            key=["invocation_id", "unique_id"],
            doc=(
                "one node's result in one invocation: status success, error, fail, warn, pass, "
                "skipped, runtime error; started_at/completed_at from the execute timing"
            ),
        ),
        _t(
            "freshness_results",
            [
                "invocation_id VARCHAR", "unique_id VARCHAR", "status VARCHAR",
                "max_loaded_at TIMESTAMP", "snapshotted_at TIMESTAMP", "age_seconds DOUBLE",
                "warn_after JSON", "error_after JSON", "filter VARCHAR", "error VARCHAR",
                "execution_time DOUBLE",
            ],
            key=["invocation_id", "unique_id"],
            doc="one source's freshness in one `dbt source freshness`: pass, warn, error, runtime error",
        ),
        _t(
            "catalog_tables",
            [
                "unique_id VARCHAR", "database VARCHAR", "schema VARCHAR", "name VARCHAR",
                "table_type VARCHAR", "owner VARCHAR", "comment VARCHAR", "row_count BIGINT",
                "bytes BIGINT", "stats JSON", "generated_at TIMESTAMP",
            ],
            key=["unique_id"],
            snapshot=True,
            doc="catalog.json: the relation behind each node, with its statistics",
        ),
        _t(
            "catalog_columns",
            ["unique_id VARCHAR", "name VARCHAR", "data_type VARCHAR", "position INTEGER", "comment VARCHAR"],
            snapshot=True,
            doc="catalog.json: the warehouse's columns of each relation",
        ),
        _t(
            "sql_facts",
            [
                "unique_id VARCHAR", "content_hash VARCHAR", "dialect VARCHAR",
                "tables_read VARCHAR[]", "join_count INTEGER", "join_kinds VARCHAR[]",
                "cte_count INTEGER", "select_star BOOLEAN", "hardcoded_relations VARCHAR[]",
                "literal_filters JSON", "parse_error VARCHAR", "from_compiled BOOLEAN",
            ],
            key=["unique_id"],
            snapshot=True,
            doc=(
                "what sqlglot found in each model's SQL: external tables read (CTE names "
                "resolved away), joins, CTEs, select *, relation names written by hand instead "
                "of ref/source, filters comparing a column to a literal ([{column, op, value}])"
            ),
        ),
        _t(
            "sql_facts_cache",
            ["content_hash VARCHAR", "facts JSON"],
            key=["content_hash"],
            doc="SQL facts by hash of (dialect, SQL text): an unchanged model is never parsed twice",
        ),
        # -- version 2: the last mile, query logs and warehouse metadata ---------------------
        _t(
            "lastmile_artifacts",
            [
                "artifact_id VARCHAR", "tool VARCHAR", "kind VARCHAR", "path VARCHAR", "line INTEGER",
                "name VARCHAR", "owner VARCHAR", "sql VARCHAR", "relations_read VARCHAR[]",
                "literal_filters JSON", "meta JSON",
                # version 3
                "dialect VARCHAR", "sql_line INTEGER", "content_hash VARCHAR", "owner_source VARCHAR",
                "modified_at TIMESTAMP", "file_sha256 VARCHAR",
            ],
            key=["artifact_id"],
            snapshot=True,
            doc=(
                "one piece of logic outside dbt: a reverse-ETL model (hightouch, census), a LookML "
                "view or derived table, a Metabase question, a SQL string or filter in application "
                "code, a notebook cell; relations_read are the relations the file names outside "
                "its SQL (a sql_table_name, a sync's table source, a GUI question's table; the "
                "relations its SQL reads are in logic_facts), literal_filters its structured "
                "column-versus-literal conditions outside SQL ([{column, op, value}]: sync and GUI "
                "filters). Since version 3: dialect the SQL is parsed in, sql_line the line of "
                "the file where the SQL starts, content_hash the logic cache key (see "
                "logic_facts), owner_source 'codeowners', 'git' or 'unknown', modified_at the "
                "last change (git log, else mtime), file_sha256 the file's content hash"
            ),
        ),
        _t(
            "query_log",
            [
                "query_id VARCHAR", "source_file VARCHAR", "started_at TIMESTAMP", "user_name VARCHAR",
                "role_name VARCHAR", "warehouse_name VARCHAR", "query_type VARCHAR",
                "execution_status VARCHAR", "query_tag VARCHAR", "objects_read VARCHAR[]",
                "query_hash VARCHAR", "collect_id INTEGER",
                # version 3
                "app VARCHAR", "database_name VARCHAR", "schema_name VARCHAR", "calls BIGINT",
            ],
            doc=(
                "warehouse query history (e.g. Snowflake QUERY_HISTORY joined with ACCESS_HISTORY): who read "
                "which relation. objects_read: the relations the log names, else those sqlglot "
                "found in the text (query_texts), as written. Since version 3: app the tool the "
                "log itself names (a query tag's app, a BigQuery label, dbt's query comment), "
                "database_name/schema_name the session's defaults, calls the executions the row "
                "stands for (pg_stat_statements' calls; else 1); query_id is unique (the collect "
                "adds only ids it does not hold) but no longer a primary key: its index made "
                "storing a million rows several times slower"
            ),
        ),
        _t(
            "warehouse_relations",
            [
                "database VARCHAR", "schema VARCHAR", "name VARCHAR", "table_type VARCHAR",
                "row_count BIGINT", "bytes BIGINT", "last_altered TIMESTAMP", "collected_at TIMESTAMP",
                # version 3
                "engine VARCHAR", "row_count_exact BOOLEAN", "stats JSON",
            ],
            snapshot=True,
            doc=(
                "relations the warehouse holds as of the latest warehouse collect, from its catalogue "
                "(collectors/warehouse): table_type 'table', 'view', 'materialized view' or "
                "'external'; row_count exact when row_count_exact, else the engine's estimate "
                "(DuckDB estimated_size, PostgreSQL n_live_tup/reltuples); bytes NULL where the "
                "engine has no cheap per-relation size (DuckDB); last_altered where the engine "
                "keeps it (Snowflake, BigQuery). Since version 3: engine ('duckdb', 'postgres', "
                "'snowflake', 'bigquery'), row_count_exact, stats the engine's own counters "
                "(PostgreSQL: n_tup_ins, n_tup_upd, n_tup_del, last_analyze, last_autoanalyze)"
            ),
        ),
        # -- version 3 -----------------------------------------------------------------------
        # A new table goes here AND its name into _V3_NEW_TABLES below; a new column on a
        # table of version 1 or 2 goes into that table above AND an ALTER into _V3_ALTERS.
        _t(
            "lastmile_skips",
            ["path VARCHAR", "line INTEGER", "tool VARCHAR", "reason VARCHAR"],
            snapshot=True,
            doc=(
                "what the last-mile collectors could not read or parse, as of the latest collect: "
                "a file (malformed LookML, YAML or JSON that does not parse, a notebook that is not "
                "JSON, a script tree-sitter cannot parse; line NULL for the whole file) or one item "
                "of it (SQL sqlglot cannot parse, a filter that is not a plain comparison). path as "
                "in lastmile_artifacts; tool NULL when the file's tool is unknown"
            ),
        ),
        _t(
            "lastmile_files",
            [
                "path VARCHAR", "size BIGINT", "mtime_ns BIGINT", "sha256 VARCHAR", "dialect VARCHAR",
                "reader_version VARCHAR", "tool VARCHAR", "payload JSON", "doc JSON", "views VARCHAR[]",
                "reads VARCHAR[]",
            ],
            key=["path"],
            doc=(
                "the last-mile parse cache: one row per file seen by the latest collect, with its "
                "stat (size, mtime_ns), content hash and what its reader found (payload: "
                "{tool, items, skips}). A file whose stat, or whose content hash, dialect and "
                "reader_version match is not parsed again. LookML only: doc the parsed blocks "
                "(with their lines), views the views the file defines, reads the views its items "
                "read (so a changed view re-resolves only the files that read it)"
            ),
        ),
        _t(
            "logic_facts",
            [
                "subject_id VARCHAR", "subject_type VARCHAR", "content_hash VARCHAR", "dialect VARCHAR",
                "classification VARCHAR", "relations VARCHAR[]", "expressions JSON", "parse_error VARCHAR",
            ],
            key=["subject_id"],
            snapshot=True,
            doc=(
                "the logic sqlglot finds in a piece of SQL: subject_id is a dbt model's unique_id "
                "(subject_type 'model') or a last-mile artifact_id ('lastmile'); classification "
                "'pass-through', 'business' or 'unparsed'; relations the relations the SQL reads "
                "as written (CTE names resolved away); expressions the business logic "
                "([{kind, sql, key, columns, line}], kind one of filter, case, aggregate, join, "
                "window, computed, union, date_math; key the normalised form that finds the same "
                "rule elsewhere; line in the subject's file)"
            ),
        ),
        _t(
            "logic_cache",
            [
                "content_hash VARCHAR", "classification VARCHAR", "relations VARCHAR[]", "expressions JSON",
                "parse_error VARCHAR",
            ],
            key=["content_hash"],
            doc=(
                "logic facts by hash of (logic version, dialect, SQL text): unchanged SQL is never "
                "parsed twice. Columns as in logic_facts, lines counted from the text's first line "
                "(typed columns, so a warm collect reads them as columns instead of decoding JSON)"
            ),
        ),
        _t(
            "render_cache",
            ["text_hash VARCHAR", "macros JSON", "vars JSON", "calls JSON"],
            key=["text_hash"],
            snapshot=True,
            doc=(
                "models rendered with Jinja, by hash of (render version, model text, name, package, "
                "config, target): macros the render reached ({package.macro: digest of its file}), "
                "variables it read ({name or env:NAME: digest of its value}) and what it found "
                "({refs, sources, config}); an entry is used only while its macros and variables are "
                "unchanged, so a re-collect renders only what changed. Replaced by each collect from "
                "the project's files with the entries of the project as it is"
            ),
        ),
        _t(
            "project_files",
            ["path VARCHAR", "size BIGINT", "mtime_ns BIGINT", "sha256 VARCHAR"],
            key=["path"],
            snapshot=True,
            doc=(
                "stat snapshot of the files the last collect from the project's files read (path "
                "relative to the project root: dbt_project.yml, models, seeds, snapshots, analyses, "
                "tests, property files, macros, packages' macros, the profile), with the sha256 of "
                "code files; the row with path '\\0inputs' holds a digest of the settings that shape "
                "the read (layers, adapter, console version). A re-collect whose files all match "
                "reads nothing; one whose only changes are model texts patches those models' rows"
            ),
        ),
        _t(
            "warehouse_snapshots",
            [
                "collect_id INTEGER", "collected_at TIMESTAMP", "engine VARCHAR", "target VARCHAR",
                "relations INTEGER", "columns INTEGER", "bytes BIGINT", "seconds DOUBLE", "skipped JSON",
                "columns_hash VARCHAR",
            ],
            key=["collect_id"],
            doc=(
                "one row per collect that read the warehouse (history): target names it without any "
                "secret (profile and target, or the URL without its password); bytes the whole "
                "database where the engine says (DuckDB); skipped what could not be read and why "
                "([{what, reason}]: a schema without USAGE, a relation dropped mid-collect, a "
                "statement timeout, the server gone); columns_hash a hash of warehouse_columns as "
                "this collect read them (an unchanged catalogue is not rewritten)"
            ),
        ),
        _t(
            "warehouse_relation_history",
            [
                "collect_id INTEGER", "database VARCHAR", "schema VARCHAR", "name VARCHAR",
                "table_type VARCHAR", "row_count BIGINT", "bytes BIGINT", "last_altered TIMESTAMP",
            ],
            doc=(
                "warehouse_relations of every warehouse collect (history: growth, shrinkage and "
                "disappearance have a trend). No primary key: a collect appends its rows once, "
                "under its own collect_id, and an index on a table growing by thousands of rows "
                "per collect would cost every collect more"
            ),
        ),
        _t(
            "warehouse_columns",
            [
                "database VARCHAR", "schema VARCHAR", "name VARCHAR", "column_name VARCHAR",
                "data_type VARCHAR", "position INTEGER", "is_nullable BOOLEAN",
            ],
            snapshot=True,
            doc="the columns of every relation in warehouse_relations, with the engine's own type names",
        ),
        _t(
            "warehouse_column_history",
            [
                "collect_id INTEGER", "database VARCHAR", "schema VARCHAR", "name VARCHAR",
                "column_name VARCHAR", "row_count BIGINT", "null_count BIGINT",
            ],
            doc=(
                "NULL counts of the columns of the relations `[warehouse] null_checks` names "
                "(opt-in: one count() per column of each named relation, in bounded time), per "
                "collect (no primary key, as warehouse_relation_history)"
            ),
        ),
        _t(
            "warehouse_freshness",
            [
                "collect_id INTEGER", "unique_id VARCHAR", "relation VARCHAR", "method VARCHAR",
                "loaded_at_field VARCHAR", "max_loaded_at TIMESTAMP", "checked_at TIMESTAMP", "error VARCHAR",
            ],
            key=["collect_id", "unique_id"],
            doc=(
                "a source's freshness by the warehouse's own data, per collect (history): method "
                "'loaded_at_field' (max of the source's loaded_at_field, naive UTC) or "
                "'last_altered' (the relation's last-modified time, where the source has no "
                "loaded_at_field and the engine keeps one); error why it could not be read"
            ),
        ),
        _t(
            "score_history",
            [
                "collect_id INTEGER", "recorded_at TIMESTAMP", "scope VARCHAR", "key VARCHAR",
                "score DOUBLE", "findings JSON",
            ],
            key=["collect_id", "scope", "key"],
            doc=(
                "health scores (0 to 10) as the first report or `console scores` after a collect "
                "found them (history: one set per collect, written by those commands, never by "
                "--no-collect): scope 'project' (key ''), 'model' or 'source' (key the unique_id), "
                "'folder' or 'owner'; findings, on the project row only, the finding counts "
                "{category: {severity: n}} the report's summary compares against"
            ),
        ),
        _t(
            "query_texts",
            ["query_hash VARCHAR", "dialect VARCHAR", "objects_read VARCHAR[]", "parse_error VARCHAR", "query_text VARCHAR"],
            key=["query_hash"],
            doc=(
                "each distinct query text of the query logs that had to be parsed, by "
                "query_hash (md5 of dialect NUL text): the relations sqlglot found (as written, "
                "quotes kept), or why it could not parse; query_text its first 2,000 characters. "
                "A text held here is never parsed again"
            ),
        ),
        _t(
            "query_consumers",
            [
                "user_name VARCHAR", "role_name VARCHAR", "warehouse_name VARCHAR", "app VARCHAR",
                "database_name VARCHAR", "schema_name VARCHAR", "relation VARCHAR",
                "query_count BIGINT", "first_seen TIMESTAMP", "last_seen TIMESTAMP",
            ],
            snapshot=True,
            doc=(
                "who read what, summed over every successful query of query_log: one row per "
                "(user, role, warehouse, app, session database and schema, relation as written); "
                "query_count the executions, first_seen/last_seen their times (NULL for logs "
                "without times). Recomputed whenever a collect adds query-log rows; rules read "
                "this, never the raw rows"
            ),
        ),
    )
}

#: Tables created by the migration to version 3.
_V3_NEW_TABLES: tuple[str, ...] = (
    "logic_facts", "logic_cache", "lastmile_skips", "lastmile_files",
    "warehouse_snapshots", "warehouse_relation_history", "warehouse_columns", "warehouse_column_history",
    "warehouse_freshness", "score_history",
    "query_texts", "query_consumers", "render_cache", "project_files",
)
#: Columns added to tables of versions 1 and 2 by the migration to version 3. Use
#: ADD COLUMN IF NOT EXISTS: an earlier migration may create its table from TABLES, new columns included.
_V3_ALTERS: tuple[str, ...] = (
    "ALTER TABLE node_history ADD COLUMN IF NOT EXISTS raw_code VARCHAR USING COMPRESSION zstd",
    "ALTER TABLE nodes ADD COLUMN IF NOT EXISTS time_spine VARCHAR",
    *(
        f"ALTER TABLE lastmile_artifacts ADD COLUMN IF NOT EXISTS {c}"  # (v2 creates it from TABLES)
        for c in (
            "dialect VARCHAR", "sql_line INTEGER", "content_hash VARCHAR", "owner_source VARCHAR",
            "modified_at TIMESTAMP", "file_sha256 VARCHAR",
        )
    ),
    *(
        f"ALTER TABLE warehouse_relations ADD COLUMN IF NOT EXISTS {c}"  # (v2 creates it from TABLES)
        for c in ("engine VARCHAR", "row_count_exact BOOLEAN", "stats JSON")
    ),
    *(
        f"ALTER TABLE query_log ADD COLUMN IF NOT EXISTS {c}"  # (v2 creates it from TABLES)
        for c in ("app VARCHAR", "database_name VARCHAR", "schema_name VARCHAR", "calls BIGINT")
    ),
    # query_log without its primary key (see its doc): rebuilt, rows kept
    "CREATE TABLE query_log_v3 AS SELECT " + ", ".join(f'"{c}"' for c in TABLES["query_log"].column_names) + " FROM query_log",
    "DROP TABLE query_log",
    "ALTER TABLE query_log_v3 RENAME TO query_log",
)

SNAPSHOT_TABLES = tuple(name for name, t in TABLES.items() if t.snapshot)

# version -> statements lifting a store from the version before. A new store is created from
# TABLES directly; an older one replays these in order inside the collect's transaction.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        *(TABLES[name].ddl() for name in ("lastmile_artifacts", "query_log", "warehouse_relations")),
        "ALTER TABLE project ADD COLUMN manifest_sha256 VARCHAR",
    ),
    3: (*(TABLES[name].ddl() for name in _V3_NEW_TABLES), *_V3_ALTERS),
}
