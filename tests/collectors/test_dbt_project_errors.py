"""Bad input in a project's files: one InputError naming the file and the problem, fast."""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl
import pytest

from collectors.dbt_project import read_project
from console.errors import InputError


def project(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a project: a minimal dbt_project.yml unless ``files`` has one."""
    files = {"dbt_project.yml": "name: p\nconfig-version: 2\n", **files}
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def read_error(root: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_project(root)
    error = caught.value
    assert "\n" not in str(error)
    return error


def test_no_project_here_or_below(tmp_path):
    (tmp_path / "models").mkdir()
    error = read_error(tmp_path)
    assert error.path == str(tmp_path) and error.problem == "no dbt_project.yml found here or below"


def test_root_is_not_a_folder(tmp_path):
    file = tmp_path / "x.txt"
    file.write_text("")
    assert read_error(file).problem == "is not a folder"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("config-version: 2\n", "has no project name (the 'name:' key)"),
        ("name: ''\n", "has no project name (the 'name:' key)"),
        ("- name: p\n", "is not a YAML mapping of project settings"),
        ("name: p\nmodel-paths: 3\n", "'model-paths' must be a list of folders"),
        ("name: p\nmodels: [a]\n", "'models:' must be a mapping of configs and folders"),
        ("name: p\nmodels:\n  p: {\n", "invalid YAML at line 4, column 1: "),
    ],
)
def test_bad_dbt_project_yml(tmp_path, content, problem):
    root = project(tmp_path, {"dbt_project.yml": content})
    error = read_error(root)
    assert error.path == str(root / "dbt_project.yml")
    assert error.problem.startswith(problem)


def test_two_projects_with_one_name(tmp_path):
    project(tmp_path / "a", {"dbt_project.yml": "name: same\n"})
    project(tmp_path / "b", {"dbt_project.yml": "name: same\n"})
    error = read_error(tmp_path)
    assert error.path == str(tmp_path / "b" / "dbt_project.yml")
    assert "project name 'same' is also the name of" in error.problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("- models\n", "is not a YAML mapping (a property file has keys such as models: or sources:)"),
        ("models:\n  name: x\n", "'models:' must be a list of entries"),
        ("models:\n  - description: x\n", "models[0] has no name"),
        ("models:\n  - 3\n", "models[0] is not a mapping"),
        ("models:\n  - name: m\n    columns: [3]\n", "models[0] 'm': columns[0] is not a mapping"),
        (
            "models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [3]\n",
            "models[0] 'm': a test is neither a name nor a mapping: 3",
        ),
        ("models:\n  - name: m\n    data_tests: {unique: {}}\n", "models[0] 'm': 'data_tests' must be a list"),
        ("sources:\n  - name: s\n    tables: [{identifier: x}]\n", "sources[0] 's': tables[0] has no name"),
        ("unit_tests:\n  - name: u\n", "unit_tests[0] 'u': names no model"),
        ("models:\n  - name: m\n  - name: m\n", "models[1] 'm': 'm' is also described in"),
        ("models:\n  - name: m\n    description: [unclosed\n", "invalid YAML at line 4, column 1"),
    ],
)
def test_bad_property_file(tmp_path, content, problem):
    root = project(tmp_path, {"models/m.sql": "select 1", "models/schema.yml": content})
    error = read_error(root)
    assert error.path == str(root / "models" / "schema.yml")
    assert error.problem.startswith(problem)


def _seconds(fn) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _plain_project_seconds(tmp_path: Path, items: int = 100_000) -> float:
    """Baseline: reading a project whose schema.yml holds ``items`` plain scalars."""
    text = "models:\n  - name: m\n    meta: {x: [" + ", ".join(["lol"] * items) + "]}\n"
    root = project(tmp_path / "plain", {"models/schema.yml": text, "models/m.sql": "select 1"})
    return _seconds(lambda: read_project(root))


def test_yaml_bomb_is_refused_fast(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    root = project(tmp_path, {"models/schema.yml": "\n".join(lines) + "\nmodels:\n  - name: m\n    meta: *i\n"})
    error = read_error(root)
    assert _seconds(lambda: read_error(root)) < 2 * _plain_project_seconds(tmp_path)
    assert error.path == str(root / "models" / "schema.yml")
    assert "aliases expand to more than 100,000 nodes" in error.problem


@pytest.mark.parametrize("style", ["flow", "block", "indented"])
def test_deeply_nested_yaml_is_refused_fast(tmp_path, style):
    if style == "flow":  # libyaml alone takes seconds on this: quadratic in flow depth
        text = "models: " + "[" * 10_000 + "]" * 10_000 + "\n"
    elif style == "block":
        text = "models:\n" + "- " * 10_000 + "x\n"
    else:
        text = "".join(" " * i + "a:\n" for i in range(3_000)) + " " * 3_000 + "b: 1\n"
    root = project(tmp_path, {"models/schema.yml": text})
    error = read_error(root)
    assert error.problem.startswith("YAML nested deeper than 64 levels")
    # refused at the 65th level: no dearer than a plain file of 100k scalars
    assert _seconds(lambda: read_error(root)) < _plain_project_seconds(tmp_path)


def test_huge_yaml_is_refused_unread(tmp_path):
    root = project(tmp_path, {"models/schema.yml": "# " + "x" * (11 * 1024 * 1024) + "\n"})
    error = read_error(root)
    assert error.problem == "is 11.0 MB, over the 10 MB limit for YAML files (CONSOLE_MAX_FILE_MB raises it)"


def test_sql_that_is_not_utf8(tmp_path):
    root = project(tmp_path, {"models/m.sql": "select 1\n-- caf\xe9\n".encode("latin-1")})
    error = read_error(root)
    assert error.path == str(root / "models" / "m.sql")
    assert error.problem == "not UTF-8 text (line 2)"


def test_a_dangling_link_is_skipped_not_read(tmp_path):
    root = project(tmp_path, {"models/real.sql": "select 1"})
    (root / "models" / "ghost.sql").symlink_to(root / "nowhere.sql")
    os.mkfifo(root / "models" / "pipe.sql")  # would block a plain open() forever
    nodes = read_project(root)["nodes"]
    assert nodes.filter(pl.col("resource_type") == "model")["name"].to_list() == ["real"]


def test_unclosed_jinja(tmp_path):
    root = project(tmp_path, {"models/m.sql": "select 1\nfrom {{ ref('a')\n"})
    error = read_error(root)
    assert error.problem == "a {{ tag is never closed (line 2)"


def test_python_model_that_does_not_parse(tmp_path):
    root = project(tmp_path, {"models/m.py": "def model(dbt, session):\n    return dbt.ref('a'\n"})
    error = read_error(root)
    assert error.path == str(root / "models" / "m.py")
    assert error.problem.startswith("not valid Python (line 2)")


def test_two_models_with_one_name(tmp_path):
    root = project(tmp_path, {"models/a/m.sql": "select 1", "models/b/m.sql": "select 2"})
    error = read_error(root)
    assert error.path == str(root / "models" / "b" / "m.sql")
    assert error.problem == "a second model named 'm' in project 'p' (also models/a/m.sql)"


def test_model_and_seed_with_one_name(tmp_path):
    root = project(tmp_path, {"models/m.sql": "select 1", "seeds/m.csv": "a\n1\n"})
    error = read_error(root)
    assert "the name 'm' is also used by" in error.problem


def test_empty_property_file_and_unknown_sections_are_fine(tmp_path):
    root = project(
        tmp_path,
        {
            "models/m.sql": "select 1",
            "models/empty.yml": "",
            "models/other.yml": "version: 2\nmacros: []\nsaved_queries: []\n",
        },
    )
    assert read_project(root)["nodes"]["unique_id"].to_list() == ["model.p.m"]


def test_unresolvable_refs_add_no_edge(tmp_path):
    root = project(
        tmp_path,
        {
            "models/m.sql": "select * from {{ ref('dbt_utils', 'date_spine') }} join {{ ref('missing') }} join {{ ref(var('x')) }}"
        },
    )
    frames = read_project(root)
    assert frames["edges"].height == 0
