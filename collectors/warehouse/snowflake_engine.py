"""Snowflake, behind the optional extra ``snowflake`` (``snowflake-connector-python``).

NOT YET TESTED AGAINST A LIVE ACCOUNT (see docs/warehouse.md): the SQL below is parse-checked
with sqlglot's Snowflake dialect in the test suite, and the connection follows the connector's
documented parameters; a live run may still need fixes.

The metadata comes from the database's ``INFORMATION_SCHEMA.TABLES`` (``row_count``,
``bytes``, ``last_altered``: Snowflake keeps all three, so sources without a
``loaded_at_field`` still get a freshness) and ``INFORMATION_SCHEMA.COLUMNS``;
``SNOWFLAKE.ACCOUNT_USAGE.TABLES`` (up to 90 minutes late, needs the imported privileges)
holds dropped tables too, with ``deleted``. The session is read-only by the role it uses; its
statement timeout is ``STATEMENT_TIMEOUT_IN_SECONDS``.
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
EXTRA = "snowflake"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relations_sql(database: str) -> str:
    """Example:
        >>> relations_sql("ANALYTICS").splitlines()[1]
        'FROM "ANALYTICS".INFORMATION_SCHEMA.TABLES'
    """
    return (
        "SELECT table_catalog, table_schema, table_name, table_type, row_count, bytes, last_altered\n"
        f"FROM {_quote(database)}.INFORMATION_SCHEMA.TABLES\n"
        "WHERE table_schema <> 'INFORMATION_SCHEMA'\nORDER BY table_schema, table_name"
    )


def columns_sql(database: str) -> str:
    return (
        "SELECT table_catalog, table_schema, table_name, column_name, data_type, ordinal_position, is_nullable = 'YES'\n"
        f"FROM {_quote(database)}.INFORMATION_SCHEMA.COLUMNS\n"
        "WHERE table_schema <> 'INFORMATION_SCHEMA'\nORDER BY table_schema, table_name, ordinal_position"
    )


#: Every table of the database the account has seen, dropped ones included (``deleted``).
ACCOUNT_USAGE_TABLES_SQL = (
    "SELECT table_catalog, table_schema, table_name, table_type, row_count, bytes, last_altered, deleted\n"
    "FROM SNOWFLAKE.ACCOUNT_USAGE.TABLES\n"
    "WHERE table_catalog = %(database)s AND (deleted IS NULL OR deleted > DATEADD(day, -30, CURRENT_TIMESTAMP()))"
)


def connect(target: WarehouseTarget, plan: Plan):
    try:
        import snowflake.connector as sf
    except ImportError:
        raise DriverMissing(
            f"{target.label}: the Snowflake connector is not installed: pip install 'dataops-console[{EXTRA}]' "
            "(or set [warehouse] enabled = false)"
        ) from None
    p = dict(target.params)
    keys = ("account", "user", "password", "role", "warehouse", "database", "authenticator", "private_key_file", "token")
    kwargs = {k: p[k] for k in keys if p.get(k)}
    if p.get("private_key_path"):
        kwargs["private_key_file"] = p["private_key_path"]
    try:
        con = sf.connect(**kwargs, login_timeout=plan.connect_timeout, network_timeout=plan.statement_timeout,
                         session_parameters={"STATEMENT_TIMEOUT_IN_SECONDS": int(plan.statement_timeout), "QUERY_TAG": "console-warehouse"})
    except sf.Error as e:
        raise WarehouseUnavailable(f"{target.label}: cannot connect: {first_line(e)}") from None
    return con


def read(target: WarehouseTarget, plan: Plan) -> WarehouseRead:
    """Relations, columns and freshness of the profile's database (see the module's warning)."""
    t0 = time.perf_counter()
    out = empty_read("snowflake", target.label)
    database = str(target.params.get("database") or "")
    con = connect(target, plan)
    try:
        cur = con.cursor()
        try:
            rels = cur.execute(relations_sql(database)).fetchall()
            cols = cur.execute(columns_sql(database)).fetchall()
        except Exception as e:  # the connector's errors share no base class with the driver missing
            raise WarehouseUnavailable(f"{target.label}: cannot list the catalogue: {first_line(e)}") from None
        out.relations = catalogue_frame(rels, RELATION_SCHEMA, plan, names=RELATION_COLUMNS, row_count_exact=True)
        out.columns = catalogue_frame(cols, COLUMN_SCHEMA, plan)
        budget = Budget(plan.freshness_timeout)
        rows = []
        for req in plan.freshness:
            if not req.loaded_at_field:
                continue  # last_altered stands in (collectors/warehouse_phase.py)
            if budget.spent():
                out.skip(f"freshness of {req.unique_id}", f"the freshness budget of {plan.freshness_timeout:g} s was spent")
                continue
            try:
                cur.execute(f"ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = {max(1, int(budget.share()))}")
                rows.append(freshness_row(req, method="loaded_at_field", value=cur.execute(max_query(req, "snowflake")).fetchall()[0][0]))
            except Exception as e:
                out.skip(f"freshness of {req.unique_id}", first_line(e))
        if rows:
            out.freshness = frame(rows, out.freshness.schema)
    finally:
        con.close()
    out.seconds = time.perf_counter() - t0
    return out
