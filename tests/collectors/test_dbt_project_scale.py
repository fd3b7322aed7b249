"""Reading a large generated project: 10,000 models in a hundred folders, each with a ref or
two, a config() call and a property entry with columns and tests. Times are compared as a
ratio to a project ten times smaller (absolute times drift with the machine)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from collectors.dbt_project import read_project

PER_FOLDER = 100
LAYERS = ("staging", "intermediate", "marts")


def generate(root: Path, models: int) -> Path:
    """Write a project of ``models`` models (a third per layer) and 200 source tables."""
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: big\nconfig-version: 2\nmodels:\n  big:\n    +materialized: view\n    marts:\n      +materialized: table\n"
    )
    tables = "".join(f"      - name: t{i}\n" for i in range(200))
    (root / "models" / "_sources.yml").write_text(
        f"version: 2\nsources:\n  - name: raw\n    loaded_at_field: _loaded_at\n    tables:\n{tables}"
    )
    folders = max(1, models // PER_FOLDER)

    def name(i: int) -> str:
        layer = LAYERS[min(2, (i // PER_FOLDER) * 3 // folders)]
        return f"{layer[:3]}_m{i:05d}"

    for start in range(0, models, PER_FOLDER):
        folder = root / "models" / LAYERS[min(2, (start // PER_FOLDER) * 3 // folders)] / f"f{start // PER_FOLDER:03d}"
        folder.mkdir(parents=True)
        yml = ["version: 2", "models:"]
        for i in range(start, min(models, start + PER_FOLDER)):
            if name(i).startswith("sta"):
                body = f"select id, amount from {{{{ source('raw', 't{i % 200}') }}}}"
            else:
                a, b = name(max(0, i - 1 - i % 50)), name(max(0, i - 1 - i % 97))
                body = (
                    f"{{{{ config(tags=['t{i % 5}']) }}}}\nselect a.id, a.amount + b.amount as amount\n"
                    f"from {{{{ ref('{a}') }}}} as a\njoin {{{{ ref('{b}') }}}} as b using (id)\n"
                    "{% if is_incremental() %} where a.id > 0 {% endif %}\n"
                )
            (folder / f"{name(i)}.sql").write_text(body)
            yml.append(
                f"  - name: {name(i)}\n    description: Model {i}.\n    config:\n      meta: {{owner: team_{i % 7}}}\n"
                "    columns:\n      - name: id\n        data_tests: [unique, not_null]\n"
                "      - name: amount\n        data_type: numeric"
            )
        (folder / "_schema.yml").write_text("\n".join(yml) + "\n")
    return root


def cpu_seconds(root: Path, repeat: int = 2) -> tuple[float, dict]:
    best = float("inf")
    frames: dict = {}
    for _ in range(repeat):
        started = time.process_time()
        frames = read_project(root)
        best = min(best, time.process_time() - started)
    return best, frames


@pytest.mark.slow
def test_ten_thousand_models_scale_linearly(tmp_path):
    small, big = generate(tmp_path / "small", 1_000), generate(tmp_path / "big", 10_000)
    small_time, _ = cpu_seconds(small)
    big_time, frames = cpu_seconds(big)
    counts = {name: frame.height for name, frame in frames.items()}
    assert counts == {
        "project": 1,
        "nodes": 10_000 + 200 + 20_000,
        "edges": 36_500,
        "node_columns": 20_000,
        "tests": 20_000,
    }
    print(f"\n1,000 models: {small_time:.2f} s CPU; 10,000 models: {big_time:.2f} s CPU ({big_time / small_time:.1f}x)")
    assert big_time / small_time < 14, "reading should grow linearly with the project"
    assert big_time < 30, "a disaster, whatever the machine"
