"""ref()/source()/config() calls read from raw dbt code without rendering it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.dbt_project.jinja_refs import JinjaCalls, JinjaSyntaxError, extract_calls, extract_python_calls

REFS = [
    ("{{ ref('a') }}", [(None, "a", None)]),
    ('{{ ref("a") }}', [(None, "a", None)]),
    ("{{ref('a')}}", [(None, "a", None)]),
    ("{{- ref('a') -}}", [(None, "a", None)]),
    ("{{ ref('pkg', 'a') }}", [("pkg", "a", None)]),
    ("{{ ref('a', v=2) }}", [(None, "a", "2")]),
    ("{{ ref('a', version='3') }}", [(None, "a", "3")]),
    ("{{ ref('pkg', 'a', v=1) }}", [("pkg", "a", "1")]),
    ("{{ ref(\n    'a'\n) }}", [(None, "a", None)]),
    ("{{ ref('a') }} {{ ref('a') }}", [(None, "a", None)]),  # repeats once
    ("{# {{ ref('a') }} #} {{ ref('b') }}", [(None, "b", None)]),
    ("{#- a comment with }} and {{ ref('a') -#}{{ ref('b') }}", [(None, "b", None)]),
    (
        "{% if target.name == 'prod' %}{{ ref('a') }}{% else %}{{ ref('b') }}{% endif %}",
        [(None, "a", None), (None, "b", None)],
    ),
    ("{% if var('x', ref('a')) %}x{% endif %}", [(None, "a", None)]),
    ("{% set rel = ref('a') %}select * from {{ rel }}", [(None, "a", None)]),
    ("{% set rels = [ref('a'), ref('b')] %}", [(None, "a", None), (None, "b", None)]),
    ("{% for r in [ref('a'), ref('b')] %}{{ r }}{% endfor %}", [(None, "a", None), (None, "b", None)]),
    ("{{ dbt_utils.union_relations(relations=[ref('a'), ref('b')]) }}", [(None, "a", None), (None, "b", None)]),
    ("{{ dbt_utils.star(from=ref('a'), except=['id']) }}", [(None, "a", None)]),  # not Python: scanned
    ("{{ 'x' ~ ref('a') }}", [(None, "a", None)]),
    ("{{ ref('a') if execute }}", [(None, "a", None)]),
    ("{{ ref(var('model_name')) }}", []),  # only rendering could tell
    ("{{ myref('a') }} {{ adapter.ref('b') }}", []),
    ("select '{{' as x", "unclosed"),
    ("{{ ref('a}}') }}", [(None, "a}}", None)]),  # a closing delimiter inside a string
    ("{% raw %}{{ ref('a') }}{% endraw %}{{ ref('b') }}", [(None, "b", None)]),
    ("-- depends_on: {{ ref('a') }}\nselect 1", [(None, "a", None)]),  # SQL comments are still Jinja
]


@pytest.mark.parametrize(("sql", "refs"), REFS)
def test_refs(sql, refs):
    if refs == "unclosed":
        with pytest.raises(JinjaSyntaxError):
            extract_calls(sql)
        return
    assert extract_calls(sql).refs == refs


def test_sources():
    calls = extract_calls(
        "{{ source('s', 't') }} {{ source(\"s\",\n 'u') }} {{ source('only_one') }} {{ source(x, 'y') }}"
    )
    assert calls.sources == [("s", "t"), ("s", "u")]


def test_config_literals():
    calls = extract_calls(
        """
        {{ config(materialized='incremental', unique_key=['id', 'day'], enabled=true, alias=none,
                  meta={'owner': 'ana', 'tier': 1}, on_schema_change=var('osc'), full_refresh=false) }}
        {{ config(tags=['a'], materialized='table') }}
        """
    )
    assert calls.config == {
        "materialized": "table", "unique_key": ["id", "day"], "enabled": True, "alias": None,
        "meta": {"owner": "ana", "tier": 1}, "full_refresh": False, "tags": ["a"],
    }  # fmt: skip


def test_config_results_are_copies():
    sql = "{{ config(tags=['a']) }}"
    extract_calls(sql).config["tags"].append("changed")
    assert extract_calls(sql).config == {"tags": ["a"]}


def test_snapshot_blocks_and_definitions():
    calls = extract_calls(
        "{% snapshot orders_snapshot %}\n{{ config(unique_key='id') }}\nselect * from {{ source('s', 't') }}\n{% endsnapshot %}"
    )
    assert list(calls.snapshots) == ["orders_snapshot"]
    assert calls.snapshots["orders_snapshot"].strip().startswith("{{ config(")
    assert calls.sources == [("s", "t")] and not calls.defines
    assert extract_calls("{% test is_even(model, column_name) %}select 1{% endtest %}").defines
    assert extract_calls("{% macro m() %}{{ ref('a') }}{% endmacro %}").defines


@pytest.mark.parametrize(
    ("sql", "line", "message"),
    [
        ("select 1\nfrom {{ ref('a')\n", 2, "a {{ tag is never closed"),
        ("{% if x\n", 1, "a {% tag is never closed"),
        ("a\nb\n{# comment\n", 3, "a {# comment is never closed"),
    ],
)
def test_unclosed_tags(sql, line, message):
    with pytest.raises(JinjaSyntaxError) as caught:
        extract_calls(sql)
    assert (str(caught.value), caught.value.line) == (message, line)


def test_python_models():
    code = """
import pandas as pd

def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="id")
    orders = dbt.ref("orders")
    other = dbt.ref("pkg", "customers", v=2)
    raw = dbt.source("shop", "events")
    name = "dynamic"
    dbt.ref(name)  # not a literal
    return pd.concat([orders, other, raw])
"""
    calls = extract_python_calls(code)
    assert calls.refs == [(None, "orders", None), ("pkg", "customers", "2")]
    assert calls.sources == [("shop", "events")]
    assert calls.config == {"materialized": "incremental", "unique_key": "id"}
    with pytest.raises(SyntaxError):
        extract_python_calls("def model(dbt, session:\n")


def test_many_tags_are_read_fast():
    import time

    def sql(n: int) -> str:
        return "\n".join(
            f"join {{{{ ref('m{i}') }}}} on true {{% if x %}}{{{{ source('s', 't{i}') }}}}{{% endif %}}"
            for i in range(n)
        )

    def best(text: str) -> float:
        times = []
        for _ in range(7):
            started = time.process_time()  # CPU time: a loaded machine stretches wall time unevenly
            extract_calls(text)
            times.append(time.process_time() - started)
        return min(times)

    calls = extract_calls(sql(2000))
    assert len(calls.refs) == 2000 and len(calls.sources) == 2000
    # linear in the number of tags: 10 times the tags, well under 30 times the time
    assert best(sql(2000)) < 30 * best(sql(200))


def test_plain_tags_read_without_a_parse_as_the_parse_reads_them():
    """The fast path for ``ref('x')``-like tags gives what the Python parse gives, and steps
    aside for anything else (a seeded fuzz over pieces of tags)."""
    import random

    from collectors.dbt_project import jinja_refs

    pieces = ["ref", "source", "(", ")", "'a'", '"b_1"', "'c.d-e'", ",", " ", "'x y'", "v=2", "'q\\'", "~", "x", "''"]
    rng = random.Random(12)
    checked = 0
    for _ in range(3000):
        if rng.random() < 0.5:
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(2, 9)))
        else:  # call-shaped: a name, spaces, one to three arguments
            args = [rng.choice(pieces[4:]) for _ in range(rng.randint(1, 3))]
            text = rng.choice(["ref", "source", "ref "]) + "(" + rng.choice([",", ", ", " , "]).join(args) + ")"
        fast = jinja_refs._plain_call(text)
        if fast is None:
            continue
        checked += 1
        slow = jinja_refs._literal_call(jinja_refs.parse_python(text, mode="eval").body)
        assert fast == [slow], text
    assert checked > 50


_PIECES = ["ref", "source", "config", "refs_of", "x.ref", "my_ref", "(", ")", "'a'", "'b'", ",", " ", "\n", "~", "[", "]",
           "v=", "2", "materialized=", "'t'", "#", "'ref('"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14), st.booleans())
def test_the_quick_look_for_a_call_never_drops_one(pieces, statement):
    """A tag with no bare ``ref(``/``source(``/``config(`` is not parsed: the parse would find nothing."""
    from collectors.dbt_project import jinja_refs

    text = "".join(pieces)
    quick = JinjaCalls()
    jinja_refs._collect(text, quick, statement)
    parsed = JinjaCalls()
    found = (None if statement else jinja_refs._plain_call(text)) or jinja_refs._parsed_calls(text, statement)
    for call in found:
        parsed.add(*call)
    assert (quick.refs, quick.sources, quick.config) == (parsed.refs, parsed.sources, parsed.config)
