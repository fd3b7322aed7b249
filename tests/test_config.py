"""Configuration: nearest-first discovery, strict validation with suggestions, exceptions."""

from __future__ import annotations

import datetime as dt

import pytest

from console.config import Config, load_config
from console.errors import InputError


def test_no_file_gives_defaults(tmp_path):
    assert load_config(tmp_path) == Config()


def test_console_toml_is_found_nearest_first_and_paths_are_relative_to_it(tmp_path):
    (tmp_path / "console.toml").write_text('[paths]\nartifacts = "far"\n')
    project = tmp_path / "a" / "b"
    project.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.console.paths]\nartifacts = "near"\narchive = ["hist"]\n')
    cfg = load_config(project)
    assert cfg.source == tmp_path / "a" / "pyproject.toml"
    assert cfg.artifacts == (tmp_path / "a" / "near").resolve()
    assert cfg.archive == ((tmp_path / "a" / "hist").resolve(),)


def test_pyproject_without_console_table_is_passed_over(tmp_path):
    (tmp_path / "console.toml").write_text('[rules]\nignore = ["root-models"]\n')
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n')
    assert load_config(project).ignore == ("root-models",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[rules]\nselcet = ["ALL"]\n', "unknown key `rules.selcet` (did you mean `select`?)"),
        ('[pahts]\nartifacts = "t"\n', "unknown key `pahts` (did you mean `paths`?)"),
        ('[layers.staging]\nprefix = ["stg_"]\n', "unknown key `layers.staging.prefix` (did you mean `prefixes`?)"),
        ('[rules.severity]\nroot-models = "fatal"\n', "must be one of error, warn, info"),
        ('[[exceptions]]\nrule = "x"\nnode = "y"\nexpires = 2027-01-01\n', "needs reason"),
        ('[[exceptions]]\nrule = "x"\nnode = "y"\nreason = "ok"\nexpires = "soon"\n', "must be a date"),
        ("[rules\n", "not valid TOML"),
    ],
)
def test_bad_configuration_is_one_line_naming_the_file(tmp_path, text, expected):
    path = tmp_path / "console.toml"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        load_config(tmp_path)
    message = str(e.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_exceptions_parse_and_match_by_glob(tmp_path):
    (tmp_path / "console.toml").write_text(
        '[[exceptions]]\nrule = "model-fanout"\nnode = "model.shop.stg_*"\nreason = "known hub"\nexpires = 2027-01-31\n'
    )
    (exc,) = load_config(tmp_path).exceptions
    assert exc.expires == dt.date(2027, 1, 31)
    assert exc.matches("STR005", "model-fanout", "model.shop.stg_orders")
    assert not exc.matches("STR005", "model-fanout", "model.shop.fct_orders")
