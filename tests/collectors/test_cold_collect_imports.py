"""A collect without SQL to parse never imports sqlglot, Jinja or pyarrow (issue #10: the cold
collect's imports).

Every phase names the project's dialect and hands the store a logic-facts frame even when it
parses nothing; importing sqlglot for that cost a cold 10k-node collect about 0.3 s of CPU
(see ``docs/architecture.md``, the cold collect). The profile lookup reads YAML through
``collectors.dbt_project``, whose package once imported Jinja eagerly; frames reach the store
through the Arrow PyCapsule interface, without pyarrow (0.06 s). A real process
collects a real manifest here, and the modules it imported are listed at the end.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_a_manifest_collect_without_sql_facts_imports_no_sqlglot_nor_jinja(tmp_path, synthetic_manifest):
    project = tmp_path / "p"
    (project / "target").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: test\nversion: '1.0'\nprofile: test\n")
    (project / "target" / "manifest.json").write_bytes(synthetic_manifest(50, 1))
    code = (
        "import sys\n"
        "from console.cli import cli\n"
        f"cli.main(args=['collect', {str(project)!r}, '--no-sql-facts', '-q'], standalone_mode=False)\n"
        "print(sorted(m for m in ('sqlglot', 'collectors.sql_facts', 'collectors.sql_logic', 'jinja2', 'pyarrow',\n"
        "    'collectors.dbt_project.render') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert (project / ".console" / "store.duckdb").is_file()  # the collect really wrote its store
