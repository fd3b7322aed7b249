"""BigQuery, behind the optional extra ``bigquery`` (``google-cloud-bigquery``).

NOT YET TESTED AGAINST A LIVE PROJECT (see docs/warehouse.md): the SQL below is parse-checked
with sqlglot's BigQuery dialect in the test suite; a live run may still need fixes.

Relations come from the region's ``INFORMATION_SCHEMA.TABLES`` joined with
``INFORMATION_SCHEMA.TABLE_STORAGE`` (``total_rows``, ``total_logical_bytes``,
``storage_last_modified_time``, which stands in for freshness where a source has no
``loaded_at_field``); columns from ``INFORMATION_SCHEMA.COLUMNS``; the query log from
``INFORMATION_SCHEMA.JOBS`` (:data:`JOBS_SQL`). Every query runs with a job timeout.
"""

from __future__ import annotations

import time

from collectors.warehouse._common import (
    COLUMN_SCHEMA, RELATION_SCHEMA, Budget, DriverMissing, Plan, WarehouseRead, WarehouseUnavailable,
    catalogue_frame, empty_read, first_line, frame, freshness_row, max_query,
)
from collectors.warehouse.target import WarehouseTarget

#: What the relations query's columns are (its table types are mapped by
#: :func:`collectors.warehouse._common.catalogue_frame`).
RELATION_COLUMNS = ("database", "schema", "name", "table_type", "row_count", "bytes", "last_altered")
EXTRA = "bigquery"


def _region(project: str, location: str) -> str:
    """The region-qualified INFORMATION_SCHEMA prefix.

    Example:
        >>> _region("acme-prod", "EU")
        '`acme-prod`.`region-eu`.INFORMATION_SCHEMA'
    """
    return f"`{project.replace('`', '')}`.`region-{location.lower().replace('`', '')}`.INFORMATION_SCHEMA"


def relations_sql(project: str, location: str) -> str:
    info = _region(project, location)
    return (
        "SELECT t.table_catalog, t.table_schema, t.table_name, t.table_type, s.total_rows, s.total_logical_bytes,\n"
        "       s.storage_last_modified_time\n"
        f"FROM {info}.TABLES AS t\n"
        f"LEFT JOIN {info}.TABLE_STORAGE AS s\n"
        "  ON s.project_id = t.table_catalog AND s.table_schema = t.table_schema AND s.table_name = t.table_name\n"
        "ORDER BY t.table_schema, t.table_name"
    )


def columns_sql(project: str, location: str) -> str:
    return (
        "SELECT table_catalog, table_schema, table_name, column_name, data_type, ordinal_position, is_nullable = 'YES'\n"
        f"FROM {_region(project, location)}.COLUMNS\n"
        "ORDER BY table_schema, table_name, ordinal_position"
    )


def jobs_sql(project: str, location: str, days: int = 7) -> str:
    """The query log: who ran what, and which tables each job read."""
    return (
        "SELECT job_id, creation_time, user_email, statement_type, state, query,\n"
        "       ARRAY(SELECT CONCAT(r.project_id, '.', r.dataset_id, '.', r.table_id) FROM UNNEST(referenced_tables) AS r) AS tables_read\n"
        f"FROM {_region(project, location)}.JOBS\n"
        f"WHERE creation_time > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL {int(days)} DAY) AND job_type = 'QUERY'"
    )




def connect(target: WarehouseTarget):
    """(the ``google.cloud.bigquery`` module, a client).

    Raises:
        DriverMissing: the client library is not installed.
        WarehouseUnavailable: no credentials, a bad key file.
    """
    try:
        from google.cloud import bigquery
    except ImportError:
        raise DriverMissing(
            f"{target.label}: the BigQuery client is not installed: pip install 'dataops-console[{EXTRA}]' "
            "(or set [warehouse] enabled = false)"
        ) from None
    p = target.params
    project = p.get("project") or p.get("database")
    try:
        if p.get("method") == "service-account" and p.get("keyfile"):
            return bigquery, bigquery.Client.from_service_account_json(p["keyfile"], project=project, location=p.get("location"))
        return bigquery, bigquery.Client(project=project, location=p.get("location"))
    except Exception as e:  # google.auth's errors: no credentials, a bad key file
        raise WarehouseUnavailable(f"{target.label}: cannot connect: {first_line(e)}") from None


def read(target: WarehouseTarget, plan: Plan) -> WarehouseRead:
    """Relations, columns and freshness of the profile's project (see the module's warning)."""
    t0 = time.perf_counter()
    out = empty_read("bigquery", target.label)
    bigquery, client = connect(target)
    project = str(target.params.get("project") or target.params.get("database") or client.project)
    location = str(target.params.get("location") or "US")

    def run(sql: str, seconds: float) -> list[tuple]:
        job = client.query(sql, job_config=bigquery.QueryJobConfig(job_timeout_ms=max(1000, int(seconds * 1000))))
        return [tuple(r.values()) for r in job.result(timeout=seconds)]

    try:
        try:
            rels = run(relations_sql(project, location), plan.statement_timeout)
            cols = run(columns_sql(project, location), plan.statement_timeout)
        except Exception as e:
            raise WarehouseUnavailable(f"{target.label}: cannot list the catalogue: {first_line(e)}") from None
        out.relations = catalogue_frame(rels, RELATION_SCHEMA, plan, names=RELATION_COLUMNS, row_count_exact=True)
        out.columns = catalogue_frame(cols, COLUMN_SCHEMA, plan)
        budget = Budget(plan.freshness_timeout)
        rows = []
        for req in plan.freshness:
            if not req.loaded_at_field:
                continue
            if budget.spent():
                out.skip(f"freshness of {req.unique_id}", f"the freshness budget of {plan.freshness_timeout:g} s was spent")
                continue
            try:
                rows.append(freshness_row(req, method="loaded_at_field", value=run(max_query(req, "bigquery"), budget.share())[0][0]))
            except Exception as e:
                out.skip(f"freshness of {req.unique_id}", first_line(e))
        if rows:
            out.freshness = frame(rows, out.freshness.schema)
    finally:
        client.close()
    out.seconds = time.perf_counter() - t0
    return out
