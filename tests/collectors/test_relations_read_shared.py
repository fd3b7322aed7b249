"""One definition of the relations a SQL text reads, shared by the models' SQL facts, the last
mile's logic and the query logs' texts (collectors/sql_facts/relations.py): on the same texts,
the three agree (the facts name relations lower-case without quotes, the others as written)."""

from __future__ import annotations

import pytest

from collectors.query_logs.texts import objects_read
from collectors.sql_facts.extract import extract_facts
from collectors.sql_facts.relations import relation_parts
from collectors.sql_logic import analyse

CASES = [
    # (dialect, sql, the relations read as written)
    ("duckdb", "select * from analytics.fct_orders", ["analytics.fct_orders"]),
    ("duckdb", "with orders as (select * from raw.orders) select * from orders join analytics.dim_customers c using (id)",
     ["analytics.dim_customers", "raw.orders"]),
    # a CTE shadows a table only where it is visible; a qualified name is never a CTE
    ("duckdb", "select * from (with t as (select 1 from a.b) select * from t) x join t on true join s.t on true",
     ["a.b", "s.t", "t"]),
    ("duckdb", "with recursive r as (select 1 as n union all select n + 1 from r where n < 3) select * from r", []),
    ("duckdb", "select * from read_csv('x.csv') join unnest([1, 2]) u on true join main.t on true", ["main.t"]),
    ("duckdb", "create table out.x as select * from src.y", ["src.y"]),
    ("duckdb", "insert into out.x select * from src.y where id in (select id from src.z)", ["src.y", "src.z"]),
    ("snowflake", 'select * from "ANALYTICS"."Orders" o join analytics.customers c on o.id = c.id',
     ['"ANALYTICS"."Orders"', "analytics.customers"]),
    ("bigquery", "select * from `proj.dataset.orders` join dataset2.items using (id)",
     ["`proj`.`dataset`.`orders`", "dataset2.items"]),
    ("postgres", "select * from a.b union all select * from c.d", ["a.b", "c.d"]),
    ("duckdb", "select 1 from __jinja_0 join s.t on true", ["s.t"]),  # a Jinja placeholder is no relation
]


@pytest.mark.parametrize(("dialect", "sql", "expected"), CASES, ids=[c[1][:40] for c in CASES])
def test_every_reader_of_sql_reads_the_same_relations(dialect, sql, expected):
    names, error = objects_read(sql, dialect)
    assert error is None and names == sorted(expected)
    logic = analyse(sql, dialect)
    assert logic["parse_error"] is None and logic["relations"] == names
    facts = extract_facts(sql, dialect)
    assert facts["parse_error"] is None
    assert facts["tables_read"] == sorted(".".join(relation_parts(n)) for n in names)
