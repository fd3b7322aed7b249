"""Context.node_index builds rows when asked for, and gives exactly the rows a dict of every row
would: single rows, then all at once after BULK_AFTER of them, repeated unique_ids as a dict."""

from __future__ import annotations

import polars as pl
import pytest

from rules.context import Context, NodeIndex


def nodes(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unique_id": [f"model.p.m{i}" for i in range(n)],
            "name": [f"m{i}" for i in range(n)],
            "tags": [[f"t{i}"] if i % 2 else [] for i in range(n)],
            "meta": [None if i % 3 else '{"owner": "ana"}' for i in range(n)],
            "enabled": [i % 5 != 0 for i in range(n)],
        }
    )


@pytest.mark.parametrize("bulk_after", [0, 3, 10_000])
def test_rows_are_the_rows_of_to_dicts(bulk_after, monkeypatch):
    monkeypatch.setattr(NodeIndex, "BULK_AFTER", bulk_after)
    frame = nodes(50)
    expected = {row["unique_id"]: row for row in frame.to_dicts()}
    index = Context({"nodes": frame}).node_index
    assert len(index) == 50 and list(index) == list(expected)
    for uid in ["model.p.m7", "model.p.m0", "model.p.m49", "model.p.m7", *expected]:
        assert index[uid] == expected[uid]
    assert index["model.p.m7"] is index["model.p.m7"]  # built once, then kept
    assert "model.p.m3" in index and "model.p.zz" not in index and index.get("model.p.zz") is None
    with pytest.raises(KeyError):
        index["model.p.zz"]
    assert dict(index.items()) == expected


def test_a_repeated_unique_id_is_its_last_row_as_in_a_dict():
    frame = pl.DataFrame({"unique_id": ["a", "b", "a"], "name": ["first", "b", "last"]})
    assert NodeIndex(frame)["a"]["name"] == "last"
    assert len(NodeIndex(frame)) == 2


def test_few_rows_are_built_for_a_few_lookups():
    index = NodeIndex(nodes(5_000))
    for i in range(10):
        index.get(f"model.p.m{i}")
    assert len(index._rows) == 10


def test_nodes_without_columns_give_an_empty_index():
    assert len(NodeIndex(pl.DataFrame())) == 0
