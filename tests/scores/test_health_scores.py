"""Health scores: the documented formula on a real store, the weights from configuration, and
`console scores` on the sample project with its trend across collects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console.errors import InputError
from console.scores import NO_OWNER, score_nodes, score_weights
from rules.base import Finding, fingerprint
from tests.rules.helpers import make_context, node

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_project"


def m(name: str) -> str:
    return f"model.shop.{name}"


def finding(severity: str, node_id: str | None, key: str = "") -> Finding:
    return Finding("STR018", "x", "structure", severity, node_id, None, None, "", "", fingerprint("STR018", node_id, key))


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    nodes = [
        node(m("good"), path="models/marts/good.sql", description="Good.", owner="ana@example.com"),
        node(m("bare"), path="models/marts/bare.sql"),
        node(m("public"), path="models/staging/public.sql", description="P.", group_name="core", access="public"),
        node("source.shop.raw.orders", name="orders", source_name="raw", path="models/staging/_src.yml",
             description="Orders.", freshness='{"warn_after": {"count": 1, "period": "day"}}'),
        node("test.shop.unique_good_id"),
    ]
    columns = [{"unique_id": m("good"), "name": "id", "description": "Key."},
               {"unique_id": m("public"), "name": "id", "description": "Key."},
               {"unique_id": m("public"), "name": "x", "description": ""}]
    return make_context(tmp_path_factory.mktemp("scores"), nodes=nodes, node_columns=columns,
                        edges=[{"parent_id": m("good"), "child_id": "test.shop.unique_good_id"}],
                        tests=[{"unique_id": "test.shop.unique_good_id", "attached_node": m("good"), "test_name": "unique"}])


def test_the_formula_as_documented(ctx):
    scores = score_nodes(ctx, [finding("error", m("bare"))])
    by = {n.name: n for n in scores.nodes}
    assert by["good"].score == 10.0 and by["good"].missing == ()  # not an interface: no contract asked
    # bare: no check passes (coverage 0); one error: 4 penalty points, findings part 1 / (1 + 4/4)
    assert by["bare"].score == round(10 * 0.6 * 0.5, 1) == 3.0
    assert by["bare"].missing == ("tests", "description", "columns", "owner")
    # public: description 2 + owner (its group) 1 + half its columns 0.5 of tests 3, desc 2, columns 1, owner 1, contract 1
    assert by["public"].coverage == pytest.approx(3.5 / 8) and by["public"].owner == "core"
    assert "contract" in by["public"].missing
    assert by["raw.orders"].missing == ("tests",)  # a source: tests, description, freshness
    assert [n.name for n in scores.nodes][0] == "bare"  # worst first
    assert scores.project == round(sum(n.score for n in scores.nodes) / 4, 1)
    folders = {g.key: g for g in scores.folders}
    assert folders["models/marts"].score == round((10.0 + 3.0) / 2, 1) and folders["models/marts"].worst == "bare"
    assert {g.key for g in scores.owners} == {"ana@example.com", "core", NO_OWNER}


def test_a_failing_test_counts_against_the_model_it_tests(ctx):
    scores = score_nodes(ctx, [finding("warn", "test.shop.unique_good_id"), finding("warn", None)])
    good = next(n for n in scores.nodes if n.name == "good")
    assert good.findings == 1 and good.score == round(10 * (0.4 + 0.6 / (1 + 1 / 4)), 1)


def test_weights_come_from_the_configuration(ctx):
    weights = score_weights({"checks": {"contract": 0, "tests": 0}, "penalty": {"error": 12}, "coverage": 1, "findings": 1})
    by = {n.name: n for n in score_nodes(ctx, [finding("error", m("bare"))], weights).nodes}
    assert "contract" not in by["public"].missing and "tests" not in by["bare"].missing
    assert by["bare"].score == round(10 * (0 + 1 / (1 + 12 / 4)) / 2, 1)
    with pytest.raises(InputError, match=r"unknown key `scores.checks.contracts` \(did you mean `contract`\?\)"):
        score_weights({"checks": {"contracts": 1}}, Path("console.toml"))
    with pytest.raises(InputError, match="`scores.half_penalty` must be above 0"):
        score_weights({"half_penalty": 0})


def console(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_console_scores_lists_worst_first_with_a_trend_across_collects(tmp_path):
    store = str(tmp_path / "store.duckdb")
    base = ("scores", str(SAMPLE), "--store", store, "--now", "2026-11-07T09:00:00Z")
    first = console(*base, "--format", "json")
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    scores = [i["score"] for i in doc["items"]]
    assert doc["by"] == "model" and len(scores) == 17 and scores == sorted(scores)
    assert doc["project"]["history"] == [] and all(i["previous"] is None for i in doc["items"])
    report = json.loads(console("report", str(SAMPLE), "--store", store, "--no-collect", "--format", "json", "--exit-zero",
                                "--now", "2026-11-07T09:00:00Z").stdout)
    assert report["scores"]["project"] == doc["project"]["score"]  # one formula for every face
    assert [m["unique_id"] for m in report["scores"]["models"]] == [i["unique_id"] for i in doc["items"]]
    second = json.loads(console(*base, "--format", "json", "--by", "folder").stdout)  # collects again
    assert second["project"]["history"] == [doc["project"]["score"]]
    assert all(len(i["history"]) == 1 for i in second["items"])
    text = console(*base, "--no-collect", "--by", "owner").stdout.splitlines()
    assert text[0].startswith(f"alcohol_marketplace: health {doc['project']['score']:.1f}/10")
    assert "±0.0" in text[0]  # unchanged since the collect before
    md = console(*base, "--no-collect", "--format", "markdown", "--limit", "3").stdout.splitlines()
    assert md[0].startswith("## Health of alcohol\\_marketplace: ") and len(md) == 4 + 3
    assert headless_modules("scores", str(SAMPLE), "--store", store, "--no-collect") == "[]"
    assert headless_modules("report", str(SAMPLE), "--store", store, "--no-collect", "--exit-zero") == "[]"  # text: the summary


def headless_modules(*argv: str) -> str:
    """Run a command in a fresh interpreter; the heavy face modules it imported."""
    code = (
        "import sys\nfrom console.cli import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'plotly', 'textual'}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    return proc.stdout.rstrip().splitlines()[-1]
