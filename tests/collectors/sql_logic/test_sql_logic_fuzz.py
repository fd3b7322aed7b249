"""analyse never raises, whatever the text; and a rule's key does not depend on how it is written."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.sql_logic import analyse, key_of_filter

WORDS = st.sampled_from([
    "select", "from", "where", "and", "or", "not", "case", "when", "then", "else", "end", "(", ")",
    ",", "*", "a", "t.b", '"C"', "50", "'x'", "=", "<=", ">", "in", "is", "null", "join", "on", "over",
    "partition", "by", "group", "union", "all", "with", "as", "sum(a)", ":p1", "?", "{{v}}", "--", "\n",
])
DIALECTS = st.sampled_from(["duckdb", "snowflake", "bigquery", "postgres", ""])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=40).map(" ".join), DIALECTS)
def test_analyse_never_raises(sql, dialect):
    logic = analyse(sql, dialect)
    assert logic["classification"] in ("pass-through", "business", "unparsed")
    assert (logic["classification"] == "unparsed") == (logic["parse_error"] is not None)
    for e in logic["expressions"]:
        assert e["key"] and isinstance(e["line"], int)


COLUMN = st.sampled_from(["volume_ml", "price_usd", "units"])
NUMBER = st.integers(min_value=-1000, max_value=1000)
FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
NOT = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}


@settings(max_examples=100, deadline=None)
@given(COLUMN, st.sampled_from(sorted(FLIP)), NUMBER, st.sampled_from(["t.", "", '"T".']), DIALECTS)
def test_one_rule_one_key(column, op, value, qualifier, dialect):
    if dialect == "bigquery":
        qualifier = qualifier.replace('"', "`")  # BigQuery quotes names with backticks
    forms = [
        f"{qualifier}{column} {op} {value}",
        f"{value} {FLIP[op]} {column.upper() if dialect != 'bigquery' else column}",
        f"not ({column} {NOT[op]} {value})",
        f"{column} {NOT[op]} {value}",  # the other side of the same boundary
    ]
    keys = {analyse(f"select * from t where {f}", dialect)["expressions"][0]["key"] for f in forms}
    assert keys == {key_of_filter(column, op, value)}
