"""A pull-request comment stays under GitHub's 65,536 characters, errors first."""

from __future__ import annotations

from console.report import markdown
from console.report.model import build_report
from console.report.rule_select import select_findings
from tests.report.conftest import STG, _finding


def _many(n: int, severity: str):
    return tuple(
        _finding("STR014", "missing-primary-key-tests", "structure", severity, f"{STG}_{i}", f"models/m_{i}.sql", None,
                 f"model `m_{i}` has no primary key test (0 tests on it)", "add unique and not_null tests", key=str(i))
        for i in range(n)
    )


def test_a_huge_report_is_cut_to_fit_a_comment_and_says_so(shop_ctx):
    errors, warnings = _many(40, "error"), _many(3_000, "warn")
    # as with a selection does, with no folding of repetitive findings: every row is a finding
    out = markdown.render(build_report(shop_ctx, errors + warnings, selection=select_findings(
        shop_ctx.graph, shop_ctx.frames["nodes"], ["rule:STR014"], ())))
    assert len(out) <= 65_536
    assert out.count("| `STR014`") < 3_040
    assert "### 🔴 Errors (40)" in out and "### 🟡 Warnings (3000)" in out
    assert all(f"\\`m\\_{i}\\`" in out for i in range(40))  # every error kept: they come first
    shown = out.count("| `STR014`")
    assert f"…and {3_040 - shown} more findings not shown" in out


def test_a_small_report_is_whole(shop_ctx):
    out = markdown.render(build_report(shop_ctx, _many(5, "warn")))
    assert out.count("| `STR014`") == 5 and "not shown" not in out


def test_a_rule_firing_on_many_nodes_is_folded_to_its_top_five(shop_ctx):
    out = markdown.render(build_report(shop_ctx, _many(40, "warn")))
    assert out.count("| `STR014`") == 5
    assert "| **`STR014` missing-primary-key-tests** | 40 models | top 5 below; all: `--select rule:STR014` |" in out
