"""Control characters in untrusted text never reach any output raw.

A test message, a model name or a path inside an artifact can hold ESC (terminal escape
sequences, a whole OSC-8 hyperlink), BEL or NUL. Every report format must show them as text.
"""

from __future__ import annotations

import shutil

import orjson
import pytest

from tests.hostile.conftest import SAMPLE, console, well_behaved

HOSTILE = "boom \x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07 \x1b[2J bell\x07 nul\x00 end"
RAW = ("\x1b", "\x07", "\x00")


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "p"
    shutil.copytree(SAMPLE / "target", root / "target")
    results = orjson.loads((root / "target" / "run_results.json").read_bytes())
    for result in results["results"]:
        result["status"], result["failures"], result["message"] = "fail", 3, HOSTILE
        break
    (root / "target" / "run_results.json").write_bytes(orjson.dumps(results))
    manifest = orjson.loads((root / "target" / "manifest.json").read_bytes())
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model":
            node["description"] = HOSTILE
            node["original_file_path"] = node["path"] = "models/evil\x00\x1b[31m.sql"
            break
    (root / "target" / "manifest.json").write_bytes(orjson.dumps(manifest))
    result = console("collect", str(root))
    well_behaved(result)
    assert result.returncode == 0, result.stderr
    return root


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "junit", "sarif", "github"])
def test_no_format_writes_control_characters(hostile_project, fmt):
    result = console("report", "--no-collect", str(hostile_project), "--format", fmt)
    well_behaved(result)
    assert result.returncode in (0, 1)
    for ch in RAW:
        assert ch not in result.stdout, (fmt, repr(ch))
        assert ch not in result.stderr, (fmt, repr(ch))
    assert "evil" in result.stdout or fmt in ("github",) or "boom" in result.stdout


@pytest.mark.slow
def test_the_html_report_writes_no_control_characters(hostile_project, tmp_path):
    out = tmp_path / "r.html"
    result = console("report", "--no-collect", str(hostile_project), "--format", "html", "--output", str(out))
    well_behaved(result)
    text = out.read_text()
    for ch in RAW:
        assert ch not in text, repr(ch)


@pytest.mark.parametrize("command", [("triage",), ("hotspots",), ("scores",)])
def test_other_commands_write_no_control_characters(hostile_project, command):
    result = console(*command, str(hostile_project), "--no-collect")
    well_behaved(result)
    for ch in RAW:
        assert ch not in result.stdout and ch not in result.stderr, (command, repr(ch))
