"""Rows -> frames (:mod:`collectors.dbt_project.frames`): every way of building a ``list[str]``
column gives what polars gives from the nested lists."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.dbt_project import frames
from collectors.dbt_project.frames import _list_series

_TEXT = st.text(alphabet=st.sampled_from(["a", "é", " ", "\x1f", ",", "日"]), max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(_TEXT, max_size=4)), max_size=30))
def test_a_list_column_holds_the_lists_given(values):
    expected = pl.Series("tags", values, dtype=pl.List(pl.String))
    assert _list_series("tags", values).to_list() == expected.to_list()
    assert _list_series("tags", values).dtype == pl.List(pl.String)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(_TEXT, max_size=3)), min_size=1, max_size=12))
def test_the_arrow_way_for_many_rows_gives_the_same(values):
    joined = _list_series("fqn", values)
    saved = frames.ARROW_LISTS_FROM
    frames.ARROW_LISTS_FROM = 0  # (set and restored here: hypothesis runs the body many times)
    try:
        arrow = _list_series("fqn", values)
    finally:
        frames.ARROW_LISTS_FROM = saved
    assert arrow.to_list() == joined.to_list()


def test_lists_of_other_values_take_the_slow_way():
    assert _list_series("x", [["a", None], [1, 2]]).to_list() == [["a", None], ["1", "2"]]
