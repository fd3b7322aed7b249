"""Snowflake and BigQuery: their metadata SQL parses in their own dialect (sqlglot), and a
profile of either without its connector is one line, exit 2, naming the extra.

Neither engine is reachable here: docs/warehouse.md says what is untested.
"""

from __future__ import annotations

import importlib.util

import pytest
import sqlglot
from sqlglot import exp

from collectors.pipeline import collect
from collectors.warehouse import bigquery_engine, snowflake_engine
from collectors.warehouse._common import FreshnessRequest, count_nulls_query, max_query
from console.cli.options import resolve_locations
from console.errors import InputError

CASES = [
    ("snowflake", snowflake_engine.relations_sql("ANALYTICS"), {"TABLES"}),
    ("snowflake", snowflake_engine.columns_sql("ANALYTICS"), {"COLUMNS"}),
    ("snowflake", snowflake_engine.ACCOUNT_USAGE_TABLES_SQL.replace("%(database)s", "'ANALYTICS'"), {"TABLES"}),
    ("bigquery", bigquery_engine.relations_sql("acme-prod", "EU"), {"TABLES", "TABLE_STORAGE"}),
    ("bigquery", bigquery_engine.columns_sql("acme-prod", "EU"), {"COLUMNS"}),
    ("bigquery", bigquery_engine.jobs_sql("acme-prod", "US"), {"JOBS"}),
]


@pytest.mark.parametrize("dialect,sql,tables", CASES, ids=[f"{d}-{sorted(t)[0]}-{i}" for i, (d, _, t) in enumerate(CASES)])
def test_metadata_sql_parses_in_its_dialect(dialect, sql, tables):
    tree = sqlglot.parse_one(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select)
    assert tables <= {t.name.upper().split(".")[-1] for t in tree.find_all(exp.Table)}  # (BigQuery: INFORMATION_SCHEMA.X is one name)
    assert sqlglot.parse_one(tree.sql(dialect=dialect), read=dialect) == tree  # writes back what it read


@pytest.mark.parametrize("dialect", ["snowflake", "bigquery", "postgres", "duckdb"])
def test_freshness_and_null_queries_parse_in_every_dialect(dialect):
    req = FreshnessRequest("source.p.raw.orders", "PROD", "RAW", "ORDERS", "convert_timezone('UTC', loaded_at)")
    for sql in (max_query(req, dialect), count_nulls_query("PROD", "RAW", "ORDERS", ["A", "b c"], dialect)):
        tree = sqlglot.parse_one(sql, read=dialect)
        assert [t.name for t in tree.find_all(exp.Table)] == ["ORDERS"]


@pytest.mark.parametrize("kind,extra,module", [("snowflake", "snowflake", "snowflake.connector"), ("bigquery", "bigquery", "google.cloud.bigquery")])
def test_a_profile_without_its_connector_is_one_line_naming_the_extra(tmp_path, monkeypatch, kind, extra, module):
    try:
        installed = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        installed = False
    if installed:
        pytest.skip(f"{module} is installed here")
    root = tmp_path / "p"
    root.mkdir()
    (root / "dbt_project.yml").write_text("name: p\nversion: '1'\nconfig-version: 2\nprofile: p\n")
    (root / "profiles.yml").write_text(f"p:\n  target: prod\n  outputs:\n    prod:\n      type: {kind}\n      account: acme\n"
                                       "      user: ci\n      password: hunter2-secret\n      database: PROD\n      project: acme-prod\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    loc = resolve_locations(root, store=tmp_path / "s.duckdb")
    with pytest.raises(InputError) as err:
        collect(loc, sql_facts=False)
    assert f"pip install 'dataops-console[{extra}]'" in str(err.value) and "hunter2-secret" not in str(err.value)
    assert str(err.value).startswith(f"warehouse profile `p`, target `prod` ({kind} ")
    assert not (tmp_path / "s.duckdb").exists()


def test_connector_rows_are_shaped_as_every_engine_shapes_them():
    """Snowflake's and BigQuery's rows (tuples, aware times, their own table types) become the
    same frames as DuckDB's and PostgreSQL's, through the one shaping in _common."""
    import datetime as dt

    from collectors.warehouse._common import COLUMN_SCHEMA, RELATION_SCHEMA, Plan, catalogue_frame

    pst = dt.timezone(dt.timedelta(hours=-8))
    rels = [
        ("PROD", "RAW", "ORDERS", "BASE TABLE", 40, 8192, dt.datetime(2026, 11, 7, 1, 0, tzinfo=pst)),
        ("PROD", "RAW", "EVENTS", "EXTERNAL TABLE", None, None, None),
        ("PROD", "ANALYTICS", "V_ORDERS", "VIEW", None, None, dt.datetime(2026, 11, 1, tzinfo=dt.UTC)),
        ("PROD", "INFORMATION_SCHEMA", "TABLES", "VIEW", None, None, None),
    ]
    got = catalogue_frame(rels, RELATION_SCHEMA, Plan(schemas=("raw",)), names=snowflake_engine.RELATION_COLUMNS, row_count_exact=True)
    assert got.schema == RELATION_SCHEMA
    assert got.rows() == [
        ("PROD", "RAW", "ORDERS", "table", 40, 8192, dt.datetime(2026, 11, 7, 9, 0), True, None),
        ("PROD", "RAW", "EVENTS", "external", None, None, None, True, None),
    ]
    cols = [("acme", "raw", "orders", "id", "INT64", 1, False), ("acme", "raw", "orders", "note", "STRING", 2, True)]
    shaped = catalogue_frame(cols, COLUMN_SCHEMA)
    assert shaped.schema == COLUMN_SCHEMA and shaped["is_nullable"].to_list() == [False, True]
