"""Which relation names a model may read without them being hard-coded."""

from __future__ import annotations

import polars as pl

from collectors.facts_phase import parent_relations as _parent_relations

NODES = pl.DataFrame(
    {
        "unique_id": ["source.p.raw.orders", "model.p.stg_orders", "model.p.int_orders", "model.p.fct_orders"],
        "relation_name": ['"db"."raw"."orders"', '"db"."main"."stg_orders"', None, '"db"."main"."fct_orders"'],
        "name": ["orders", "stg_orders", "int_orders", "fct_orders"],
        "schema": ["raw", "main", "main", "main"],
        "identifier": ["orders", None, None, None],
        "source_name": ["raw", None, None, None],
        "materialized": [None, "view", "ephemeral", "table"],
    }
)
EDGES = pl.DataFrame(
    {
        "parent_id": ["source.p.raw.orders", "model.p.stg_orders", "model.p.int_orders"],
        "child_id": ["model.p.stg_orders", "model.p.int_orders", "model.p.fct_orders"],
    }
)


def test_a_source_parent_may_be_written_as_relation_schema_table_or_source_table():
    names = _parent_relations(NODES, EDGES.filter(pl.col("child_id") == "model.p.stg_orders"), EDGES)
    assert names["model.p.stg_orders"] == {'"db"."raw"."orders"', "orders", "raw.orders"}


def test_an_ephemeral_parent_lends_its_own_parents_relations():
    # dbt inlines int_orders as a CTE: fct_orders's compiled SQL reads stg_orders's relation
    names = _parent_relations(NODES, EDGES.filter(pl.col("child_id") == "model.p.fct_orders"), EDGES)
    assert '"db"."main"."stg_orders"' in names["model.p.fct_orders"]
    assert "int_orders" in names["model.p.fct_orders"]
