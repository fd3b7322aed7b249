"""The engine: isolation of crashing rules, selection, options, severities, exceptions, fingerprints."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from console.config import Config, RuleException, load_config
from console.errors import InputError
from rules.base import NodeRule, Option, Rule, Severity, Violation
from rules.engine import evaluate
from tests.rules.helpers import make_context, node

NOW = dt.datetime(2026, 11, 7, 8, 0)
CONFIG_FILE = Path("/project/console.toml")


class Fragile(NodeRule):
    """Throwaway: one finding per model; it cannot judge `boom`."""

    id = "TST001"
    name = "fragile"
    category = "checks"
    severity = Severity.WARN
    hint = "fragile hint"
    options = {"limit": Option(3, "a number"), "label": Option("seen", "a word"), "strict": Option(False, "a flag")}

    def targets(self, ctx, opts):
        return ctx.of_type("model")

    def check_node(self, ctx, node, opts):
        if node.endswith(".boom"):
            raise RuntimeError("cannot judge\nboom")
        yield Violation(node, f"model `{node}` {opts['label']} with limit {opts['limit']}")


class Whole(Rule):
    """Throwaway: two findings, then a crash."""

    id = "TST002"
    name = "whole"
    category = "runs"
    severity = Severity.INFO
    hint = "whole hint"

    def check(self, ctx, opts):
        yield Violation("model.p.a", "first", key="1")
        yield Violation("model.p.a", "second", key="2", severity=Severity.ERROR, hint="case hint", path="elsewhere.yml", line=4)
        raise ZeroDivisionError("division by zero")


class Steady(Rule):
    """Throwaway: one warn finding on the seed."""

    id = "TST003"
    name = "steady"
    category = "hardening"
    severity = Severity.WARN
    hint = "steady hint"

    def check(self, ctx, opts):
        yield Violation("seed.p.markets", "markets is steady")


POOL = (Fragile, Whole, Steady)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    nodes = [
        node("model.p.a", path="models/a.sql"),
        node("model.p.boom", path="models/boom.sql"),
        node("model.p.c", path="models/c.sql"),
        node("seed.p.markets", path="seeds/markets.csv"),
    ]
    return make_context(tmp_path_factory.mktemp("engine"), now=NOW, nodes=nodes)


def run(ctx, **config):
    return evaluate(ctx, Config(source=CONFIG_FILE, **config), rules=POOL)


def test_a_crash_on_one_node_is_a_finding_and_the_rest_still_runs(ctx):
    result = run(ctx)
    assert result.rules_run == ("TST001", "TST002", "TST003")
    fragile = [f for f in result.findings if f.rule == "TST001"]
    assert sorted(f.node for f in fragile) == ["model.p.a", "model.p.boom", "model.p.c"]
    (boom,) = [f for f in fragile if f.node == "model.p.boom"]
    assert boom.severity == "error" and boom.name == "fragile" and boom.path == "models/boom.sql"
    assert boom.message == "rule TST001 failed on `model.p.boom`: RuntimeError: cannot judge boom"
    # a project-wide rule keeps what it yielded before crashing
    whole = [f for f in result.findings if f.rule == "TST002"]
    assert [f.message for f in whole if f.node == "model.p.a"] == ["second", "first"]  # error sorts first
    crash = [f for f in whole if f.node is None]
    assert [f.message for f in crash] == ["rule TST002 failed on the project: ZeroDivisionError: division by zero"]
    assert {f.message for f in result.rule_errors} == {boom.message, crash[0].message}
    assert any(f.rule == "TST003" for f in result.findings)


def test_path_and_hint_default_to_the_node_file_and_the_rule_hint(ctx):
    by_message = {f.message: f for f in run(ctx).findings}
    assert by_message["first"].path == "models/a.sql" and by_message["first"].hint == "whole hint"
    assert by_message["first"].severity == "info"
    second = by_message["second"]
    assert (second.path, second.line, second.hint, second.severity) == ("elsewhere.yml", 4, "case hint", "error")


def test_findings_are_sorted_by_severity_then_category_rule_node(ctx):
    keys = [(f.severity, f.category, f.rule, f.node or "") for f in run(ctx).findings]
    rank = {"error": 0, "warn": 1, "info": 2}
    cats = {"checks": 0, "runs": 2, "hardening": 4}
    assert keys == sorted(keys, key=lambda k: (rank[k[0]], cats[k[1]], k[2], k[3]))
    assert keys[0][0] == "error" and keys[-1] == ("info", "runs", "TST002", "model.p.a")


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        (("ALL",), (), ("TST001", "TST002", "TST003")),
        (("checks",), (), ("TST001",)),
        (("tst002", "steady"), (), ("TST002", "TST003")),
        (("ALL",), ("whole", "hardening"), ("TST001",)),
        (("runs", "TST001"), ("TST001",), ("TST002",)),
    ],
)
def test_select_and_ignore_by_id_name_and_category(ctx, select, ignore, expected):
    assert run(ctx, select=select, ignore=ignore).rules_run == expected


def test_unknown_selection_is_an_input_error_with_a_suggestion(ctx):
    with pytest.raises(InputError) as err:
        run(ctx, select=("fragil",))
    assert str(err.value) == "/project/console.toml: `rules.select`/`rules.ignore`: unknown rule, category or `ALL`: `fragil` (did you mean `fragile`?)"


def test_severity_override_by_id_or_name_wins_over_case_severities(ctx):
    result = run(ctx, severity={"whole": "warn", "TST001": "info"})
    assert {f.severity for f in result.findings if f.rule == "TST002" and f.node} == {"warn"}
    assert {f.severity for f in result.findings if f.rule == "TST001" and f.node != "model.p.boom"} == {"info"}
    with pytest.raises(InputError, match=r"`rules.severity.wole`: unknown rule `wole` \(did you mean `whole`\?\)"):
        run(ctx, severity={"wole": "warn"})


def test_options_override_defaults(ctx):
    result = run(ctx, select=("fragile",), options={"fragile": {"limit": 7, "label": "judged"}})
    assert {f.message for f in result.findings if f.node == "model.p.a"} == {"model `model.p.a` judged with limit 7"}


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"TST001": {"limt": 7}}, "unknown option `rules.options.TST001.limt` (did you mean `limit`?)"),
        ({"fragile": {"limit": "7"}}, "`rules.options.fragile.limit` must be a whole number, not '7'"),
        ({"fragile": {"limit": True}}, "`rules.options.fragile.limit` must be a whole number, not True"),
        ({"fragile": {"limit": 2.5}}, "`rules.options.fragile.limit` must be a whole number, not 2.5"),
        ({"fragile": {"label": 3}}, "`rules.options.fragile.label` must be a string, not 3"),
        ({"fragile": {"strict": 1}}, "`rules.options.fragile.strict` must be true or false, not 1"),
        ({"whole": {"x": 1}}, "unknown option `rules.options.whole.x` (TST002 has no options)"),
        ({"nope": {"x": 1}}, "`rules.options.nope`: unknown rule `nope` (`console rules` lists them)"),
    ],
)
def test_bad_options_are_input_errors_naming_the_file(ctx, options, problem):
    with pytest.raises(InputError) as err:
        run(ctx, options=options)
    assert err.value.path == str(CONFIG_FILE) and err.value.problem == problem


def test_live_exception_hides_and_expired_exception_shows(ctx):
    live = RuleException("fragile", "model.p.*", "known, fixed next sprint", dt.date(2026, 11, 7))
    gone = RuleException("TST003", "seed.p.markets", "was accepted until October", dt.date(2026, 10, 31))
    result = run(ctx, exceptions=(live, gone))
    assert not [f for f in result.findings if f.rule == "TST001"]
    assert sorted(f.node for f, e in result.suppressed) == ["model.p.a", "model.p.boom", "model.p.c"]
    assert all(e is live for _, e in result.suppressed)
    (steady,) = [f for f in result.findings if f.rule == "TST003"]
    assert result.expired == ((steady, gone),)
    # the day after its expiry the first exception stops hiding
    later = evaluate(ctx, Config(exceptions=(live,)), rules=POOL, today=dt.date(2026, 11, 8))
    assert len(later.expired) == 3 and not later.suppressed


def test_exception_naming_an_unknown_rule_is_an_input_error(ctx):
    with pytest.raises(InputError, match=r"`exceptions.fragle`: unknown rule `fragle` \(did you mean `fragile`\?\)"):
        run(ctx, exceptions=(RuleException("fragle", "*", "typo", dt.date(2027, 1, 1)),))


def test_fingerprints_are_stable_across_runs_and_messages(ctx):
    first = {(f.rule, f.node, f.message): f.fingerprint for f in run(ctx).findings}
    assert first == {(f.rule, f.node, f.message): f.fingerprint for f in run(ctx).findings}
    relabelled = run(ctx, options={"fragile": {"label": "judged again"}})
    before = {n: fp for (r, n, _), fp in first.items() if r == "TST001"}
    after = {f.node: f.fingerprint for f in relabelled.findings if f.rule == "TST001"}
    assert before == after
    assert len(set(first.values())) == len(first)  # keys tell apart two cases on one node



def test_a_real_console_toml_drives_the_engine(ctx, tmp_path):
    (tmp_path / "console.toml").write_text(
        '[rules]\nselect = ["checks", "whole"]\nseverity = { fragile = "error" }\n'
        'options = { fragile = { limit = 9 } }\n\n'
        '[[exceptions]]\nrule = "TST001"\nnode = "model.p.c"\nreason = "rebuilt on Monday"\nexpires = 2026-12-01\n'
    )
    config = load_config(tmp_path)
    result = evaluate(ctx, config, rules=POOL)
    assert result.rules_run == ("TST001", "TST002")
    (a,) = [f for f in result.findings if f.rule == "TST001" and f.node == "model.p.a"]
    assert a.severity == "error" and a.message.endswith("limit 9")
    assert [f.node for f, _ in result.suppressed] == ["model.p.c"]
    (tmp_path / "console.toml").write_text('[rules]\noptions = { fragile = { limits = 9 } }\n')
    with pytest.raises(InputError) as err:
        evaluate(ctx, load_config(tmp_path), rules=POOL)
    assert str(err.value) == f"{tmp_path / 'console.toml'}: unknown option `rules.options.fragile.limits` (did you mean `limit`?)"

# --- the real rules ----------------------------------------------------------------------------

def test_every_real_rule_runs_cleanly_on_an_empty_store(tmp_path):
    result = evaluate(make_context(tmp_path, now=NOW), Config())
    assert result.rule_errors == ()
    assert result.findings == ()
    assert len(result.rules_run) >= 11


# --- the sample project, end to end ---------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
SAMPLE_NOW = dt.datetime(2026, 11, 7, 8, 0)  # an hour after the simulated week's last build


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    pipeline = pytest.importorskip("collectors.pipeline")
    if not (SAMPLE / "target" / "manifest.json").is_file() or not (SAMPLE / "archive").is_dir():
        pytest.skip("the sample project has no target/ and archive/ yet")
    from console.cli.options import resolve_locations
    from rules.context import Context

    store = tmp_path_factory.mktemp("sample") / "store.duckdb"
    loc = resolve_locations(SAMPLE, store=store)
    pipeline.collect(loc, sql_facts=False)
    ctx = Context.from_store(store, now=SAMPLE_NOW, settings=loc.config.settings())
    result = evaluate(ctx, Config(select=("checks", "freshness", "runs", "hardening")))
    return {(f.rule, f.node): f for f in result.findings}, result


def _one(found, rule: str, node_suffix: str):
    matches = [f for (r, n), f in found.items() if r == rule and n and node_suffix in n]
    assert len(matches) == 1, f"{rule} on *{node_suffix}*: {[f.message for f in found.values() if f.rule == rule]}"
    return matches[0]


def test_sample_project_week_shows_its_planted_accidents(sample):
    found, result = sample
    assert result.rule_errors == ()
    # day 2's grocery store and day 5's frozen inventory feed keep two warn-severity tests warning
    store_type = _one(found, "CHK001", "accepted_values_stg_stores_store_type")
    assert store_type.severity == "warn" and ": 1 failing row (a warn-severity test)" in store_type.message
    coverage = _one(found, "CHK001", "assert_inventory_feed_covers_every_store")
    assert coverage.severity == "warn" and "26 failing rows" in coverage.message
    assert not [f for f in result.findings if f.rule in ("CHK001", "CHK002", "CHK003") and f.severity == "error"]
    # day 5's rename: the old inventory table stays frozen, three days old by day 7
    stale = _one(found, "FRS001", "inventory")
    assert stale.severity == "error"
    assert stale.message.startswith("source `inventory_feed.inventory` was last loaded 3 days ")
    assert stale.message.endswith("past its error_after of 48 hours")
    # the demand forecast slows down all week (real timings: only the ratio is planted)
    slow = _one(found, "RUN001", "fct_market_demand_forecast")
    ratio = re.search(r", ([\d.]+) times its median of [\d.]+ seconds over the 6 successful runs before$", slow.message)
    assert ratio and float(ratio.group(1)) > 2.0
    assert [f.node for f in result.findings if f.rule == "RUN001"] == [slow.node]
    # Juneau sells nothing every other day
    flaky = _one(found, "RUN002", "assert_every_market_sold_on_latest_day")
    assert "changed between pass and fail 6 times in its last 7 runs" in flaky.message
    assert not [f for f in result.findings if f.rule == "RUN002" and "unique_stg_skus" in (f.node or "")]


def test_sample_project_retailer_app_stands_on_an_unhardened_export(sample):
    found, result = sample
    messages = [f.message for f in result.findings if f.rule == "HRD001" and "`retailer_app`" in f.message]
    assert (
        "`exp_retailer_app_skus` has no tests, no owner and no contract, yet exposure `retailer_app` (application) depends on it"
        in messages
    )
    hardened = [f for f in result.findings if f.rule == "HRD001" and "exp_top_items" in (f.node or "")]
    assert hardened == []
