"""Which warehouse: dbt profiles found and rendered as dbt does; --warehouse; the phase's decisions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from collectors.pipeline import collect
from collectors.warehouse.profiles import profile_target, profiles_path
from collectors.warehouse.target import target_from_value, url_label
from console.cli.options import resolve_locations
from console.errors import InputError

SAMPLE = Path(__file__).resolve().parents[2] / "sample_project"
SECRET = "pa55-w0rd-never-shown"

PROFILES = f"""
shop:
  target: "{{{{ env_var('SHOP_TARGET', 'dev') }}}}"
  outputs:
    dev:
      type: duckdb
      path: wh.duckdb
    pg:
      type: postgres
      host: "{{{{ env_var('SHOP_PGHOST') }}}}"
      port: "{{{{ env_var('SHOP_PGPORT', '5432') | as_number }}}}"
      user: analyst
      password: "{{{{ env_var('SHOP_PGPASSWORD') }}}}"
      dbname: shop
      schema: analytics
    mem:
      type: duckdb
      path: ":memory:"
    spark:
      type: spark
      host: x
"""


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1'\nconfig-version: 2\nprofile: shop\n")
    (root / "profiles.yml").write_text(PROFILES)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE SCHEMA analytics; CREATE TABLE analytics.orders AS SELECT 1 AS id")
    con.close()
    return root


ENV = {"HOME": "/nonexistent", "SHOP_PGHOST": "/nonexistent-socket-dir", "SHOP_PGPASSWORD": SECRET}


def test_the_project_profile_and_its_default_target(project):
    target, why = profile_target(project, env=ENV)
    assert why == "" and target.engine == "duckdb" and not target.explicit
    assert target.params["path"] == str(project / "wh.duckdb")  # relative to the project folder
    assert target.label == "profile `shop`, target `dev` (duckdb wh.duckdb)"


def test_target_and_profiles_dir_precedence(project, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "profiles.yml").write_text(PROFILES.replace("wh.duckdb", "other.duckdb"))
    assert profiles_path(project, None, ENV) == project / "profiles.yml"
    assert profiles_path(project, None, {**ENV, "DBT_PROFILES_DIR": str(other)}) == other / "profiles.yml"
    assert profiles_path(project, project, {**ENV, "DBT_PROFILES_DIR": str(other)}) == project / "profiles.yml"
    target, _ = profile_target(project, env={**ENV, "DBT_TARGET": "pg", "SHOP_PGPORT": "6543"})
    assert target.engine == "postgres" and target.params["port"] == 6543 and target.params["password"] == SECRET
    assert target.label == "profile `shop`, target `pg` (postgres analyst@/nonexistent-socket-dir:6543/shop)"
    assert SECRET not in repr(target)
    target, _ = profile_target(project, target="dev", env={**ENV, "DBT_TARGET": "pg"})
    assert target.engine == "duckdb"
    target, _ = profile_target(project, env={**ENV, "SHOP_TARGET": "pg"})  # the profile's own target, rendered
    assert target.engine == "postgres"
    with pytest.raises(InputError, match=r"no profiles.yml in this folder \(from DBT_PROFILES_DIR\)"):
        profiles_path(project, None, {"DBT_PROFILES_DIR": str(tmp_path / "none")})


def test_profile_problems_are_input_errors_without_values(project):
    with pytest.raises(InputError) as err:
        profile_target(project, target="prod", env=ENV)
    assert str(err.value) == f"{project / 'profiles.yml'}: profile `shop` has no target `prod` (targets: dev, mem, pg, spark)"
    env = {k: v for k, v in ENV.items() if k != "SHOP_PGPASSWORD"}
    with pytest.raises(InputError) as err:
        profile_target(project, target="pg", env=env)
    assert str(err.value).endswith("profile `shop`, target `pg`: env_var('SHOP_PGPASSWORD') is not set and has no default")


def test_no_profile_or_an_unreadable_kind_is_no_warehouse_with_a_reason(project, tmp_path):
    assert profile_target(tmp_path, env=ENV) == (None, "no dbt profile (dbt_project.yml names none)")
    assert profile_target(project, target="mem", env=ENV)[1] == "profile `shop`, target `mem`: DuckDB path `:memory:` is not a local file"
    assert "adapter `spark` is not one the warehouse collector reads" in profile_target(project, target="spark", env=ENV)[1]
    (project / "profiles.yml").unlink()
    assert profile_target(project, env=ENV) == (None, "no profiles.yml for profile `shop` (looked in the project and ~/.dbt)")


def _collect(project, monkeypatch, **kw):
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    loc = resolve_locations(project, store=project / "store.duckdb", **kw)
    return collect(loc, sql_facts=False)


def test_an_unreachable_default_profile_is_a_note_and_the_collect_goes_on(project, monkeypatch):
    monkeypatch.setenv("DBT_TARGET", "pg")
    summary = _collect(project, monkeypatch)
    (note,) = [n for n in summary.notes if n.startswith("warehouse")]
    assert note.startswith("warehouse: not collected: profile `shop`, target `pg` (postgres analyst@/nonexistent-socket-dir:5432/shop): cannot connect: ")
    assert SECRET not in summary.to_text()


def test_a_chosen_target_that_is_unreachable_is_exit_2_naming_it_never_the_secret(project):
    done = subprocess.run(
        [sys.executable, "-m", "console", "collect", str(project), "--target", "pg", "--store", str(project / "s.duckdb")],
        capture_output=True, text=True, env={**ENV, "PATH": "/usr/bin:/bin"}, timeout=120,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("console: error: warehouse profile `shop`, target `pg` (postgres analyst@/nonexistent-socket-dir:5432/shop): cannot connect: ")
    assert SECRET not in done.stderr and not (project / "s.duckdb").exists()


def test_warehouse_option_config_and_switching_off(project, monkeypatch, tmp_path):
    summary = _collect(project, monkeypatch)
    assert any(n.startswith("warehouse: profile `shop`, target `dev` (duckdb wh.duckdb): 1 relations") for n in summary.notes)
    (project / "console.toml").write_text('[paths]\nwarehouse = "wh.duckdb"\n[warehouse]\nschemas = ["nothing"]\n')
    summary = _collect(project, monkeypatch)
    assert any(n.startswith(f"warehouse: duckdb {project / 'wh.duckdb'}: 0 relations") for n in summary.notes)
    (project / "console.toml").write_text('[warehouse]\nenabled = false\n')
    summary = _collect(project, monkeypatch)
    assert "warehouse: off ([warehouse] enabled = false)" in summary.notes
    (project / "console.toml").write_text('[warehouse]\nfreshness_timeout = "soon"\n')
    with pytest.raises(InputError, match=r"`warehouse.freshness_timeout` must be a number of at least 0"):
        _collect(project, monkeypatch)
    (project / "console.toml").write_text('[warehouse]\nfreshnes_timeout = 3\n')
    with pytest.raises(InputError, match=r"unknown key `warehouse.freshnes_timeout` \(did you mean `freshness_timeout`\?\)"):
        _collect(project, monkeypatch)
    (project / "console.toml").unlink()
    with pytest.raises(InputError, match="no DuckDB file here"):
        _collect(project, monkeypatch, warehouse=str(tmp_path / "missing.duckdb"))
    with pytest.raises(InputError, match=r"warehouse URL scheme `mysql://` is not supported"):
        _collect(project, monkeypatch, warehouse="mysql://u:p@h/db")


def test_each_collect_adds_a_snapshot_and_an_unchanged_catalogue_is_kept(project, monkeypatch):
    _collect(project, monkeypatch)
    _collect(project, monkeypatch)
    con = duckdb.connect(str(project / "wh.duckdb"))
    con.execute("ALTER TABLE analytics.orders ADD COLUMN note VARCHAR; INSERT INTO analytics.orders VALUES (2, 'x')")
    con.close()
    _collect(project, monkeypatch)
    con = duckdb.connect(str(project / "store.duckdb"), read_only=True)
    try:
        hashes = [r[0] for r in con.execute("SELECT columns_hash FROM warehouse_snapshots ORDER BY collect_id").fetchall()]
        history = con.execute("SELECT collect_id, row_count FROM warehouse_relation_history ORDER BY collect_id").fetchall()
        columns = [r[0] for r in con.execute("SELECT column_name FROM warehouse_columns ORDER BY position").fetchall()]
    finally:
        con.close()
    assert hashes[0] == hashes[1] != hashes[2]
    assert history == [(1, 1), (2, 1), (3, 2)]
    assert columns == ["id", "note"]



@settings(max_examples=200, deadline=None)
@given(user=st.text("abcdefgh_", min_size=1, max_size=8), password=st.text(min_size=6, max_size=24).filter(lambda p: p.strip() == p))
def test_a_url_label_never_holds_the_password(user, password):
    assume(password not in f"postgresql://{user}@db.example:5432/shop FATAL: bad password ***")
    url = f"postgresql://{user}:{quote(password, safe='')}@db.example:5432/shop?sslmode=require&password={quote(password, safe='')}"
    target = target_from_value(url, base=Path("."), source=None)
    assert target.label == url_label(url) == f"postgresql://{user}@db.example:5432/shop"
    assert target.scrub(f"FATAL: bad password {password}") == "FATAL: bad password ***"
    assert password not in repr(target)
