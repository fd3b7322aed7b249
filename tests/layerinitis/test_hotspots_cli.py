"""``console hotspots``: formats, limits, escaping and exit codes, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.layerinitis.story import ITEMS, lastmile_item, story_context

NOW = "2026-11-08T09:00:00Z"


def hotspots(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", "hotspots", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    hostile = lastmile_item("metabase", "native_question", "lastmile/metabase/evil.json", 1,
                            "Evil \x1b[31mred\x1b[0m | <b>x</b>", sql="select a from analytics.fct_orders where a > 1", sql_line=2)
    story_context(root, items=[*ITEMS, hostile])
    (root / "proj").mkdir()
    return root


def _args(story, *more):
    return [str(story / "proj"), "--no-collect", "--store", str(story / "store.duckdb"), "--now", NOW, *more]


def test_text_is_ranked_readable_in_80_columns_and_plain_when_piped(story):
    out = hotspots(*_args(story))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "Layerinitis hotspots of alcohol_marketplace: 8 last-mile items, 4 dbt nodes"
    assert lines[2] == "Last-mile items with business logic, ranked (8)"
    assert lines[3].startswith(" 1. Hightouch model `Top items for Salesforce`") and lines[3].endswith("score 14.0")
    assert "    belongs: `exp_top_items_salesforce`, the export it reads" in lines
    assert max(len(line) for line in lines) <= 80
    assert "\x1b" not in out.stdout  # no colour in a pipe, and the hostile name is escaped
    assert "Evil \\x1b[31mred\\x1b[0m | <b>x</b>" in out.stdout
    assert out.stderr == ""


def test_limit_cuts_each_list(story):
    out = hotspots(*_args(story, "--limit", "1"))
    assert "ranked (1 of 8)" in out.stdout and "ranked (1 of 4)" in out.stdout
    items, rest = out.stdout.split("Business rules implemented in several places (2)")
    assert " 2. " not in items and " 2. " not in rest.split("dbt nodes that")[1]


def test_text_names_every_place_of_a_duplicated_rule(story):
    out = hotspots(*_args(story))
    block = out.stdout.split("Business rules implemented in several places (2)\n")[1].split("\n\n")[0]
    assert block.splitlines()[0] == " 1. `volume_ml <= 50` in 4 places (dbt, hightouch, lookml, metabase)"
    flat = " ".join(line.strip() for line in block.splitlines())
    for place in ("dbt model `exp_top_items_crm` (`volume_ml > 50` at models/exports/exp_top_items_crm.sql:3)",
                  "Hightouch model `Top items for Salesforce` (`volume_ml > 50` at lastmile/hightouch/models/top_items_for_salesforce.yaml:10)",
                  "LookML dimension `size_bucket`", "Metabase native question `Top sellers by market (full-size bottles)`",
                  "Python SQL string `CATALOG_SQL` (`NOT is_seasonal` at lastmile/app/retailer_catalog.py:14)"):
        assert place in flat


def test_json_is_documented_shape(story):
    out = hotspots(*_args(story, "--format", "json"))
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["schema_version"] == 1 and doc["project"]["name"] == "alcohol_marketplace"
    assert doc["generated_at"] == "2026-11-08T09:00:00Z"
    first = doc["items"][0]
    assert set(first) == {"kind", "id", "label", "path", "line", "score", "parts", "reasons", "belongs", "expressions", "tools", "owner", "home", "reads"}
    assert first["reads"] == [{"written": "analytics.exp_top_items_salesforce", "kind": "node",
                               "node": "model.alcohol_marketplace.exp_top_items_salesforce", "bypass": None}]
    assert first["home"] == {"node": "model.alcohol_marketplace.exp_top_items_salesforce", "new_export": None}
    assert first["expressions"] == [{"sql": "volume_ml > 50", "kind": "filter", "key": "volume_ml <= 50",
                                     "path": "lastmile/hightouch/models/top_items_for_salesforce.yaml", "line": 10}]
    assert [n["id"] for n in doc["nodes"]][0] == "model.alcohol_marketplace.top_selling_skus_by_market"
    ml = next(d for d in doc["duplicates"] if d["key"] == "volume_ml <= 50")
    assert [p["tool"] for p in ml["places"]] == ["dbt", "hightouch", "lookml", "metabase"]


def test_markdown_escapes_untrusted_text(story):
    out = hotspots(*_args(story, "--format", "markdown"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("## Layerinitis hotspots of alcohol\\_marketplace")
    assert "1. **Hightouch model `Top items for Salesforce`** (score 14.0)" in out.stdout
    # a name is a code span: Markdown and HTML inside it are not interpreted; control characters escaped
    assert "**Metabase native question `Evil \\x1b[31mred\\x1b[0m | <b>x</b>`** (score" in out.stdout
    assert "\x1b" not in out.stdout


def test_missing_store_and_bad_options_exit_2(story, tmp_path):
    out = hotspots(str(story / "proj"), "--no-collect", "--store", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "no store here yet" in out.stderr
    assert hotspots(*_args(story, "--format", "html")).returncode == 2
    assert hotspots(*_args(story, "--limit", "0")).returncode == 2


def test_hotspots_weights_from_configuration(story, tmp_path):
    proj = tmp_path / "weighted"
    proj.mkdir()
    (proj / "console.toml").write_text("[hotspots]\ncriticality = { production = 1.0 }\nkinds = { case = 3 }\n")
    args = [str(proj), "--no-collect", "--store", str(story / "store.duckdb"), "--now", NOW, "--format", "json"]
    doc = json.loads(hotspots(*args).stdout)
    assert doc["items"][0]["label"] == "LookML dimension `size_bucket`"
    (proj / "console.toml").write_text("[hotspots]\nbypas = 5\n")
    out = hotspots(*args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().endswith("unknown key `hotspots.bypas` (did you mean `bypass`?)")
    assert "console.toml" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_an_empty_last_mile_says_where_to_point(tmp_path):
    from tests.layerinitis.story import story_context

    story_context(tmp_path, items=[])
    (tmp_path / "proj").mkdir()
    out = hotspots(str(tmp_path / "proj"), "--no-collect", "--store", str(tmp_path / "store.duckdb"))
    assert out.returncode == 0
    assert "ranked (0)" in out.stdout and "  none" in out.stdout
    assert out.stderr.startswith("console: note: no last-mile files were collected: give --lastmile PATH")
