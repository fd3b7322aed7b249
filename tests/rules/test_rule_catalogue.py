"""Every rule keeps the catalogue's promises; `console rules` and `console explain` show them.

Per rule: a unique id like ``CHK001`` whose prefix fits its category, a unique kebab-case name,
its category equal to its folder, a severity, a hint, options as :class:`rules.base.Option`,
a docstring with the summary and the headed sections, and a failing and a passing test: a
function under ``tests/rules/<category>/`` whose name holds the lower-case id and ``fails``,
and another with ``passes``.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import main
from console.cli.rules_cmd import explain, explain_text, rules
from rules.base import CATEGORIES, Option, Severity
from rules.registry import all_rules, find_rule, rule_doc, select_rules

TESTS_ROOT = Path(__file__).parent
REQUIRED_SECTIONS = ("What it does", "Why it matters", "Example", "Instead")
PREFIXES = {"checks": "CHK", "freshness": "FRS", "runs": "RUN", "structure": "STR", "hardening": "HRD",
            "federation": "FED", "layerinitis": "LYR", "warehouse": "WHS"}
RULES = all_rules()


def _test_names(category: str) -> set[str]:
    names: set[str] = set()
    for path in (TESTS_ROOT / category).rglob("test_*.py"):
        for item in ast.walk(ast.parse(path.read_text())):
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test"):
                names.add(item.name)
    return names


def test_there_are_rules_in_every_category_this_release_ships():
    assert {"checks", "freshness", "runs", "hardening"} <= {r.category for r in RULES}
    assert [r.id for r in RULES] == sorted(r.id for r in RULES)


def test_ids_and_names_are_unique_and_well_formed():
    ids, names = Counter(r.id for r in RULES), Counter(r.name for r in RULES)
    assert [i for i, n in ids.items() if n > 1] == []
    assert [i for i, n in names.items() if n > 1] == []
    bad = [r.id for r in RULES if not re.fullmatch(r"[A-Z]{2,4}\d{3}", r.id) or not r.id.startswith(PREFIXES.get(r.category, "?"))]
    assert bad == []
    assert [r.name for r in RULES if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", r.name)] == []


def test_one_rule_per_module_in_the_folder_of_its_category():
    per_module = Counter(r.__module__ for r in RULES)
    assert [m for m, n in per_module.items() if n > 1] == []
    assert [r.id for r in RULES if r.category not in CATEGORIES or r.__module__.split(".")[1] != r.category] == []


def test_severity_hint_and_options():
    assert [r.id for r in RULES if not isinstance(r.severity, Severity)] == []
    assert [r.id for r in RULES if not isinstance(r.hint, str) or not r.hint.strip()] == []
    assert [r.id for r in RULES if not all(isinstance(o, Option) and o.description.strip() for o in r.options.values())] == []


def test_docstrings_have_the_summary_and_every_section():
    problems = []
    for rule in RULES:
        doc = rule_doc(rule)
        if not doc.summary or not doc.summary.endswith("."):
            problems.append(f"{rule.id}: one-line summary ending with a period")
        problems += [f"{rule.id}: section {s}" for s in REQUIRED_SECTIONS if not doc.sections.get(s)]
        if rule.options and not doc.sections.get("Options"):
            problems.append(f"{rule.id}: an Options section")
        if ">>>" in (rule.__doc__ or ""):
            problems.append(f"{rule.id}: no doctest prompts in a rule's docstring (the suite would run them)")
    assert problems == []


def test_every_rule_has_a_failing_and_a_passing_test():
    missing = []
    names = {c: _test_names(c) for c in {r.category for r in RULES}}
    for rule in RULES:
        key = rule.id.lower()
        for word in ("fails", "passes"):
            if not any(key in n and word in n for n in names[rule.category]):
                missing.append(f"{rule.id} ({rule.name}): no test named *{key}*{word}* under tests/rules/{rule.category}/")
    assert missing == []


def test_find_rule_and_select_rules():
    assert find_rule("chk001") is find_rule("failing-test")
    with pytest.raises(KeyError) as err:
        find_rule("failing-tests")
    assert str(err.value) == "unknown rule `failing-tests` (did you mean `failing-test`?)"
    assert {r.category for r in select_rules(["runs"])} == {"runs"}
    assert select_rules(["ALL"], ["ALL"]) == ()
    with pytest.raises(ValueError, match=r"did you mean `hardening`"):
        select_rules(["hardenning"])


# --- console rules / console explain -------------------------------------------------------------

def test_console_rules_lists_every_rule_with_options():
    out = CliRunner().invoke(rules, []).output
    lines = out.splitlines()
    assert sum(1 for line in lines if re.match(r"^[A-Z]{2,4}\d{3}  ", line)) == len(RULES)
    assert re.search(r"^RUN001  duration-regression +runs +warn   A model took much longer", out, re.M)
    assert "options: factor=2.0, history=10, min_runs=3, min_seconds=1.0" in out
    assert "\x1b[" not in out


def test_console_rules_as_json_for_one_category():
    data = json.loads(CliRunner().invoke(rules, ["--format", "json", "--category", "freshness"]).output)
    assert [d["id"] for d in data] == [r.id for r in RULES if r.category == "freshness"]
    sla = next(d for d in data if d["id"] == "FRS003")
    assert sla["options"]["default_sla_hours"]["default"] is None
    assert sla["summary"] == "A model has not been built successfully for longer than its SLA."


def test_console_explain_shows_the_whole_documentation():
    out = CliRunner().invoke(explain, ["flaky-test"]).output
    assert out.startswith("RUN002 flaky-test  A test keeps flipping between passing and failing.\ncategory: runs    default severity: warn\n")
    assert "    history = 10\n" in out
    positions = [out.index(f"\n{s}:\n") for s in REQUIRED_SECTIONS]
    assert positions == sorted(positions)
    assert out == explain_text(find_rule("RUN002")) + "\n"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_explain_text_of_every_rule(rule):
    text = explain_text(rule)
    assert text.splitlines()[0].startswith(f"{rule.id} {rule.name}")
    assert all(f"\n{s}:\n" in text for s in REQUIRED_SECTIONS)


def test_console_explain_unknown_rule_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as done:
        main(["explain", "flaky-tset"])
    assert done.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "console: error: unknown rule `flaky-tset` (did you mean `flaky-test`?)\n"
