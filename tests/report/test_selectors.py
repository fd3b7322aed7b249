"""dbt selector syntax over the shop's graph (read back from a real store)."""

from __future__ import annotations

import pytest

from console.errors import InputError
from console.selectors import parse_atom, select_nodes
from tests.report.conftest import EVIL_ID, EXP, EXPOSURE, FCT, SRC, STG, TEST

SEED = "seed.shop.markets"


@pytest.fixture(scope="module")
def pick(shop_ctx):
    def run(*select: str, exclude: tuple[str, ...] = ()) -> set[str]:
        return set(select_nodes(shop_ctx.graph, shop_ctx.frames["nodes"], select, exclude).nodes)

    return run


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("fct_orders", {FCT, TEST}),  # a name; its test comes with it
        ("+fct_orders", {FCT, TEST, STG, SRC, SEED}),
        ("1+fct_orders", {FCT, TEST, STG, SEED}),
        ("stg_orders+", {STG, FCT, TEST, EXP, EVIL_ID, EXPOSURE}),
        ("stg_orders+1", {STG, FCT, TEST}),
        ("+stg_orders+1", {SRC, STG, FCT, TEST}),
        ("@exp_orders_crm", {EXP, EXPOSURE, FCT, TEST, STG, SRC, SEED}),
        ("tag:nightly", {STG, FCT, TEST}),
        ("tag:fin*", {FCT, EXP, TEST}),
        ("path:models/marts", {FCT, EVIL_ID, TEST}),
        ("path:models/marts/", {FCT, EVIL_ID, TEST}),
        ("models/staging/stg_orders.sql", {STG}),
        ("path:models/*/exp_*", {EXP}),
        ("file:fct_orders.sql", {FCT, TEST}),
        ("file:fct_orders", {FCT, TEST}),
        ("staging", {STG, SRC}),  # an fqn folder
        ("shop.marts.fct_orders", {FCT, TEST}),
        ("fqn:shop.exports.*", {EXP}),
        ("resource_type:exposure", {EXPOSURE}),
        ("resource_type:seed", {SEED}),
        ("source:raw", {SRC}),
        ("source:raw.orders", {SRC}),
        ("source:raw+", {SRC, STG, FCT, TEST, EXP, EVIL_ID, EXPOSURE}),
        ("exposure:crm_sync", {EXPOSURE}),
        ("+exposure:crm_sync", {EXPOSURE, EXP, FCT, STG, SRC, SEED, TEST}),
        (FCT, {FCT, TEST}),  # a unique_id
        ("unique_id:model.shop.stg_*", {STG}),
        ("package:shop", {SRC, STG, FCT, EXP, EVIL_ID, TEST, EXPOSURE, SEED}),
        ("config.materialized:view", {STG}),
        ("config.on_schema_change:ignore", {STG}),
        ("access:public", {FCT, TEST}),
        ("group:finance", {FCT, TEST}),
        ("layer:export", {EXP}),
        ("tag:nightly,path:models/marts", {FCT, TEST}),  # intersection
        ("tag:nightly,+exp_orders_crm", {STG, FCT, TEST}),
        ("stg_orders exp_orders_crm", {STG, EXP}),  # union by space
    ],
)
def test_selector(pick, selector, expected):
    assert pick(selector) == expected


def test_repetition_is_a_union(pick):
    assert pick("stg_orders", "tag:finance") == {STG, FCT, EXP, TEST}


def test_exclude_removes_nodes_and_their_tests(pick):
    assert pick("+exp_orders_crm", exclude=("fct_orders",)) == {EXP, STG, SRC, SEED}
    assert pick("path:models", exclude=("tag:nightly", "layer:mart")) == {SRC, EXP, EXPOSURE}


def test_only_exclude_starts_from_everything(shop_ctx):
    sel = select_nodes(shop_ctx.graph, shop_ctx.frames["nodes"], (), ("path:models/marts",))
    assert sel.nodes == {SRC, STG, EXP, EXPOSURE, SEED}
    assert not sel.explicit


def test_findings_outside_the_graph_are_kept_only_without_select(shop_ctx):
    narrowed = select_nodes(shop_ctx.graph, shop_ctx.frames["nodes"], ("fct_orders",))
    assert narrowed.keeps(FCT) and not narrowed.keeps(STG)
    assert not narrowed.keeps(None) and not narrowed.keeps("project.shop")
    excluded = select_nodes(shop_ctx.graph, shop_ctx.frames["nodes"], (), ("fct_orders",))
    assert excluded.keeps(None) and excluded.keeps("lastmile.hightouch.sync") and not excluded.keeps(FCT)


def test_unmatched_atoms_are_reported(shop_ctx):
    sel = select_nodes(shop_ctx.graph, shop_ctx.frames["nodes"], ("nope tag:nightly", "tag:gone"))
    assert sel.unmatched == ("nope", "tag:gone")
    assert sel.nodes == {STG, FCT, TEST}


def test_hostile_names_are_plain_values(pick):
    assert pick("unique_id:model.shop.<img*") == {EVIL_ID}
    assert pick("path:models/marts/evil.sql") == {EVIL_ID}
    assert pick("model.shop.<img") == set()  # a space ends a term, as in dbt


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("colour:red", "unknown selector method `colour`"),
        ("tag:", "has no value"),
        ("@+x", "cannot be combined"),
        ("config:x", "`config` needs a key"),
    ],
)
def test_bad_selectors_are_input_errors(text, problem):
    with pytest.raises(InputError, match=problem) as err:
        parse_atom(text, "--exclude")
    assert str(err.value).startswith("--exclude: ")


def test_atom_parts():
    atom = parse_atom("@config.materialized:table+3")
    assert (atom.at, atom.method, atom.value, atom.up, atom.down) == (True, "config.materialized", "table", None, 3)
