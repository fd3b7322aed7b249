"""Triage on the story of sample_project (docs/sample_project.md).

Day 5: engineering renames ``raw.inventory`` to ``raw.store_inventory``; the old table stays,
frozen. ``stg_inventory`` still reads it, the freshness of ``inventory_feed.inventory`` errors
from day 6, and NULL stock flows into the three exports and the applications behind them.
"""

from __future__ import annotations

import datetime as dt

from console.triage import Triage, find_node
from tests.triage.triage_fixtures import sample, triage  # noqa: F401 (fixtures)

INVENTORY = "source.alcohol_marketplace.inventory_feed.inventory"
APPS = {"retailer_app", "crm_missing_items_campaign", "salesforce_store_pitch_sync"}


def test_the_renamed_inventory_table_is_the_root_cause_of_the_nulls_in_every_export(triage):
    for export in ("exp_retailer_app_skus", "exp_top_items_crm", "exp_top_items_salesforce"):
        result = triage.node(find_node(triage.signals.refs, export))
        assert result.status.run.status == "success"  # dbt says all is well...
        assert result.level == "error"  # ...triage does not
        first = result.root_causes[0]
        assert first.node.unique_id == INVENTORY and first.level == "error"
        assert "stale" in first.signals[0].detail and "error after 48 hours" in first.signals[0].detail
        # the warehouse (collected through the project's dbt profile) shows the renamed table beside it
        assert any(s.kind == "warehouse" and "`raw.store_inventory` sits beside `raw.inventory`" in s.detail for s in first.signals)
        assert first.path[0] == "inventory_feed.inventory" and first.path[-1] == export
        assert "stg_inventory" in first.path and "int_store_sku_availability" in first.path
        # the warning test on the way is a symptom of the stale feed, not a root cause
        assert "int_store_sku_availability" in {c.node.name for c in result.symptoms}


def test_the_blast_radius_of_the_inventory_feed_names_the_retailer_app_the_crm_campaign_and_the_salesforce_sync(triage):
    result = triage.node(INVENTORY)
    exposures = {e.node.name: e for e in result.blast_radius.exposures}
    assert set(exposures) == APPS  # not the Looker dashboard: it does not read inventory
    assert all(e.critical == "production" for e in exposures.values())
    assert exposures["retailer_app"].node.owner == "Retailer app team" and exposures["retailer_app"].maturity == "high"
    assert exposures["salesforce_store_pitch_sync"].type == "application"
    models = [m.node.name for m in result.blast_radius.models]
    assert models[0] == "stg_inventory" and {"exp_retailer_app_skus", "exp_top_items_crm", "exp_top_items_salesforce"} <= set(models)
    commands = [c.command for c in result.rerun]
    assert commands[0] == "dbt source freshness -s source:inventory_feed.inventory"


def test_the_latest_run_puts_the_inventory_feed_first_with_the_three_applications(triage):
    run = triage.run()
    assert run.run.at.date() == dt.date(2026, 11, 7) and run.level == "error"
    first = run.groups[0]
    assert first.root.node.unique_id == INVENTORY
    assert {f.node.name for f in first.failures} == {"inventory_feed.inventory", "assert_inventory_feed_covers_every_store"}
    assert {e.node.name for e in first.blast_radius.exposures} == APPS
    # the grocery store warning is a root cause of its own, after the error
    assert [g.root.node.name for g in run.groups[1:]] == ["stg_stores"]
    assert run.groups[1].level == "warn"


def test_the_build_of_november_4_groups_its_failures_and_skips_by_root_cause(triage):
    as_of = dt.datetime(2026, 11, 4, 7, 30)
    run = Triage(triage.ctx, triage.findings, triage.extras, as_of=as_of).run()
    assert run.run.at.date() == dt.date(2026, 11, 4)
    roots = {g.root.node.name: g for g in run.groups}
    assert {"stg_skus", "stg_order_items"} <= set(roots)
    skus = roots["stg_skus"]
    assert any(".unique_stg_skus_sku_id." in s.source for s in skus.root.signals)
    assert any("relationships_stg_order_items_sku_id" in s.source for s in roots["stg_order_items"].root.signals)
    failures = [f for g in run.groups for f in g.failures]
    skipped = [f for f in failures if f.status.run and f.status.run.status == "skipped"]
    results = triage.ctx.results_of(run.run.invocation_id)
    expected = {u for u, s in zip(results["unique_id"], results["status"]) if s == "skipped" and not u.startswith("exposure.")}
    assert {f.node.unique_id for f in skipped} == expected and len(expected) >= 20
    # every skipped node is explained by one of the failing tests, none is its own root cause
    assert all(g.root.level == "error" for g in run.groups if any(f in skipped for f in g.failures))
    assert len({f.node.unique_id for f in failures}) == len(failures)  # each failure in one group only
    # worst first: error groups before the warning about the grocery store
    levels = [g.level for g in run.groups]
    assert levels == sorted(levels, key=lambda lv: lv != "error")


def test_the_model_that_errored_on_november_3_is_its_own_root_cause(triage):
    t3 = Triage(triage.ctx, triage.findings, triage.extras, as_of=dt.datetime(2026, 11, 3, 7, 30))
    fct = t3.node(find_node(t3.signals.refs, "int_order_lines"))
    assert fct.status.run.status == "skipped"
    assert fct.root_causes[0].node.name == "stg_order_items"
    assert fct.root_causes[0].signals[0].kind == "model error"
    assert "dbt build -s stg_order_items+" in [c.command for c in fct.rerun]
    assert [r.at.date() for r in fct.recent_runs] == [dt.date(2026, 11, d) for d in (3, 2, 1)]


def test_a_node_with_nothing_broken_upstream_has_no_root_cause(triage):
    result = triage.node(find_node(triage.signals.refs, "stg_skus"))
    assert result.root_causes == () and result.level == "ok"
    assert result.changes.last_success is not None and result.changes.changes == ()


def test_an_edit_after_the_last_green_run_shows_as_a_change_with_its_sql_diff(tmp_path):
    import shutil

    from collectors.pipeline import collect
    from console.cli.options import resolve_locations
    from console.triage import load_extras
    from rules.context import Context
    from tests.triage.triage_fixtures import SAMPLE

    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".console"))
    loc = resolve_locations(project)
    collect(loc)
    model = project / "models" / "staging" / "stg_inventory.sql"
    model.write_text(model.read_text().replace("source('inventory_feed', 'inventory')", "source('inventory_feed', 'inventory')  -- was renamed?"))
    collect(loc)  # the overlay folds the edited file in: node_history keeps both versions' code
    ctx = Context.from_store(loc.store, settings=loc.config.settings())
    triage = Triage(ctx, extras=load_extras(loc.store))
    downstream = triage.node(find_node(triage.signals.refs, "exp_retailer_app_skus"))
    changes = downstream.changes.changes
    assert [(c.node.name, c.change) for c in changes] == [("stg_inventory", "modified")]  # an ancestor changed
    diff = changes[0].diff
    assert diff.startswith("--- models/staging/stg_inventory.sql (last green)")
    assert "+" in diff and "-- was renamed?" in diff
    assert downstream.changes.last_success.at.date() == dt.date(2026, 11, 7)
    # the terminal UI keeps no code in memory: it reads it when a diff is wanted, with the same result
    lazy = Triage(ctx, extras=load_extras(loc.store, lazy_code=True))
    assert lazy.extras.code == {}
    assert lazy.node(find_node(lazy.signals.refs, "exp_retailer_app_skus")).changes.changes[0].diff == diff
    # a diff renders with +/- marks and its SQL highlighted
    from console.triage.text import diff_text

    rendered = diff_text(diff)
    assert "-- was renamed?" in rendered.plain and any("green" in str(span.style) for span in rendered.spans)


def test_the_blast_radius_reaches_the_last_mile_and_the_readers_in_the_query_log(triage):
    salesforce = triage.node(find_node(triage.signals.refs, "exp_top_items_salesforce")).blast_radius
    tools = {(x.tool, x.name) for x in salesforce.lastmile}
    assert ("hightouch", "top-items-for-salesforce") in tools  # the Hightouch model with `volume_ml > 50`
    assert all(x.critical == "production" for x in salesforce.lastmile)
    readers = {c.user: c for c in salesforce.consumers}
    assert {"HIGHTOUCH_SVC", "MAYA_CHEN"} <= set(readers)  # declared sync, and a notebook nobody declared
    assert "DBT_PROD" not in readers  # dbt building the table is not a reader
    crm = triage.node(find_node(triage.signals.refs, "exp_top_items_crm")).blast_radius
    assert "TABLEAU_SVC" in {c.user for c in crm.consumers}
