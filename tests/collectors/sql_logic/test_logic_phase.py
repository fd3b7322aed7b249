"""The logic phase in a real collect of sample_project: models analysed, cached, and the 50 ml rule keyed alike."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import polars as pl
import pytest

from collectors.logic_phase import LogicResult, lastmile_inputs, logic_phase, write_logic
from collectors.pipeline import collect
from collectors.sql_logic import analyse, content_hash
from collectors.summary import CollectSummary
from console.cli.options import resolve_locations
from console.store import open_writer, peek

SAMPLE = Path(__file__).resolve().parents[3] / "sample_project"
CRM = "model.alcohol_marketplace.exp_top_items_crm"
HIGHTOUCH = SAMPLE / "lastmile" / "hightouch" / "models" / "top_items_for_salesforce.yaml"


def _locations(tmp_path: Path):
    return resolve_locations(SAMPLE, store=tmp_path / "store.duckdb")


def _rows(store: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("logic")
    loc = _locations(tmp)
    first = collect(loc)
    second = collect(loc)
    return loc, first, second


def _hightouch_sql() -> tuple[str, int]:
    import yaml

    text = HIGHTOUCH.read_text()
    sql = yaml.safe_load(text)["raw_sql"]
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.strip().startswith("select"))
    return sql, line


def test_models_get_logic_facts(collected):
    loc, first, _ = collected
    rows = dict(_rows(loc.store, "SELECT subject_id, classification FROM logic_facts WHERE subject_type = 'model'"))
    assert rows[CRM] == "business"
    assert rows["model.alcohol_marketplace.exp_top_items_salesforce"] == "business"  # store_id || '-' || sku_id
    (total,) = _rows(loc.store, "SELECT count(DISTINCT content_hash) FROM logic_facts")[0]
    assert first.logic_parsed == total and first.logic_cached == 0


def test_a_second_collect_parses_nothing(collected):
    loc, _, second = collected
    (lastmile,) = _rows(loc.store, "SELECT count(*) FROM logic_facts WHERE subject_type = 'lastmile'")[0]
    assert lastmile > 0
    # nothing changed: neither the models nor the last-mile items are analysed again (the
    # last-mile phase says its items are the ones stored), and their rows stay
    assert second.logic_parsed == 0 and second.logic_cached == 0


def test_the_50_ml_rule_is_found_in_every_place_it_lives(collected):
    loc, _, _ = collected
    places = {}
    for subject, raw in _rows(loc.store, "SELECT subject_id, expressions FROM logic_facts"):
        for e in orjson.loads(raw):
            if e["key"] == "volume_ml <= 50":
                places[subject] = (e["kind"], e["line"])
    by_file = {s.split("#")[0].rsplit("/", 1)[-1] if s.startswith("lastmile.") else s: v for s, v in places.items()}
    assert by_file == {
        CRM: ("filter", 7),
        "top_items_for_salesforce.yaml": ("filter", 10),
        "card_118_top_sellers_full_size.json": ("filter", by_file["card_118_top_sellers_full_size.json"][1]),
        "market_top_items.view.lkml": ("case", 39),
    }


def test_the_50_ml_rule_of_dbt_and_hightouch_has_one_key(collected):
    loc, _, _ = collected
    (raw,) = _rows(loc.store, f"SELECT expressions FROM logic_facts WHERE subject_id = '{CRM}'")[0]
    crm = [e for e in orjson.loads(raw) if e["columns"] == ["volume_ml"]]
    assert [(e["kind"], e["sql"], e["key"]) for e in crm] == [("filter", "volume_ml > 50", "volume_ml <= 50")]
    sql, line = _hightouch_sql()
    hightouch = analyse(sql, "duckdb", line_offset=line)
    (rule,) = [e for e in hightouch["expressions"] if e["columns"] == ["volume_ml"]]
    assert rule["key"] == crm[0]["key"]
    assert rule["line"] == 10  # the file line of `where volume_ml > 50`
    assert hightouch["relations"] == ["analytics.exp_top_items_salesforce"]


def test_lastmile_items_are_analysed_cached_and_replaced(tmp_path):
    (tmp_path / "no_lastmile").mkdir()
    loc = resolve_locations(SAMPLE, store=tmp_path / "store.duckdb", lastmile=(tmp_path / "no_lastmile",))
    collect(loc, sql_facts=False)
    assert _rows(loc.store, "SELECT count(*) FROM logic_facts")[0][0] == 0
    sql, line = _hightouch_sql()
    items = pl.DataFrame({
        "artifact_id": ["lastmile.hightouch.a#m", "lastmile.python.b#s", "lastmile.hightouch.a#sync"],
        "sql": [sql, "select * from analytics.exp_retailer_app_skus where not is_seasonal", None],
        "dialect": ["snowflake", "duckdb", None], "sql_line": [line, 12, None], "line": [3, 10, 20],
    })
    assert len(lastmile_inputs(items, "duckdb")) == 2
    summary = CollectSummary(project_root=SAMPLE, store=loc.store)
    result = logic_phase(loc, None, peek(loc.store), None, items, summary)
    assert result.models is None and result.lastmile.height == 2 and result.parsed == 2
    with open_writer(loc.store, SAMPLE) as w:
        write_logic(w, result)
    rows = dict(_rows(loc.store, "SELECT subject_id, content_hash FROM logic_facts WHERE subject_type = 'lastmile'"))
    assert rows["lastmile.hightouch.a#m"] == content_hash(sql, "snowflake")
    again = logic_phase(loc, None, peek(loc.store), None, items.head(1), summary)
    assert again.parsed == 0 and again.cached == 1
    with open_writer(loc.store, SAMPLE) as w:
        write_logic(w, again)
    left = _rows(loc.store, "SELECT subject_id FROM logic_facts WHERE subject_type = 'lastmile'")
    assert left == [("lastmile.hightouch.a#m",)]
    assert _rows(loc.store, "SELECT count(*) FROM logic_cache")[0][0] == 2


def test_no_models_on_the_metadata_path(tmp_path):
    loc = _locations(tmp_path)
    summary = collect(loc, sql_facts=False)
    assert _rows(loc.store, "SELECT count(*) FROM logic_facts WHERE subject_type = 'model'")[0][0] == 0
    (lastmile,) = _rows(loc.store, "SELECT count(*) FROM logic_facts WHERE subject_type = 'lastmile'")[0]
    assert summary.logic_parsed == lastmile > 0


def test_an_empty_result_writes_nothing(tmp_path):
    loc = _locations(tmp_path)
    collect(loc)
    before = _rows(loc.store, "SELECT subject_id, content_hash FROM logic_facts ORDER BY 1")
    with open_writer(loc.store, SAMPLE) as w:
        write_logic(w, LogicResult())
    assert _rows(loc.store, "SELECT subject_id, content_hash FROM logic_facts ORDER BY 1") == before
