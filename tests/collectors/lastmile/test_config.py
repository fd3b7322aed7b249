"""``[lastmile]`` configuration and where last-mile files are looked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli.options import resolve_locations
from console.config import load_config
from console.errors import InputError


def test_lastmile_table_paths_ttl_and_dialect(tmp_path: Path):
    (tmp_path / "console.toml").write_text(
        '[paths]\nlastmile = ["bi"]\n[lastmile]\npaths = ["app"]\nttl_days = 30\n'
        'ttl_days_by_tool = { notebook = 7, lookml = 180 }\ndialect = "snowflake"\n'
    )
    config = load_config(tmp_path)
    assert config.lastmile == ((tmp_path / "bi").resolve(), (tmp_path / "app").resolve())
    assert config.lastmile_dialect == "snowflake"
    settings = config.settings()
    assert settings["lastmile_ttl_days"] == 30 and settings["lastmile_ttl_days_by_tool"] == {"notebook": 7, "lookml": 180}


def test_defaults_ttl_90_and_the_project_lastmile_folder(tmp_path: Path):
    assert load_config(tmp_path).settings()["lastmile_ttl_days"] == 90
    assert resolve_locations(tmp_path).lastmile == ()
    (tmp_path / "lastmile").mkdir()
    assert resolve_locations(tmp_path).lastmile == ((tmp_path / "lastmile").resolve(),)
    given = tmp_path / "elsewhere.py"
    given.write_text("x = 1\n")
    assert resolve_locations(tmp_path, lastmile=(given,)).lastmile == (given.resolve(),)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[lastmile]\nttl_day = 3\n", "unknown key `lastmile.ttl_day` (did you mean `ttl_days`?)"),
        ("[lastmile]\nttl_days_by_tool = { looker = 3 }\n", "unknown tool `lastmile.ttl_days_by_tool.looker`"),
        ("[lastmile]\nttl_days_by_tool = { lookml = -1 }\n", "must be a number of days of at least 0"),
        ("[lastmile]\nttl_days = \"soon\"\n", "`lastmile.ttl_days` must be a number of at least 0"),
    ],
)
def test_bad_lastmile_configuration_names_the_file_and_key(tmp_path: Path, toml: str, message: str):
    (tmp_path / "console.toml").write_text(toml)
    with pytest.raises(InputError) as e:
        load_config(tmp_path)
    assert message in str(e.value) and "console.toml" in str(e.value)
