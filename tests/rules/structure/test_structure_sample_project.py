"""The structure rules on the real sample dbt project: its planted problems are found.

Expectations are read from the project's own manifest.json where they can be (which models
have no description, which sources nothing reads, which marts read a source), so the test
follows the sample project as it grows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.registry import all_rules
from rules.structure.hard_coded_references import HardCodedReferences
from rules.structure.marts_or_intermediate_dependent_on_source import MartsOrIntermediateDependentOnSource
from rules.structure.undocumented_models import UndocumentedModels
from rules.structure.unused_sources import UnusedSources
from tests.rules.structure._build import run

SAMPLE = Path(__file__).resolve().parents[3] / "sample_project"
MANIFEST = SAMPLE / "target" / "manifest.json"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    pipeline = pytest.importorskip("collectors.pipeline", reason="the collect pipeline is not there yet")
    if not MANIFEST.is_file():
        pytest.skip("sample_project/target/manifest.json does not exist yet (run the sample project's dbt build)")
    from console.cli.options import resolve_locations
    from rules.context import Context

    store = tmp_path_factory.mktemp("sample") / "store.duckdb"
    loc = resolve_locations(SAMPLE, store=store)
    pipeline.collect(loc, sql_facts=True)
    return Context.from_store(store, settings=loc.config.settings()), json.loads(MANIFEST.read_text())


def _project_models(manifest):
    name = manifest["metadata"].get("project_name")
    return {u: n for u, n in manifest["nodes"].items() if n["resource_type"] == "model" and n["package_name"] == name}


def test_sample_mart_reading_a_source_is_found(sample):
    ctx, manifest = sample
    expected = {
        (uid, parent)
        for uid, n in _project_models(manifest).items()
        if "/marts/" in f"/{n['original_file_path']}"
        for parent in n["depends_on"]["nodes"]
        if parent.startswith("source.")
    }
    found = {(v.node, v.key) for v in run(MartsOrIntermediateDependentOnSource, ctx)}
    assert expected and expected <= found
    assert ("model.alcohol_marketplace.dim_stores", "source.alcohol_marketplace.marketplace.stores") in found


def test_sample_hard_coded_table_name_is_found(sample):
    ctx, _ = sample
    found = {v.node: v.message for v in run(HardCodedReferences, ctx)}
    assert "`raw.orders`" in found["model.alcohol_marketplace.int_order_lines"]


def test_sample_models_without_description_are_found(sample):
    ctx, manifest = sample
    expected = {u for u, n in _project_models(manifest).items() if not (n.get("description") or "").strip()}
    assert expected and {v.node for v in run(UndocumentedModels, ctx)} == expected


def test_sample_unused_source_is_found(sample):
    ctx, manifest = sample
    expected = {u for u in manifest["sources"] if not [c for c in manifest["child_map"][u] if not c.startswith("test.")]}
    found = {v.node for v in run(UnusedSources, ctx)}
    assert found == expected and "source.alcohol_marketplace.marketplace.promotions" in found


def test_sample_every_structure_rule_runs_cleanly(sample):
    ctx, _ = sample
    for rule in [r for r in all_rules() if r.category == "structure"]:
        for v in run(rule, ctx):
            assert v.node and v.message, rule.id


def test_sample_engine_reports_structure_findings_with_distinct_fingerprints(sample):
    from console.config import Config
    from rules.engine import evaluate

    ctx, _ = sample
    result = evaluate(ctx, Config(select=("structure",)))
    assert result.rule_errors == ()
    prints = [f.fingerprint for f in result.findings]
    assert prints and len(prints) == len(set(prints))
    assert {f.rule for f in result.findings} >= {"STR003", "STR004", "STR013", "STR018"}
    assert all(f.severity == "warn" and f.category == "structure" for f in result.findings)


def test_sample_excluded_folder_is_gone_from_every_rule(sample):
    """``[project] exclude_paths`` on the real store: no rule reports a node of the marts folder,
    and no finding names one as a parent or child (the evaluator's ``exclude_paths_from_project``)."""
    from console.config import Config
    from rules.context import Context
    from rules.engine import evaluate

    ctx, manifest = sample
    marts = {u for u, n in _project_models(manifest).items() if "/marts/" in f"/{n['original_file_path']}"}
    assert marts
    excluded = Context(ctx.frames, now=ctx.now, settings={**ctx.settings, "exclude_paths": ["(^|/)marts/"]})
    assert not marts & set(excluded.frames["nodes"]["unique_id"])
    assert not marts & (set(excluded.frames["edges"]["parent_id"]) | set(excluded.frames["edges"]["child_id"]))
    before = {f.node for f in evaluate(ctx, Config(), today=ctx.now.date()).findings}
    after = evaluate(excluded, Config(), today=ctx.now.date()).findings
    assert marts & before and not marts & {f.node for f in after}
    names = {manifest["nodes"][u]["name"] for u in marts}
    structure = [f for f in after if f.category == "structure"]
    assert not [f.message for f in structure if any(f"`{n}`" in f.message for n in names)]
