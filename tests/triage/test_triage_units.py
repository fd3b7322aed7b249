"""Triage on small projects written to a real store: hostile names, warehouse evidence, code diffs."""

from __future__ import annotations

import datetime as dt

import polars as pl

from console.triage import Extras, Triage, find_node
from console.triage.markdown import render_node
from console.triage.text import node_renderables, to_text
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 7, 9, 0)
EVIL = "[red]x[/red] \x1b[31mboom"
SRC = "source.shop.raw.orders"
STG = "model.shop.stg_orders"
EVIL_ID = f"model.shop.{EVIL}"
TEST = "test.shop.not_null_evil"
APP = "exposure.shop.app"


def _tables(evil_owner: str = "[bold]owner") -> dict:
    inv = {"invocation_id": "run-1", "kind": "run_results", "generated_at": NOW - dt.timedelta(hours=2), "command": "build"}
    fresh = {"invocation_id": "fresh-1", "kind": "sources", "generated_at": NOW - dt.timedelta(hours=1), "command": "source freshness"}
    return {
        "project": [{"name": "shop", "adapter": "duckdb"}],
        "nodes": [
            node(SRC, name="orders", source_name="raw", schema="raw", identifier="orders", database="wh", layer="source"),
            node(STG, schema="analytics", database="wh", layer="staging", owner=evil_owner),
            node(EVIL_ID, name=EVIL, schema="analytics", database="wh", layer="mart", path="models/[red]x.sql"),
            node(TEST),
            node(APP, exposure_type="application", owner="App [i]team", maturity="high"),
        ],
        "edges": [{"parent_id": p, "child_id": c} for p, c in ((SRC, STG), (STG, EVIL_ID), (EVIL_ID, TEST), (EVIL_ID, APP))],
        "tests": [{"unique_id": TEST, "test_name": "not_null", "attached_node": EVIL_ID, "severity": "error"}],
        "invocations": [inv, fresh],
        "node_results": [
            {"invocation_id": "run-1", "unique_id": STG, "status": "success", "execution_time": 1.0},
            {"invocation_id": "run-1", "unique_id": EVIL_ID, "status": "error", "execution_time": 0.5,
             "message": "Runtime Error [link=http://x]click[/link] \x1b]8;;http://evil\x07"},
            {"invocation_id": "run-1", "unique_id": TEST, "status": "skipped"},
        ],
        "freshness_results": [{"invocation_id": "fresh-1", "unique_id": SRC, "status": "pass", "age_seconds": 3600.0}],
    }


def test_hostile_names_and_messages_print_literally_never_as_markup_or_escapes(tmp_path):
    ctx = make_context(tmp_path, now=NOW, **_tables())
    triage = Triage(ctx)
    uid = find_node(triage.signals.refs, EVIL)
    result = triage.node(uid)
    assert result.level == "error" and result.root_causes[0].node.unique_id == EVIL_ID
    for color in (False, True):
        text = to_text(node_renderables(result), color=color, width=200)
        assert "[red]x[/red]" in text and "[link=http://x]click[/link]" in text and "App [i]team" in text
        assert "\\x1b[31mboom" in text and "\\x1b]8;;http://evil\\x07" in text
        assert "\x1b]8" not in text and "\x1b[31mboom" not in text
    md = render_node(result)
    assert "\x1b" not in md and "\\[red\\]x" in md


def test_a_stale_source_beside_an_unknown_relation_of_a_similar_name_gets_warehouse_evidence(tmp_path):
    tables = _tables()
    tables["freshness_results"] = [{"invocation_id": "fresh-1", "unique_id": SRC, "status": "error", "age_seconds": 3 * 86400.0,
                                    "error_after": {"count": 2, "period": "day"}}]
    ctx = make_context(tmp_path, now=NOW, **tables)
    relations = pl.DataFrame({"database": ["wh"] * 4, "schema": ["raw", "raw", "raw", "analytics"],
                              "name": ["orders", "orders_v2", "customers", "orders_copy"], "last_altered": [None] * 4})
    triage = Triage(ctx, extras=Extras({"warehouse_relations": relations}))
    status = triage.status(SRC)
    evidence = [s for s in status.signals if s.kind == "warehouse"]
    assert [s.source for s in evidence] == ["wh.raw.orders_v2"]  # same schema, name contains `orders`, no node reads it
    assert "renamed" in evidence[0].detail and status.level == "error"
    assert Triage(ctx).status(SRC).signals[0].kind == "freshness"  # no warehouse collected: no evidence, no error


def test_an_unknown_or_ambiguous_node_is_an_input_error(tmp_path):
    import pytest

    from console.errors import InputError

    ctx = make_context(tmp_path, now=NOW, **_tables())
    refs = Triage(ctx).signals.refs
    assert find_node(refs, "raw.orders") == SRC and find_node(refs, "orders") == SRC and find_node(refs, STG) == STG
    with pytest.raises(InputError, match="did you mean: stg_orders"):
        find_node(refs, "stg_order")


def test_the_command_line_prints_a_hostile_name_literally(tmp_path):
    from tests.triage.triage_fixtures import console

    make_context(tmp_path, now=NOW, **_tables())
    out = console("triage", str(tmp_path), "--store", str(tmp_path / "store.duckdb"), "--no-collect",
                  "--node", "[red]x[/red] \\x1b[31mboom", "--now", NOW.isoformat())
    assert out.returncode == 2 and "did you mean: [red]x[/red] \\x1b[31mboom" in out.stderr and "\x1b" not in out.stderr
    out = console("triage", str(tmp_path), "--store", str(tmp_path / "store.duckdb"), "--no-collect", "--node", EVIL_ID)
    assert out.returncode == 1, out.stderr
    assert "[red]x[/red] \\x1b[31mboom" in out.stdout and "\x1b" not in out.stdout
    assert "Runtime Error [link=http://x]click[/link]" in out.stdout
