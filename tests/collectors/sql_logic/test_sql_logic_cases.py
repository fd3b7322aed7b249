"""Classification and normalisation cases, from fixture files of input/expected pairs, each a sub-test."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
import yaml

from collectors.sql_logic import analyse, key_of_filter, rule_key

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sql_logic"


def _key_cases() -> list[tuple[str, str, str]]:
    cases, pending, dialect = [], None, "duckdb"
    for line in (FIXTURES / "keys.sql").read_text().splitlines():
        if line.startswith("-- dialect:"):
            dialect = line.split(":", 1)[1].strip()
        elif line.startswith("--") or not line.strip():
            continue
        elif pending is None:
            pending = line
        else:
            cases.append((dialect, pending, line))
            pending = None
    assert pending is None, f"keys.sql: {pending!r} has no expected key"
    return cases


KEY_CASES = _key_cases()
CLASSIFY_CASES = yaml.safe_load((FIXTURES / "classify.yaml").read_text())


@pytest.mark.parametrize(("dialect", "sql", "expected"), KEY_CASES, ids=[f"{d}:{s}" for d, s, _ in KEY_CASES])
def test_predicate_key(dialect, sql, expected):
    assert rule_key(sqlglot.parse_one(sql, read=dialect)) == expected


@pytest.mark.parametrize("dialect,sql,expected", KEY_CASES, ids=[f"{d}:{s}" for d, s, _ in KEY_CASES])
def test_predicate_key_in_a_where_clause(dialect, sql, expected):
    logic = analyse(f"select * from t where {sql}", dialect)
    assert [e["key"] for e in logic["expressions"] if e["kind"] in ("filter", "date_math")] == [expected]


@pytest.mark.parametrize("case", CLASSIFY_CASES, ids=[c["name"] for c in CLASSIFY_CASES])
def test_classification(case):
    logic = analyse(case["sql"], case["dialect"])
    assert logic["classification"] == case["classification"]
    assert logic["relations"] == case["relations"]
    assert [[e["kind"], e["key"]] for e in logic["expressions"]] == case["expressions"]
    assert (logic["parse_error"] is not None) == (case["classification"] == "unparsed")


@pytest.mark.parametrize(
    ("filter_", "sql"),
    [
        (("is_seasonal", "=", False), "not is_seasonal"),
        (("is_seasonal", "==", True), "is_seasonal"),
        (("volume_ml", "gt", 50), "volume_ml > 50"),
        (("t.VOLUME_ML", "<=", 50), "volume_ml <= 50"),
        (("category", "not_in", ["rum", "gin"]), "category not in ('gin', 'rum')"),
        (("deleted_at", "is_null", None), "deleted_at is null"),
        (("status", "!=", "cancelled"), "status = 'cancelled'"),
    ],
)
def test_key_of_filter_matches_sql(filter_, sql):
    assert key_of_filter(*filter_) == rule_key(sqlglot.parse_one(sql))


def test_key_of_filter_types_its_value():
    assert key_of_filter("volume_ml", ">", 50) != key_of_filter("volume_ml", ">", "50")


def test_key_of_filter_refuses_an_unknown_operator():
    with pytest.raises(ValueError, match="unknown filter operator"):
        key_of_filter("x", "approximately", 1)


def test_lines_are_lines_of_the_file():
    sql = "select a\nfrom t\nwhere b > 1\n  and c in (1, 2)"
    logic = analyse(sql, "duckdb", line_offset=20)
    assert [(e["key"], e["line"]) for e in logic["expressions"]] == [("b <= 1", 22), ("c IN (1, 2)", 23)]


def test_parse_error_is_one_line():
    logic = analyse("select (((", "duckdb")
    assert logic["classification"] == "unparsed"
    assert "\n" not in logic["parse_error"] and logic["parse_error"]
