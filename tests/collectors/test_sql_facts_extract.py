"""Facts of one SQL text, and Jinja reduction: fixture pairs, one sub-test each.

``tests/fixtures/sql_facts/extract/NAME.sql`` is compiled SQL; ``jinja/NAME.sql`` is raw dbt
SQL, reduced with ``reduce_jinja`` before extraction. ``NAME.json`` holds:

* ``facts``: the expected facts (``"parse_error": "*"`` means: any message);
* ``dialect``: a sqlglot dialect (default ``duckdb``);
* ``known_relations`` and ``hardcoded``: the expected ``classify_hardcoded`` result;
* ``reduced_contains``/``reduced_excludes`` (jinja only): text the reduced SQL must / must not hold.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

import collectors.sql_facts
import collectors.sql_facts.extract
import collectors.sql_facts.jinja_reduce
import collectors.sql_facts.parallel
import collectors.sql_facts.relations
from collectors.sql_facts import classify_hardcoded, extract_facts, reduce_jinja
from collectors.sql_facts.extract import empty_facts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sql_facts"


def _cases(folder: str) -> list:
    files = sorted((FIXTURES / folder).glob("*.sql"))
    assert files, f"no fixtures in {folder}"
    return [pytest.param(f, id=f.stem) for f in files]


def _check(sql: str, expected: dict) -> dict:
    facts = extract_facts(sql, expected.get("dialect", "duckdb"))
    want = dict(expected["facts"])
    if want["parse_error"] == "*":
        assert isinstance(facts["parse_error"], str) and facts["parse_error"]
        assert "\n" not in facts["parse_error"]
        want["parse_error"] = facts["parse_error"]
    assert facts == want
    json.dumps(facts)  # JSON-able as it is
    if "hardcoded" in expected:
        assert classify_hardcoded(facts["tables_read"], expected["known_relations"]) == expected["hardcoded"]
    return facts


@pytest.mark.parametrize("path", _cases("extract"))
def test_extract_fixture(path: Path):
    _check(path.read_text(), json.loads(path.with_suffix(".json").read_text()))


@pytest.mark.parametrize("path", _cases("jinja"))
def test_jinja_fixture(path: Path):
    expected = json.loads(path.with_suffix(".json").read_text())
    reduced = reduce_jinja(path.read_text())
    for text in expected.get("reduced_contains", []):
        assert text in reduced
    for text in expected.get("reduced_excludes", []):
        assert text not in reduced
    _check(reduced, expected)


def test_sql_without_jinja_is_left_alone():
    sql = "select a, b from t where c = 'x'"
    assert reduce_jinja(sql) is sql


@pytest.mark.parametrize(
    "raw, reduced",
    [
        ("{{ ref('x') }}", "x"),
        ('{{ ref("pkg", "x") }}', "x"),
        ("{{- ref('x', version=2) -}}", "x"),
        ("{{ source('s', 't') }}", "s.t"),
        ("{{ ref(model_name) }}", "__jinja__"),
        ("{{ var('x') }}", "__jinja__"),
        ("{{ config(tags=['a', 'b']) }}x", "x"),
        ("{{ '}}' }}", "__jinja__"),
        ("{% if a %}1{% elif b %}2{% else %}3{% endif %}", "1"),
        ("{% if false %}1{% elif b %}2{% else %}3{% endif %}", "2"),
        ("{% if loop.first %}1{% else %}2{% endif %}", "1"),
        ("{%- if\n  not loop.last\n-%},{%- endif %}x", "x"),
        ("{% %}x", "x"),
        ("{% for x in y %}a{% else %}empty{% endfor %}", "a"),
        ("{% set x = 1 %}a{% set y %}b{% endset %}c", "ac"),
        ("{% filter upper %}a{% endfilter %}", "a"),
        ("{% raw %}{{ x }}{% endraw %}", "{{ x }}"),
        ("a{# {{ ref('x') }} #}b", "ab"),
    ],
)
def test_reduce_jinja_tags(raw: str, reduced: str):
    assert reduce_jinja(raw) == reduced


@pytest.mark.parametrize(
    "sql",
    [
        "select " + "(" * 5000 + "1" + ")" * 5000,  # deeper than Python's recursion limit
        "select * from t where x = 'unterminated",
        "\x00\x01 select",
        "select 1 +",
        "select * from (select 1",
    ],
)
def test_bad_sql_gives_a_parse_error_and_never_raises(sql: str):
    facts = extract_facts(sql, "duckdb")
    assert facts["parse_error"] and "\n" not in facts["parse_error"]
    assert facts == empty_facts(facts["parse_error"])


def test_empty_sql_reads_nothing():
    assert extract_facts("", "duckdb") == empty_facts()
    assert extract_facts("-- only a comment", "duckdb") == empty_facts()


def test_every_statement_counts():
    facts = extract_facts("select * from a; select x from b join c on b.id = c.id", "duckdb")
    assert (facts["tables_read"], facts["join_count"], facts["select_star"]) == (["a", "b", "c"], 1, True)


def test_written_tables_are_not_read():
    facts = extract_facts("insert into mart.daily (d, n) select d, count(*) from raw.events group by d", "duckdb")
    assert facts["tables_read"] == ["raw.events"]
    assert extract_facts("create table mart.t as select * from raw.s", "duckdb")["tables_read"] == ["raw.s"]


def test_statements_sqlglot_cannot_read_get_a_parse_error(capfd):
    facts = extract_facts("vacuum analyze foo bar baz", "duckdb")
    assert facts["parse_error"].startswith("not a query sqlglot can read: VACUUM")
    assert capfd.readouterr().err == ""


def test_negation_around_a_comparison():
    facts = extract_facts("select 1 from t where not (status = 'x') and not (qty > 3 and 1 = 1)", "duckdb")
    assert [(f["column"], f["op"]) for f in facts["literal_filters"]] == [("status", "!="), ("qty", ">")]


def test_unknown_dialect_is_the_callers_mistake():
    with pytest.raises(ValueError, match="nope"):
        extract_facts("select 1", "nope")


def test_generic_dialect():
    assert extract_facts("select x from s.t where y >= 2", "")["tables_read"] == ["s.t"]


@pytest.mark.parametrize(
    "module",
    [
        collectors.sql_facts,
        collectors.sql_facts.extract,
        collectors.sql_facts.jinja_reduce,
        collectors.sql_facts.parallel,
        collectors.sql_facts.relations,
    ],
    ids=lambda m: m.__name__,
)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.failed == 0
