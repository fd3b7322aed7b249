"""The last-mile phase in real collects: bad input, owners, the parse cache, sample_project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from collectors.pipeline import collect
from console.cli.options import resolve_locations
from console.store import read_tables

SAMPLE = Path(__file__).resolve().parents[3] / "sample_project"

BAD_FILES = {
    "lookml/broken.view.lkml": "view: broken {\n  dimension: d {\n    sql: ${TABLE}.d ;;\n",
    "hightouch/models/bad.yaml": "name: bad\nraw_sql: [unclosed\n",
    "notebooks/bad.ipynb": "{this is not json",
    "app/bad.js": "function f( {\n  return `select 1 from t`\n",
    "app/bad.py": "def f(:\n    pass\n",
    "lookml/odd.view.lkml": "view: odd {\n  sql_table_name: a.b ;;\n  dimension: d {\n    sql: CASE WHEN ${TABLE}.x THEN ;;\n  }\n}\n",
    "hightouch/models/templated.yaml": "name: t\nslug: t\ntype: raw_sql\nprimaryKey: id\nraw_sql: select {% if x %} a {% endif %} from t\n",
}
GOOD = {
    "hightouch/models/ok.yaml": "name: ok\nslug: ok\ntype: raw_sql\nprimaryKey: id\nraw_sql: select id from analytics.exp_a where v > 50\n",
    "app/ok.py": 'Q = "select id from analytics.exp_b where not is_seasonal"\n',
}


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    (root / "lastmile").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: p\nversion: '1'\nprofile: p\n")
    for rel, text in files.items():
        path = root / "lastmile" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _collect(root: Path):
    loc = resolve_locations(root, store=root / ".console" / "s.duckdb")
    summary = collect(loc, sql_facts=False)
    frames = read_tables(loc.store, {"lastmile_artifacts": None, "lastmile_skips": None, "lastmile_files": None})
    return summary, frames


@pytest.mark.slow
def test_bad_files_are_counted_skips_naming_file_and_line_and_the_collect_goes_on(tmp_path):
    root = _project(tmp_path, {**BAD_FILES, **GOOD})
    summary, frames = _collect(root)
    skips = {r["path"]: r for r in frames["lastmile_skips"].iter_rows(named=True)}
    assert skips["lastmile/lookml/broken.view.lkml"]["reason"].startswith("malformed LookML")
    assert skips["lastmile/hightouch/models/bad.yaml"]["line"] == 3 and "YAML" in skips["lastmile/hightouch/models/bad.yaml"]["reason"]
    assert "not JSON" in skips["lastmile/notebooks/bad.ipynb"]["reason"]
    assert skips["lastmile/app/bad.js"]["line"] == 1 and "tree-sitter" in skips["lastmile/app/bad.js"]["reason"]
    assert skips["lastmile/app/bad.py"]["line"] == 1
    odd = skips["lastmile/lookml/odd.view.lkml"]
    assert odd["line"] == 4 and odd["reason"].startswith("SQL of `odd.d` does not parse")
    templated = skips["lastmile/hightouch/models/templated.yaml"]
    assert templated["line"] == 5 and "does not parse" in templated["reason"]
    ids = set(frames["lastmile_artifacts"]["artifact_id"].to_list())
    assert "lastmile.hightouch.lastmile/hightouch/models/ok.yaml#ok" in ids
    assert "lastmile.python.lastmile/app/ok.py#Q" in ids
    counts = summary.lastmile.counts
    assert counts["hightouch"].files == 3 and counts["hightouch"].skipped == 2 and counts["hightouch"].parsed == 1
    assert "last mile:" in summary.to_text() and "skipped" in summary.to_text()


@pytest.mark.slow
def test_cache_second_collect_parses_nothing_and_one_change_parses_one(tmp_path):
    root = _project(tmp_path, GOOD | {"app/more.py": 'X = "select a from analytics.c where d = 1"\n'})
    first, frames1 = _collect(root)
    assert first.lastmile.files_parsed == 3
    second, frames2 = _collect(root)
    assert second.lastmile.files_parsed == 0 and second.lastmile.files_cached == 3
    assert frames2["lastmile_artifacts"].sort("artifact_id").equals(frames1["lastmile_artifacts"].sort("artifact_id"))
    path = root / "lastmile" / "app" / "more.py"
    path.write_text('X = "select a from analytics.c where d = 2"\n')
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    third, frames3 = _collect(root)
    assert third.lastmile.files_parsed == 1
    sql = frames3["lastmile_artifacts"].filter(frames3["lastmile_artifacts"]["name"] == "X")["sql"].item()
    assert sql.endswith("d = 2")
    (root / "lastmile" / "app" / "more.py").unlink()
    fourth, frames4 = _collect(root)
    assert "lastmile/app/more.py" not in frames4["lastmile_files"]["path"].to_list()
    assert frames4["lastmile_artifacts"].height == 2


def _git(root: Path, *args: str, author: str = "Ana Analyst") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "a@x.io", "GIT_COMMITTER_NAME": author,
           "GIT_COMMITTER_EMAIL": "a@x.io", "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z"}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


@pytest.mark.slow
def test_owners_from_git_and_from_codeowners(tmp_path):
    root = _project(tmp_path, GOOD)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    (root / "lastmile" / "app" / "ok.py").write_text('Q = "select id from analytics.exp_b where is_seasonal"\n')
    _git(root, "commit", "-q", "-am", "second", author="Bo Builder")
    _, frames = _collect(root)
    rows = {r["name"]: r for r in frames["lastmile_artifacts"].iter_rows(named=True)}
    assert rows["Q"]["owner"] == "Bo Builder" and rows["Q"]["owner_source"] == "git"
    assert rows["ok"]["owner"] == "Ana Analyst" and str(rows["ok"]["modified_at"]).startswith("2026-01-02 03:04:05")
    (root / ".github").mkdir()
    (root / ".github" / "CODEOWNERS").write_text("* @data-team\n/lastmile/app/ @app-team  # the app\n")
    _, frames = _collect(root)
    rows = {r["name"]: r for r in frames["lastmile_artifacts"].iter_rows(named=True)}
    assert (rows["Q"]["owner"], rows["Q"]["owner_source"]) == ("@app-team", "codeowners")
    assert rows["ok"]["owner"] == "@data-team"


@pytest.mark.slow
def test_no_git_no_codeowners_gives_unknown_and_mtime(tmp_path):
    root = _project(tmp_path, GOOD)
    _, frames = _collect(root)
    row = frames["lastmile_artifacts"].row(0, named=True)
    assert row["owner"] == "unknown" and row["owner_source"] == "unknown" and row["modified_at"] is not None


@pytest.mark.slow
def test_sample_project_end_to_end(tmp_path):
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".console"))
    loc = resolve_locations(project, store=tmp_path / "s.duckdb")
    assert loc.lastmile == (project / "lastmile",)  # console.toml names it
    collect(loc, sql_facts=False)
    frames = read_tables(loc.store, {"lastmile_artifacts": None, "lastmile_skips": None})
    items = frames["lastmile_artifacts"]
    assert frames["lastmile_skips"].height == 0
    files = {p for p in items["path"].to_list() if p.startswith("lastmile/")}
    expected = {str(p.relative_to(project)) for p in (project / "lastmile").rglob("*") if p.is_file() and p.suffix != ".lkml"}
    expected |= {"lastmile/lookml/market_top_items.view.lkml", "lastmile/lookml/orders.view.lkml"}  # the model file has no logic
    assert files == expected
    by_id = {r["artifact_id"]: r for r in items.iter_rows(named=True)}
    ht = by_id["lastmile.hightouch.lastmile/hightouch/models/top_items_for_salesforce.yaml#top-items-for-salesforce"]
    assert "where volume_ml > 50" in ht["sql"] and ht["dialect"] == "duckdb" and ht["content_hash"]
    mb = by_id["lastmile.metabase.lastmile/metabase/card_118_top_sellers_full_size.json#Top sellers by market (full-size bottles)"]
    assert "volume_ml > 50" in mb["sql"] and "market = :market" in mb["sql"]
    size = by_id["lastmile.lookml.lastmile/lookml/market_top_items.view.lkml#market_top_items.size_bucket"]
    assert "volume_ml <= 50" in size["sql"] and orjson.loads(size["meta"])["fragment"] == "dimension"
    app = by_id["lastmile.python.lastmile/app/retailer_catalog.py#CATALOG_SQL"]
    assert "and not is_seasonal" in app["sql"] and app["sql_line"] == 10
    nb = [r for r in items.iter_rows(named=True) if r["tool"] == "notebook" and r["kind"] == "dataframe_filter"]
    assert json.loads(nb[0]["literal_filters"]) == [{"column": "is_seasonal", "op": "=", "value": False}]
    syncs = {r["name"] for r in items.iter_rows(named=True) if r["tool"] == "dbt_sync"}
    assert {"exp_top_items_salesforce", "exp_top_items_crm", "exp_retailer_app_skus"} <= syncs


@pytest.mark.slow
def test_one_changed_view_re_resolves_the_joins_of_other_files(tmp_path):
    view = "view: shops {\n  sql_table_name: analytics.dim_shops ;;\n  dimension: id { sql: ${TABLE}.shop_id ;; }\n}\n"
    model = "explore: orders {\n  join: shops {\n    sql_on: ${orders.shop_id} = ${shops.id} ;;\n  }\n}\n"
    orders = "view: orders {\n  sql_table_name: analytics.fct_orders ;;\n  dimension: shop_id { sql: ${TABLE}.shop_id ;; }\n}\n"
    other = "view: other {\n  sql_table_name: analytics.x ;;\n  dimension: y { sql: CASE WHEN ${TABLE}.y > 1 THEN 1 END ;; }\n}\n"
    root = _project(tmp_path, {
        "lookml/shops.view.lkml": view, "lookml/shop.model.lkml": model, "lookml/orders.view.lkml": orders,
        "lookml/other.view.lkml": other,
    })
    _, frames = _collect(root)
    join = frames["lastmile_artifacts"].filter(frames["lastmile_artifacts"]["kind"] == "explore_join")["sql"].item()
    assert join.endswith("ON orders.shop_id = shops.shop_id")
    path = root / "lastmile" / "lookml" / "shops.view.lkml"
    path.write_text(view.replace("${TABLE}.shop_id", "${TABLE}.id"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    summary, frames = _collect(root)
    assert summary.lastmile.files_parsed == 1
    join = frames["lastmile_artifacts"].filter(frames["lastmile_artifacts"]["kind"] == "explore_join")["sql"].item()
    assert join.endswith("ON orders.shop_id = shops.id")  # the model file was not parsed again, but resolved again
    assert summary.lastmile.files_updated["path"].to_list() == ["lastmile/lookml/shop.model.lkml"]  # not other, not orders
    assert frames["lastmile_artifacts"].filter(frames["lastmile_artifacts"]["path"] == "lastmile/lookml/other.view.lkml").height == 2
    again, frames2 = _collect(root)
    assert again.lastmile.files_parsed == 0 and frames2["lastmile_artifacts"].sort("artifact_id").equals(frames["lastmile_artifacts"].sort("artifact_id"))


@pytest.mark.slow
def test_cli_lastmile_one_file_and_a_missing_path(tmp_path):
    root = _project(tmp_path, GOOD)
    store = tmp_path / "s.duckdb"
    one = root / "lastmile" / "app" / "ok.py"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "console"), "collect", str(root), "--store", str(store), "--lastmile", str(one), "--no-sql-facts"],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr
    items = read_tables(store, {"lastmile_artifacts": ["artifact_id"]})["lastmile_artifacts"]["artifact_id"].to_list()
    assert items == ["lastmile.python.lastmile/app/ok.py#Q"]
    missing = subprocess.run(
        [str(Path(sys.executable).parent / "console"), "collect", str(root), "--store", str(store), "--lastmile", str(root / "nope")],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[3],
    )
    assert missing.returncode == 2 and "nope: last-mile path not found" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.slow
def test_a_file_that_stops_being_a_last_mile_file_loses_its_items(tmp_path):
    root = _project(tmp_path, GOOD)
    _collect(root)
    path = root / "lastmile" / "hightouch" / "models" / "ok.yaml"
    path.write_text("just: a config file\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    summary, frames = _collect(root)
    assert frames["lastmile_artifacts"]["path"].to_list() == ["lastmile/app/ok.py"]
    assert "hightouch" not in summary.lastmile.counts and summary.lastmile.other_files == 1


@pytest.mark.slow
def test_a_fifo_and_a_binary_file_are_skips_and_never_block(tmp_path):
    root = _project(tmp_path, GOOD)
    os.mkfifo(root / "lastmile" / "app" / "pipe.py")
    (root / "lastmile" / "app" / "blob.js").write_bytes(b"\xff\xfe\x00binary")
    _, frames = _collect(root)
    skips = {r["path"]: r for r in frames["lastmile_skips"].iter_rows(named=True)}
    assert "named pipe" in skips["lastmile/app/pipe.py"]["reason"] and skips["lastmile/app/pipe.py"]["tool"] == "python"
    assert skips["lastmile/app/blob.js"]["reason"] == "not UTF-8 text" and skips["lastmile/app/blob.js"]["line"] == 1
    assert frames["lastmile_artifacts"].height == 2


@pytest.mark.slow
def test_owners_of_unchanged_files_are_kept_until_head_moves(tmp_path):
    root = _project(tmp_path, GOOD)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    first, frames = _collect(root)
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert [head] == [state[0] for state in first.lastmile.owner_state.values()]
    app = root / "lastmile" / "app" / "ok.py"
    app.write_text('Q = "select id from analytics.exp_b where is_seasonal"\n')  # changed, not committed
    second, frames = _collect(root)
    assert second.lastmile.files_parsed == 1
    rows = {r["name"]: r for r in frames["lastmile_artifacts"].iter_rows(named=True)}
    assert rows["Q"]["owner"] == rows["ok"]["owner"] == "Ana Analyst"  # git's last commit; the other file kept
    assert str(rows["ok"]["modified_at"]).startswith("2026-01-02 03:04:05")
    _git(root, "commit", "-q", "-am", "second", author="Bo Builder")  # HEAD moves: owners asked again
    third, frames = _collect(root)
    assert third.lastmile.files_parsed == 0 and not third.lastmile.unchanged
    rows = {r["name"]: r for r in frames["lastmile_artifacts"].iter_rows(named=True)}
    assert (rows["Q"]["owner"], rows["Q"]["owner_source"]) == ("Bo Builder", "git") and rows["ok"]["owner"] == "Ana Analyst"
    fourth, _ = _collect(root)
    assert fourth.lastmile.unchanged


@pytest.mark.slow
def test_many_files_parsed_on_the_pool_give_the_items_of_one_process(tmp_path, monkeypatch):
    import collectors.lastmile_phase as phase

    files = {f"app/q{i}.py": f'Q{i} = "select id from analytics.exp_{i} where v > {i}"\n' for i in range(40)}
    files |= {f"lookml/v{i}.view.lkml": f"view: v{i} {{\n  sql_table_name: analytics.t{i} ;;\n  dimension: d {{\n    sql: CASE WHEN ${{TABLE}}.x > {i} THEN 1 END ;;\n  }}\n}}\n" for i in range(30)}
    one = _project(tmp_path / "one", files)
    _, serial = _collect(one)
    monkeypatch.setattr(phase, "POOL_MIN", 8)
    many = _project(tmp_path / "many", files)
    summary, pooled = _collect(many)
    assert summary.lastmile.files_parsed == 70
    cols = ["artifact_id", "tool", "kind", "line", "name", "sql", "relations_read", "literal_filters", "content_hash"]
    assert pooled["lastmile_artifacts"].select(cols).sort("artifact_id").equals(serial["lastmile_artifacts"].select(cols).sort("artifact_id"))
    assert serial["lastmile_artifacts"].height == 100  # each view: its table and its dimension
