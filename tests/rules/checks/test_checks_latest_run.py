"""CHK001-CHK003 on real stores: failing tests, build errors and skips of the latest run."""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import Config
from rules.engine import evaluate
from tests.rules.helpers import make_context, node

T0 = dt.datetime(2026, 11, 7, 7, 0)
P = "model.shop"


def _inv(invocation_id: str, command: str, at: dt.datetime) -> dict:
    return {"invocation_id": invocation_id, "kind": "run_results", "command": command, "generated_at": at}


def _res(invocation_id: str, unique_id: str, status: str, **fields) -> dict:
    return {"invocation_id": invocation_id, "unique_id": unique_id, "status": status, **fields}


def _findings(ctx, rule: str):
    return evaluate(ctx, Config(select=(rule,))).findings


# a small shop: raw -> stg_orders -> fct_orders -> orders_by_day, with two tests on stg_orders
NODES = [
    node("source.shop.raw.orders", source_name="raw", name="orders"),
    node(f"{P}.stg_orders", path="models/staging/stg_orders.sql"),
    node(f"{P}.fct_orders", path="models/marts/fct_orders.sql"),
    node(f"{P}.orders_by_day", path="models/marts/orders_by_day.sql"),
    node("test.shop.unique_stg_orders_id", path="models/staging/_staging.yml"),
    node("test.shop.accepted_values_stg_orders_status", path="models/staging/_staging.yml"),
]
EDGES = [
    {"parent_id": "source.shop.raw.orders", "child_id": f"{P}.stg_orders"},
    {"parent_id": f"{P}.stg_orders", "child_id": f"{P}.fct_orders"},
    {"parent_id": f"{P}.fct_orders", "child_id": f"{P}.orders_by_day"},
    {"parent_id": f"{P}.stg_orders", "child_id": "test.shop.unique_stg_orders_id"},
    {"parent_id": f"{P}.stg_orders", "child_id": "test.shop.accepted_values_stg_orders_status"},
]
TESTS = [
    {"unique_id": "test.shop.unique_stg_orders_id", "test_name": "unique", "attached_node": f"{P}.stg_orders", "severity": "error"},
    {"unique_id": "test.shop.accepted_values_stg_orders_status", "test_name": "accepted_values", "attached_node": f"{P}.stg_orders", "severity": "warn"},
]


def _context(tmp_path, latest: list[dict], *, earlier: list[dict] | None = None, extra_invocations=()):
    invocations = [_inv("b2", "build", T0), *extra_invocations]
    results = [dict(r, invocation_id="b2") for r in latest]
    if earlier is not None:
        invocations.append(_inv("b1", "build", T0 - dt.timedelta(days=1)))
        results += [dict(r, invocation_id="b1") for r in earlier]
    return make_context(tmp_path, nodes=NODES, edges=EDGES, tests=TESTS, invocations=invocations, node_results=results)


GREEN = [
    _res("", f"{P}.stg_orders", "success"),
    _res("", "test.shop.unique_stg_orders_id", "pass", failures=0),
    _res("", "test.shop.accepted_values_stg_orders_status", "pass", failures=0),
    _res("", f"{P}.fct_orders", "success"),
    _res("", f"{P}.orders_by_day", "success"),
]
RED = [
    _res("", f"{P}.stg_orders", "success"),
    _res("", "test.shop.unique_stg_orders_id", "fail", failures=3, message="Got 3 results, configured to fail if != 0"),
    _res("", "test.shop.accepted_values_stg_orders_status", "warn", failures=1),
    _res("", f"{P}.fct_orders", "skipped"),
    _res("", f"{P}.orders_by_day", "skipped"),
]


@pytest.fixture(scope="module")
def red(tmp_path_factory):
    """The latest build: a failing and a warning test on stg_orders, everything downstream skipped."""
    return _context(tmp_path_factory.mktemp("red"), RED)


def test_chk001_fails_on_failing_and_warning_tests(red):
    found = {f.node: f for f in _findings(red, "CHK001")}
    fail = found["test.shop.unique_stg_orders_id"]
    assert fail.severity == "error"
    assert fail.message == "test `unique_stg_orders_id` on `stg_orders` failed in the latest `dbt build` (2026-11-07 07:00): 3 failing rows"
    assert fail.path == "models/staging/_staging.yml"
    warn = found["test.shop.accepted_values_stg_orders_status"]
    assert warn.severity == "warn"
    assert "warned" in warn.message and "1 failing row " in warn.message + " "
    assert fail.hint and fail.rule == "CHK001" and fail.name == "failing-test"


def test_chk001_fails_on_test_that_could_not_run(tmp_path):
    latest = [_res("", "test.shop.unique_stg_orders_id", "error", message="Runtime Error\n  column id does not exist")]
    (f,) = _findings(_context(tmp_path, latest), "CHK001")
    assert f.severity == "error"
    assert f.message.endswith("could not run in the latest `dbt build` (2026-11-07 07:00): Runtime Error column id does not exist")


def test_chk001_passes_when_all_green(tmp_path):
    assert _findings(_context(tmp_path, GREEN), "CHK001") == ()


def test_chk001_passes_when_the_failure_is_only_in_an_earlier_run(tmp_path):
    assert _findings(_context(tmp_path, GREEN, earlier=RED), "CHK001") == ()


def test_chk001_looks_past_a_later_run_of_models_only(tmp_path):
    # `dbt run` after the build: its results say nothing about tests, so the build's failure stands
    ctx = _context(
        tmp_path,
        RED,
        extra_invocations=[_inv("r3", "run", T0 + dt.timedelta(hours=1))],
    )
    assert {f.node for f in _findings(ctx, "CHK001")} == {"test.shop.unique_stg_orders_id", "test.shop.accepted_values_stg_orders_status"}


def test_chk002_fails_on_model_that_errored(tmp_path):
    latest = [
        _res("", f"{P}.stg_orders", "error", message="Runtime Error in model stg_orders (models/staging/stg_orders.sql)\n  Conversion Error: Could not convert string 'N/A' to DECIMAL"),
        _res("", f"{P}.fct_orders", "skipped"),
    ]
    (f,) = _findings(_context(tmp_path, latest), "CHK002")
    assert f.node == f"{P}.stg_orders" and f.severity == "error"
    assert f.path == "models/staging/stg_orders.sql"
    assert f.message == (
        "model `stg_orders` failed to build in the latest `dbt build` (2026-11-07 07:00): Runtime Error in model "
        "stg_orders (models/staging/stg_orders.sql) Conversion Error: Could not convert string 'N/A' to DECIMAL"
    )


def test_chk002_passes_when_every_model_built(tmp_path):
    latest = [dict(r, status="success") for r in GREEN if r["unique_id"].startswith("model.")]
    assert _findings(_context(tmp_path, latest, earlier=[_res("", f"{P}.stg_orders", "error")]), "CHK002") == ()


def test_chk003_fails_on_models_skipped_after_a_failing_test(red):
    found = {f.node: f for f in _findings(red, "CHK003")}
    assert set(found) == {f"{P}.fct_orders", f"{P}.orders_by_day"}
    assert found[f"{P}.orders_by_day"].message == (
        "model `orders_by_day` was skipped in the latest `dbt build` (2026-11-07 07:00) "
        "because test `unique_stg_orders_id` failed upstream"
    )
    assert found[f"{P}.fct_orders"].severity == "warn"


def test_chk003_fails_on_models_skipped_after_a_model_error(tmp_path):
    latest = [
        _res("", f"{P}.stg_orders", "error"),
        _res("", "test.shop.unique_stg_orders_id", "skipped"),
        _res("", f"{P}.fct_orders", "skipped"),
        _res("", f"{P}.orders_by_day", "skipped"),
    ]
    found = {f.node: f.message for f in _findings(_context(tmp_path, latest), "CHK003")}
    assert found[f"{P}.orders_by_day"].endswith("because model `stg_orders` failed upstream")


def test_chk003_fails_on_a_skip_with_no_failure_upstream(tmp_path):
    latest = [_res("", f"{P}.stg_orders", "success"), _res("", f"{P}.fct_orders", "skipped")]
    (f,) = _findings(_context(tmp_path, latest), "CHK003")
    assert "nothing upstream of it failed" in f.message


def test_chk003_passes_when_a_warning_test_does_not_skip_anything(tmp_path):
    warned = "test.shop.accepted_values_stg_orders_status"
    latest = [r if r["unique_id"] != warned else dict(r, status="warn", failures=2) for r in GREEN]
    assert _findings(_context(tmp_path, latest), "CHK003") == ()
