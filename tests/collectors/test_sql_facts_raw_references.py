"""Hand-written relations in every quoting style dbt-project-evaluator recognises.

Each ``tests/fixtures/hard_coded_references/*.sql`` is a model's raw code; ``expected.json``
holds the relations it names by hand. Each case goes through the raw-code scanner, through the
path a collect takes (Jinja reduction, sqlglot, then the raw code when that does not parse),
and through ``sql_facts_of`` into the STR003 rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.facts_phase import sql_facts_of
from collectors.sql_facts import extract_facts, reduce_jinja
from collectors.sql_facts.raw_references import _COMMENTS, hard_coded, raw_references
from collectors.sql_facts.relations import relation_parts
from collectors.summary import CollectSummary
from rules.structure.hard_coded_references import HardCodedReferences
from tests.rules.structure._build import build, mid, model, run

CASES = Path(__file__).parents[1] / "fixtures" / "hard_coded_references"
EXPECTED: dict[str, list[str]] = json.loads((CASES / "expected.json").read_text())
KNOWN = {"stg_orders", "main.stg_orders", '"warehouse"."main"."stg_orders"'}  # the one ref of these models


def _normal(names) -> set[tuple[str, ...]]:
    return {n if n.startswith("{{") else relation_parts(n) for n in names}


def test_every_fixture_has_an_expectation():
    assert sorted(p.name for p in CASES.glob("*.sql")) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_raw_code_scanner_finds_exactly_the_expected_relations(case):
    names, variables = raw_references((CASES / case).read_text())
    assert sorted(names + variables) == sorted(EXPECTED[case])


@pytest.mark.parametrize("dialect", ["duckdb", "bigquery", "tsql", "snowflake"])
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_collect_path_without_compiled_sql(case, dialect):
    """Raw code reduced and parsed in the adapter's dialect; the raw code itself when that fails."""
    raw = (CASES / case).read_text()
    facts = extract_facts(reduce_jinja(raw), dialect)
    found = hard_coded(facts["tables_read"], facts["parse_error"], raw, False, KNOWN)
    assert _normal(found) == _normal(EXPECTED[case]), (facts["parse_error"], found)


def test_compiled_sql_that_does_not_parse_falls_back_to_the_raw_code():
    raw = (CASES / "bracketed_three_parts.sql").read_text()
    facts = extract_facts(raw, "duckdb")  # brackets are T-SQL: DuckDB's parser refuses them
    assert facts["parse_error"]
    assert hard_coded(facts["tables_read"], facts["parse_error"], raw, True, KNOWN) == ["[warehouse].[raw].[orders]"]


def test_compiled_sql_that_parses_is_judged_by_sqlglot_and_knows_its_refs():
    compiled = 'with __dbt__cte__eph as (select 1) select * from "warehouse"."main"."stg_orders" join __dbt__cte__eph on true'
    facts = extract_facts(compiled, "duckdb")
    assert hard_coded(facts["tables_read"], None, "select 1", True, KNOWN) == []


def test_sql_facts_of_fills_hardcoded_relations_that_str003_reports(tmp_path):
    cases = ["bracketed_three_parts.sql", "var_tables.sql", "quoted_cte_name.sql", "single_quoted_two_parts.sql"]
    names = [Path(c).stem for c in cases]
    code = pl.DataFrame({
        "unique_id": [mid(n) for n in names],
        "resource_type": ["model"] * len(cases),
        "raw_code": [(CASES / c).read_text() for c in cases],
        "compiled_code": [None] * len(cases),
        "language": ["sql"] * len(cases),
    })
    nodes = pl.DataFrame({"unique_id": [mid("stg_orders")], "name": ["stg_orders"], "schema": ["main"], "materialized": ["view"]})
    edges = pl.DataFrame({"parent_id": [mid("stg_orders")], "child_id": [mid("quoted_cte_name")]})
    summary = CollectSummary(tmp_path, tmp_path / "store.duckdb")
    facts, _ = sql_facts_of(code, nodes, edges, "postgres", tmp_path / "store.duckdb", None, summary)
    hard = dict(facts.select("unique_id", "hardcoded_relations").iter_rows())
    assert hard[mid("bracketed_three_parts")] == ["[warehouse].[raw].[orders]"]
    assert hard[mid("var_tables")] == ["{{ var('archive_table') }}", "{{ var('orders_table') }}"]
    assert hard[mid("quoted_cte_name")] == []
    assert hard[mid("single_quoted_two_parts")] == ["raw.orders"]

    rows = [{"unique_id": u, "hardcoded_relations": h} for u, h in hard.items()]
    ctx = build(tmp_path, [model(n) for n in names], sql_facts=rows)
    messages = {v.node: v.message for v in run(HardCodedReferences, ctx)}
    assert set(messages) == {mid("bracketed_three_parts"), mid("var_tables"), mid("single_quoted_two_parts")}
    assert "`[warehouse].[raw].[orders]`" in messages[mid("bracketed_three_parts")]
    assert "`{{ var('orders_table') }}`" in messages[mid("var_tables")]


_PIECES = ["from ", "join ", "with ", " as (", ")", ".", '"', "'", "`", "[", "]", "-", "--", "\n", "/*", "*/",
           "{{ var('t') }}", "{#", "#}", "distinct ", "__dbt__cte__m", "orders", "raw", " "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_raw_scanner_never_raises_and_names_only_what_is_written(pieces):
    code = "".join(pieces)
    names, variables = raw_references(code)
    written = re.sub(r"\s*\.\s*", ".", _COMMENTS.sub(" ", code))  # as the scanner reads it
    for name in names:
        assert name in written
        assert not relation_parts(name)[-1].startswith("__dbt__cte__")
    assert all(v == "{{ var('t') }}" for v in variables)
