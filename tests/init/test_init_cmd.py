"""``console init`` on a real dbt project's files: the layers its folders and prefixes show, its
production exposures, a baseline that makes the next report show only new problems, and no
overwriting without --force."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from console.config import load_config

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-07T09:00:00Z"

MODELS = {
    "staging/s_orders.sql": "select * from {{ source('shop', 'orders') }}",
    "staging/s_items.sql": "select * from {{ source('shop', 'items') }}",
    "staging/s_stores.sql": "select * from {{ source('shop', 'stores') }}",
    "core/fct_sales.sql": "select * from {{ ref('s_orders') }} join {{ ref('s_items') }} using (order_id)",
    "core/dim_stores.sql": "select * from {{ ref('s_stores') }}",
    "outputs/exp_sales_crm.sql": "select * from {{ ref('fct_sales') }}",
}
YML = """version: 2
sources:
  - name: shop
    tables: [{name: orders}, {name: items}, {name: stores}]
models:
  - name: fct_sales
    description: Sales.
exposures:
  - name: crm_sync
    type: application
    owner: {name: CRM team, email: crm@example.com}
    depends_on: [ref('exp_sales_crm')]
  - name: board
    type: dashboard
    maturity: high
    owner: {name: Finance, email: fin@example.com}
    depends_on: [ref('dim_stores')]
"""


def console(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "shop"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: shop\nversion: '1.0'\nprofile: shop\n")
    for rel, sql in MODELS.items():
        (root / "models" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "models" / rel).write_text(sql + "\n")
    (root / "models" / "_shop.yml").write_text(YML)
    return root


def test_init_writes_a_configuration_that_fits_the_project(project):
    proc = console("init", str(project), "--now", NOW)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # the file is the output
    config = load_config(project)  # valid, and found where a report looks for it
    assert config.source == project / "console.toml"
    assert config.layers == {
        "staging": {"folders": ["staging"], "prefixes": ["s_"]},  # learnt: most staging models start with s_
        "mart": {"folders": ["core"], "prefixes": ["dim_", "fct_"]},
        "export": {"folders": ["outputs"], "prefixes": ["exp_"]},
    }
    assert config.production_exposure_types == ("application",)
    assert config.baseline is None
    said = [line for line in proc.stderr.splitlines() if line.startswith("console init: ")]
    assert "console init: staging: folders staging (3 models); prefixes s_ (3 models)" in said
    assert any(line.startswith("console init: production: application (the project declares application (1), dashboard (1)); "
                               "dashboard left out") for line in said)
    assert said[-1] == f"console init: wrote {project / 'console.toml'}"
    text = (project / "console.toml").read_text()
    assert "# staging: folders staging (3 models); prefixes s_ (3 models)" in text
    code = (
        "import sys\nfrom console.cli import main\n"
        f"try:\n    main(['init', {str(project)!r}, '--force', '--no-collect'])\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'plotly', 'textual'}))\n"
    )
    headless = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert headless.stdout.rstrip().splitlines()[-1] == "[]", headless.stderr


def test_init_never_overwrites_without_force(project):
    (project / "console.toml").write_text("# ours\n")
    proc = console("init", str(project), "--now", NOW)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"console: error: {project / 'console.toml'}: exists already; `console init --force` overwrites it"
    assert (project / "console.toml").read_text() == "# ours\n"
    assert console("init", str(project), "--force", "--now", NOW).returncode == 0
    assert tomllib.loads((project / "console.toml").read_text())["layers"]["staging"]["prefixes"] == ["s_"]


def test_a_baseline_makes_the_next_report_show_only_new_problems(project):
    proc = console("init", str(project), "--baseline", "--now", NOW)
    assert proc.returncode == 0, proc.stderr
    config = load_config(project)
    assert config.baseline == project / "console-baseline.json"
    known = json.loads(config.baseline.read_text())["findings"]
    assert len(known) > 5
    assert f"{len(known)} findings known today" in proc.stderr
    report = console("report", str(project), "--now", NOW, "--fail-on", "warn")
    assert report.returncode == 0, report.stdout  # nothing new
    assert report.stdout.splitlines()[0].endswith(f"{len(known)} findings, 0 new")
    assert report.stdout.splitlines()[-1].startswith("No findings")
    everything = console("report", str(project), "--no-collect", "--no-baseline", "--now", NOW, "--format", "json", "--exit-zero")
    assert {f["fingerprint"] for f in json.loads(everything.stdout)["findings"]} == {f["fingerprint"] for f in known}
    again = console("init", str(project), "--baseline", "--now", NOW)  # the configuration exists: refused
    assert again.returncode == 2 and "--force" in again.stderr
    (project / "console.toml").unlink()
    again = console("init", str(project), "--baseline", "--now", NOW)  # so does the baseline
    assert again.returncode == 2 and "console-baseline.json: exists already" in again.stderr


HAND_WRITTEN = """\
# Our team's settings: kept by hand.

[production]
# we said ml, init knows better
exposure_types = ["ml"]

[layers.staging]
prefixes = ["zz_"]

# where CI puts dbt's artifacts
[paths]
artifacts = "target"

[rules]
ignore = ["model-naming-conventions"]   # we name models our way

[report]
baseline = "old-baseline.json"

# the legacy orders model, until the rewrite lands
[[exceptions]]
rule = "STR004"
node = "model.shop.fct_sales"
reason = "legacy, rewritten in Q1"
expires = 2027-03-31

[[exceptions]]
rule = "HRD001"
node = "*"
reason = "contracts come with dbt 1.9"
expires = 2027-01-31
"""


def test_force_regenerates_only_what_init_writes_and_keeps_the_rest(project):
    (project / "console.toml").write_text(HAND_WRITTEN)
    (project / "target").mkdir()  # the kept [paths] is read by init's collect: the folder must exist
    proc = console("init", str(project), "--force", "--baseline", "--now", NOW)
    assert proc.returncode == 0, proc.stderr
    text = (project / "console.toml").read_text()
    doc = tomllib.loads(text)
    # regenerated: init's own tables, from the project as it is
    assert doc["production"] == {"exposure_types": ["application"]}
    assert doc["layers"]["staging"] == {"folders": ["staging"], "prefixes": ["s_"]}
    assert "zz_" not in text and "we said ml" not in text
    # kept as written, comments included; the baseline set in the user's own [report]
    assert doc["paths"] == {"artifacts": "target"}
    assert doc["report"] == {"baseline": "console-baseline.json"}
    assert 'ignore = ["model-naming-conventions"]   # we name models our way' in text
    assert [e["rule"] for e in doc["exceptions"]] == ["STR004", "HRD001"]
    for comment in ("# Our team's settings: kept by hand.", "# where CI puts dbt's artifacts",
                    "# the legacy orders model, until the rewrite lands"):
        assert text.count(comment) == 1, comment
    assert text.index("# the legacy orders model") < text.index('rule = "STR004"')
    said = [line for line in proc.stderr.splitlines() if line.startswith("console init: kept ")]
    assert said == ["console init: kept [paths], [rules], [report], [[exceptions]] ×2 as written "
                    "(--force regenerates only [production] and [layers] and [report] baseline)"]
    config = load_config(project)  # what a report reads: valid, exceptions live
    assert config.baseline == project / "console-baseline.json"
    assert len(config.exceptions) == 2
    # a second --force changes nothing: the kept tables do not pile up
    again = console("init", str(project), "--force", "--baseline", "--now", NOW)
    assert again.returncode == 0, again.stderr
    assert (project / "console.toml").read_text() == text
    assert not list(project.glob(".console-init-*"))  # no temporary configuration left behind


def test_force_refuses_a_configuration_it_cannot_read(project):
    (project / "console.toml").write_text("[paths]\nartifacts = \n")
    proc = console("init", str(project), "--force", "--no-collect")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"console: error: {project / 'console.toml'}: is not valid TOML (")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert (project / "console.toml").read_text() == "[paths]\nartifacts = \n"


def test_the_merge_reads_tables_as_toml_does():
    from console.init.toml_text import merged_text

    tricky = (
        '[paths]\nlastmile = [\n  "bi",\n]\nnote = """\n[layers.staging]\nnot a table\n"""\n'  # a header-like line in a string
        "# ours\n[[exceptions]]\nrule = \"R\"\nnode = \"*\"\nreason = \"r\"\nexpires = 2027-01-01\n"
        '[layers . "staging"]  # spaced, quoted: still init\'s\nprefixes = ["zz_"]\n'
    )
    text, kept = merged_text(tricky, '[production]\nexposure_types = ["application"]\n', None)
    doc = tomllib.loads(text)
    assert kept == ["[paths]", "[[exceptions]]"]
    assert doc["paths"]["note"] == "[layers.staging]\nnot a table\n" and "layers" not in doc
    assert text.count("# ours") == 1
    with pytest.raises(ValueError, match="dotted keys before its first table"):
        merged_text('layers.staging.prefixes = ["a_"]\n[paths]\nartifacts = "t"\n', "", None)
