"""RUN001-RUN003 on real stores: slower builds, flaky tests, nodes left out of the schedule."""

from __future__ import annotations

import datetime as dt

from console.config import Config
from rules.engine import evaluate
from tests.rules.helpers import make_context, node

DAY0 = dt.datetime(2026, 11, 1, 7, 0)


def _findings(ctx, rule: str, **options):
    return evaluate(ctx, Config(select=(rule,), options={rule: options} if options else {})).findings


def _history(tmp_path, nodes: list[dict], days: list[tuple[str, dict[str, tuple[str, float]]]], **tables):
    """One invocation per day: (command, {unique_id: (status, seconds)})."""
    invocations, results = [], []
    for i, (command, day) in enumerate(days):
        at = DAY0 + dt.timedelta(days=i)
        invocations.append({"invocation_id": f"inv{i}", "kind": "run_results", "command": command, "generated_at": at})
        results += [
            {"invocation_id": f"inv{i}", "unique_id": uid, "status": status, "execution_time": secs, "completed_at": at}
            for uid, (status, secs) in day.items()
        ]
    return make_context(tmp_path, nodes=nodes, invocations=invocations, node_results=results, **tables)


# --- RUN001 -------------------------------------------------------------------------------------

MODELS = [node("model.shop.fct_forecast"), node("model.shop.dim_stores"), node("model.shop.tiny")]


def _durations(forecast: list[float], status_last: str = "success"):
    days = []
    for i, secs in enumerate(forecast):
        status = status_last if i == len(forecast) - 1 else "success"
        days.append(("build", {"model.shop.fct_forecast": (status, secs), "model.shop.dim_stores": ("success", 2.0 + i % 2), "model.shop.tiny": ("success", 0.05 if i < len(forecast) - 1 else 0.4)}))
    return days


def test_run001_fails_when_latest_build_is_far_above_its_median(tmp_path):
    ctx = _history(tmp_path, MODELS, _durations([1.2, 1.4, 1.3, 1.5, 1.3, 5.2]))
    (f,) = _findings(ctx, "RUN001")
    assert f.node == "model.shop.fct_forecast" and f.severity == "warn"
    assert f.message == (
        "model `fct_forecast` took 5.2 seconds in the latest `dbt build` (2026-11-06 07:00), "
        "4.0 times its median of 1.3 seconds over the 5 successful runs before"
    )


def test_run001_fails_with_a_lower_factor_option(tmp_path):
    ctx = _history(tmp_path, MODELS, _durations([1.2, 1.4, 1.3, 1.5, 1.3, 2.2]))
    assert _findings(ctx, "RUN001") == ()
    assert [f.node for f in _findings(ctx, "RUN001", factor=1.5)] == ["model.shop.fct_forecast"]


def test_run001_passes_with_too_little_history_or_a_failed_latest_run(tmp_path):
    assert _findings(_history(tmp_path, MODELS, _durations([1.2, 1.3, 9.0])), "RUN001") == ()
    assert _findings(_history(tmp_path, MODELS, _durations([1.2, 1.4, 1.3, 1.5, 9.0], "error")), "RUN001") == ()


def test_run001_passes_for_sub_second_models(tmp_path):
    # tiny goes from 0.05 s to 0.4 s: 8 times, but under min_seconds
    ctx = _history(tmp_path, MODELS, _durations([1.2, 1.4, 1.3, 1.5, 1.3, 1.4]))
    assert _findings(ctx, "RUN001") == ()
    (f,) = _findings(ctx, "RUN001", min_seconds=0.1)
    assert f.node == "model.shop.tiny" and "took 0.40 seconds" in f.message and "8.0 times its median of 0.05 seconds" in f.message


# --- RUN002 -------------------------------------------------------------------------------------

TESTS = [node("test.shop.assert_every_market_sold"), node("test.shop.not_null_orders_id"), node("model.shop.orders")]
TEST_ROWS = [
    {"unique_id": "test.shop.assert_every_market_sold", "test_name": "singular", "attached_node": "model.shop.orders", "severity": "error"},
    {"unique_id": "test.shop.not_null_orders_id", "test_name": "not_null", "attached_node": "model.shop.orders", "severity": "error"},
]


def _test_days(flaky: list[str], steady: str = "pass", command: str = "build"):
    return [(command, {"test.shop.assert_every_market_sold": (s, 0.1), "test.shop.not_null_orders_id": (steady, 0.1)}) for s in flaky]


def test_run002_fails_on_a_test_that_flips(tmp_path):
    ctx = _history(tmp_path, TESTS, _test_days(["pass", "fail", "pass", "fail", "pass", "skipped", "fail", "pass"]), tests=TEST_ROWS)
    (f,) = _findings(ctx, "RUN002")
    assert f.node == "test.shop.assert_every_market_sold"
    assert f.message == (
        "test `assert_every_market_sold` on `orders` changed between pass and fail 6 times in its last 7 runs "
        "(oldest first: pass, fail, pass, fail, pass, fail, pass)"
    )


def test_run002_fails_only_within_the_history_window(tmp_path):
    ctx = _history(tmp_path, TESTS, _test_days(["fail", "pass", "fail", "pass", "pass", "pass", "pass"]), tests=TEST_ROWS)
    assert [f.node for f in _findings(ctx, "RUN002")] == ["test.shop.assert_every_market_sold"]
    assert _findings(ctx, "RUN002", history=5) == ()  # fail pass pass pass pass: one change


def test_run002_passes_on_one_incident_that_was_fixed(tmp_path):
    ctx = _history(tmp_path, TESTS, _test_days(["pass", "pass", "fail", "pass", "pass"]), tests=TEST_ROWS)
    assert _findings(ctx, "RUN002") == ()  # two changes: one incident, not flakiness
    assert [f.node for f in _findings(ctx, "RUN002", min_flips=2)] == ["test.shop.assert_every_market_sold"]


def test_run002_passes_on_a_test_that_broke_once_and_stayed_broken(tmp_path):
    ctx = _history(tmp_path, TESTS, _test_days(["pass", "pass", "fail", "fail", "fail"], steady="fail"), tests=TEST_ROWS)
    assert _findings(ctx, "RUN002") == ()


# --- RUN003 -------------------------------------------------------------------------------------

ALL = [
    node("model.shop.orders"), node("model.shop.legacy_orders"), node("model.shop.helper", materialized="ephemeral"),
    node("model.shop.disabled_one", enabled=False), node("seed.shop.markets"), node("test.shop.not_null_orders_id"),
]


def _schedule(n: int, legacy_until: int, command: str = "build"):
    days = []
    for i in range(n):
        day = {"model.shop.orders": ("success", 1.0), "seed.shop.markets": ("success", 0.1), "test.shop.not_null_orders_id": ("pass", 0.1)}
        if i < legacy_until:
            day["model.shop.legacy_orders"] = ("success", 1.0)
        days.append((command, day))
    return days


def test_run003_fails_on_a_model_missing_from_the_last_runs(tmp_path):
    ctx = _history(tmp_path, ALL, _schedule(8, legacy_until=3))
    (f,) = _findings(ctx, "RUN003")
    assert f.node == "model.shop.legacy_orders"
    assert f.message == "model `legacy_orders` was in none of the last 5 `build`/`run` runs: it last ran 2026-11-03 07:00, 5 runs ago"


def test_run003_fails_on_a_model_that_never_ran_in_a_long_enough_history(tmp_path):
    ctx = _history(tmp_path, ALL, _schedule(6, legacy_until=0))
    (f,) = _findings(ctx, "RUN003", invocations=6)
    assert f.message == "model `legacy_orders` never ran in the 6 collected `build`/`run` runs"


def test_run003_passes_with_a_short_history_or_a_recent_run(tmp_path):
    assert _findings(_history(tmp_path, ALL, _schedule(4, legacy_until=0)), "RUN003") == ()
    assert _findings(_history(tmp_path, ALL, _schedule(8, legacy_until=4)), "RUN003") == ()


def test_run003_passes_when_only_test_runs_left_out_a_model(tmp_path):
    # `dbt test` invocations say nothing about which models the schedule builds
    days = _schedule(2, legacy_until=2)
    days += [("test", {"test.shop.not_null_orders_id": ("pass", 0.1)}) for _ in range(5)]
    assert _findings(_history(tmp_path, ALL, days), "RUN003") == ()
