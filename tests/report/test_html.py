"""The HTML report: self-contained, every chart present, nothing injected by hostile names."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from console.report import render
from console.report.charts import charts, dag_layout
from console.report.model import build_report
from console.report.series import chart_data
from tests.report.conftest import EVIL_ID, EVIL_NAME, EXPIRED_EXC, FCT, FINDINGS, RULES, SRC, STG, SUPPRESSED

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "div", "span", "main",
                "section", "button", "table", "thead", "tbody", "tr", "th", "td", "br", "details", "summary",
                "figure", "figcaption", "script", "nav", "a"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def page(shop_ctx) -> str:
    data = build_report(shop_ctx, FINDINGS, rules=RULES, suppressed=SUPPRESSED, expired=((FINDINGS[2], EXPIRED_EXC),), charts=True)
    return render("html", data)


def test_html_has_no_injected_markup(page):
    parser = _Tags()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert set(tags) <= ALLOWED_TAGS, set(tags) - ALLOWED_TAGS
    assert tags.count("script") == 3  # the filter, plotly.js, the charts
    assert not any(k.startswith("on") for _, attrs in parser.tags for k in attrs)
    assert not any(t == "script" and "src" in attrs for t, attrs in parser.tags)  # nothing fetched
    text = "".join(parser.text)
    assert "breaks out </script><script>alert('x')</script>" in text
    assert "<img src=x" not in page


def test_html_is_self_contained(page):
    parser = _Tags()
    parser.feed(page)
    assert not [(t, a) for t, a in parser.tags if "src" in a]  # nothing loaded from elsewhere
    assert {a["href"] for t, a in parser.tags if "href" in a} == {"#findings", "#charts"}
    assert len(page) > 3_000_000  # plotly.js is inline


def test_html_content(page):
    for needle in ("<h1>shop</h1>", "2 errors", "1 warning", "2 info", "4 models", 'data-filter="error"',
                   'data-severity="warn"', "exception expired on 2026-11-01: loader migration",
                   "1 finding accepted by exceptions", "legacy names until Q1"):
        assert needle in page, needle
    for chart in ("chart-findings", "chart-tests", "chart-durations", "chart-freshness", "chart-dag"):
        assert f'id="{chart}"' in page and f"Plotly.newPlot('{chart}'" in page


def test_figures_escape_every_label(shop_ctx):
    series = chart_data(shop_ctx)
    figures = {c.id: json.loads(c.figure_json) for c in charts(series, FINDINGS)}
    dag = figures["chart-dag"]
    names = [t for trace in dag["data"] for t in (trace.get("text") or [])]
    hovers = [h for trace in dag["data"] for h in (trace.get("hovertext") or [])]
    assert "&lt;img src=x onerror=alert(1)&gt;" in names and EVIL_NAME not in names
    assert any("&lt;img" in h for h in hovers) and not any("<img" in h for h in hovers)
    legend = [t["name"] for t in figures["chart-durations"]["data"]]
    assert "&lt;img src=x onerror=alert(1)&gt;" in legend


def test_series(shop_ctx):
    series = chart_data(shop_ctx)
    assert series.durations.filter(series.durations["unique_id"] == FCT)["execution_time"].to_list() == [10.0, 12.5, 30.0]
    assert series.test_runs.select("pass", "fail").rows() == [(1, 0), (1, 0), (0, 1)]
    assert series.freshness.row(0, named=True) | {} == {"unique_id": SRC, "name": "raw.orders", "status": "warn",
                                                       "age_hours": 30.0, "warn_hours": 24.0, "error_hours": 48.0}
    status = dict(series.dag_nodes.select("unique_id", "status").rows())
    assert status[EVIL_ID] == "error" and status[STG] == "success" and status[SRC] == "warn"
    assert "test.shop.not_null_fct_orders_id" not in status
    layers = dict(series.dag_nodes.select("unique_id", "layer").rows())
    assert layers["seed.shop.markets"] == "source" and layers["exposure.shop.crm_sync"] == "exposure"


def test_dag_layout_puts_layers_in_order(shop_ctx):
    series = chart_data(shop_ctx)
    pos = dag_layout(series.dag_nodes, series.dag_edges)
    assert pos[SRC][0] < pos[STG][0] < pos[FCT][0] < pos["model.shop.exp_orders_crm"][0] < pos["exposure.shop.crm_sync"][0]


def test_html_without_history_says_so(tmp_path):
    from tests.rules.helpers import make_context, node

    ctx = make_context(tmp_path, nodes=[node("model.p.a", layer="staging")])
    page = render("html", build_report(ctx, (), charts=True))
    assert "No model runs in the store yet" in page and "No freshness checks" in page
    assert "Plotly.newPlot('chart-dag'" in page


def test_html_opens_with_the_summary(shop_ctx):
    from console.scores.history import Trend

    trend = Trend({("project", ""): [3.0, 4.0]}, {"checks": {"error": 0, "warn": 0, "info": 0},
                                                     "structure": {"error": 2, "warn": 0, "info": 0}})
    data = build_report(shop_ctx, FINDINGS, rules=RULES, overview=True, trend=trend)
    page = render("html", data)
    parser = _Tags()
    parser.feed(page)
    assert {t for t, _ in parser.tags} <= ALLOWED_TAGS
    assert not any(k.startswith("on") for _, attrs in parser.tags for k in attrs)
    start, end = page.index('<section id="summary">'), page.index("</section>", page.index('<section id="summary">'))
    summary = page[start:end]
    assert start < page.index('<section id="findings">')  # at the top, before the findings
    ov = data.overview
    assert f"{ov.score:.1f}/10</span> health" in summary and "▃" in summary  # the score and its trend
    assert "5 findings (+3 since the last report)" in summary
    # counts by category and severity, with the change since the last report
    assert '<tr><td>checks</td><td class="n">1</td><td class="n">0</td><td class="n">0</td><td class="n">+1</td></tr>' in summary
    assert '<tr><td>structure</td><td class="n">1</td><td class="n">0</td><td class="n">0</td><td class="n">-1</td></tr>' in summary
    # the top findings by priority, highest first, each message escaped
    assert len(ov.top) == len(FINDINGS)
    places = [summary.index(f'<td class="p">{ov.priority[f.fingerprint]}</td><td class="sev">{f.severity}</td>'
                            f'<td class="rule">{f.rule}<br>') for f in ov.top]
    assert places == sorted(places)
    assert [ov.priority[f.fingerprint] for f in ov.top] == sorted(ov.priority.values(), reverse=True)
    assert "<script>" not in summary and "breaks out &lt;/script&gt;&lt;script&gt;alert(&#x27;x&#x27;)" in summary
    assert "Most frequent: " in summary
    without = render("html", build_report(shop_ctx, FINDINGS, rules=RULES))
    assert 'id="summary"' not in without  # a report built without the overview has none
