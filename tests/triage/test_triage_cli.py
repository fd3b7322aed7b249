"""`console triage` as a user runs it: a subprocess on the collected sample, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.triage.triage_fixtures import NOW, console, sample  # noqa: F401 (fixture)

NOW_ARG = "--now=" + NOW.isoformat()


def _base(sample, *args):
    return ("triage", str(sample.project), "--no-collect", NOW_ARG, *args)


def test_json_of_a_node_has_the_documented_shape(sample):
    out = console(*_base(sample, "--node", "exp_top_items_crm", "--format", "json"))
    assert out.returncode == 1, out.stderr  # failing: its root cause errors
    doc = json.loads(out.stdout)
    assert doc["node"] == "model.alcohol_marketplace.exp_top_items_crm" and doc["mode"] == "node"
    assert doc["status"] == "ok" and doc["level"] == "error"
    assert {"node", "status", "root_causes", "blast_radius", "changed_since_last_success"} <= set(doc)
    root = doc["root_causes"][0]
    assert root["unique_id"] == "source.alcohol_marketplace.inventory_feed.inventory" and root["resource_type"] == "source"
    assert root["chain"][0] == "inventory_feed.inventory" and root["path"] == "models/staging/_sources.yml"
    exposure = doc["blast_radius"]["exposures"][0]
    assert exposure == {**exposure, "name": "crm_missing_items_campaign", "type": "application", "owner": "Tomás Ortega"}
    assert isinstance(doc["blast_radius"]["models"], list) and isinstance(doc["changed_since_last_success"], list)
    assert doc["last_success"]["at"].startswith("2026-11-07") and doc["rerun"][0]["command"].startswith("dbt ")


def test_json_of_the_latest_run_groups_failures_worst_first(sample):
    out = console(*_base(sample, "--format", "json"))
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert doc["mode"] == "run" and doc["level"] == "error"
    names = [g["root_cause"]["name"] for g in doc["groups"]]
    assert names[0] == "inventory_feed.inventory"
    assert {e["name"] for e in doc["groups"][0]["blast_radius"]["exposures"]} == {
        "retailer_app", "crm_missing_items_campaign", "salesforce_store_pitch_sync"}


def test_fail_on_and_exit_zero(sample):
    ok_node = ("--node", "stg_skus")
    assert console(*_base(sample, *ok_node)).returncode == 0
    assert console(*_base(sample, "--node", "stg_stores")).returncode == 0  # warn < error
    assert console(*_base(sample, "--node", "stg_stores", "--fail-on", "warn")).returncode == 1
    assert console(*_base(sample, "--exit-zero")).returncode == 0


def test_text_names_the_root_cause_and_the_applications_at_80_columns(sample):
    out = console(*_base(sample, "--node", "inventory_feed.inventory"))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "\x1b" not in out.stdout  # piped: no colour
    text = out.stdout
    assert "stale: loaded" in text and "Blast radius" in text
    for app in ("retailer_app", "crm_missing_items_campaign", "salesforce_store_pitch_sync"):
        assert app in text
    assert "$ dbt source freshness -s source:inventory_feed.inventory" in text


def test_markdown_has_sections_and_escapes(sample):
    out = console(*_base(sample, "--node", "exp_retailer_app_skus", "--format", "markdown"))
    assert out.stdout.startswith("## Triage: **exp\\_retailer\\_app\\_skus** (model): error")
    assert "### Root causes" in out.stdout and "| retailer\\_app | application |" in out.stdout


def test_an_unknown_node_is_one_line_naming_close_matches(sample):
    out = console(*_base(sample, "--node", "stg_inventori"))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == ["console: error: --node: no node named `stg_inventori`; did you mean: stg_inventory?"]


def _on_a_terminal(args, env):
    """Run the CLI with stdout on a pseudo-terminal; return what it wrote."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "console", *args], stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode(errors="replace")


def test_colour_only_on_a_terminal_and_never_with_no_color(sample):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    args = _base(sample, "--node", "exp_retailer_app_skus")
    assert "\x1b[" in _on_a_terminal(args, env)
    plain = _on_a_terminal(args, {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain and "exp_retailer_app_skus" in plain


def test_the_headless_triage_never_imports_textual(sample):
    code = (
        "import sys\n"
        "from console.cli import cli\n"
        f"cli.main(args=['triage', {str(sample.project)!r}, '--no-collect', '--exit-zero'], standalone_mode=False)\n"
        f"cli.main(args=['triage', {str(sample.project)!r}, '--no-collect', '-n', 'stg_orders', '--format', 'json'], standalone_mode=False)\n"
        "print(sorted(m for m in ('textual', 'plotly') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
