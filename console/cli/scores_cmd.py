"""``console scores``: health scores from 0 to 10, worst first, with their trend.

``--by model`` (the default), ``source``, ``folder`` or ``owner``; the project's score heads
the list. Like ``report`` it collects first unless ``--no-collect``, and the first run after a
collect records that collect's scores, so the trend grows with every collect
(console/scores/history.py). The formula and its weights: docs/scores.md.
"""

from __future__ import annotations

import sys

import click
import orjson

from console.cli.options import location_options, resolve_locations
from console.errors import EXIT_OK
from console.gc_pause import gc_paused

BY = ("model", "source", "folder", "owner")
FORMATS = ("text", "json", "markdown")


@click.command()
@location_options
@click.option("--by", "scope", type=click.Choice(BY), default="model", show_default=True, help="What to score.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--limit", type=click.IntRange(min=0), default=0, help="Show only the N worst (0: all).")
@click.option("--no-collect", is_flag=True, help="Score the store as it is; do not collect first.")
@click.option("--now", "now_text", hidden=True, help="The time rules judge ages against (ISO); for tests.")
def scores(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file,
           scope: str, fmt: str, limit: int, no_collect: bool, now_text: str | None) -> int:
    """Health scores (0-10) of models, sources, folders or owners, worst first, with their trend.

    A score mixes coverage (tests, descriptions, column docs, owner, contracts on interfaces,
    source freshness) with the findings against the node; see docs/scores.md.
    """
    from console.cli.report_cmd import parse_now
    from console.scores import score_nodes, score_weights
    from console.scores.history import record, trend_from_frames
    from console.store.score_history import history_readers
    from rules.context import Context
    from rules.engine import evaluate

    now = parse_now(now_text)
    loc = resolve_locations(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file)
    weights = score_weights(loc.config.scores, loc.config.source)
    if not no_collect:
        from collectors.pipeline import collect

        click.echo(collect(loc, progress=sys.stderr.isatty(), keep_documents=True).to_text(), err=True)
    with gc_paused():
        ctx = Context.from_store(loc.store, now=now, settings=loc.config.settings(),
                                 extra=history_readers(("project", scope)))  # the trend, in the same visit
        evaluation = evaluate(ctx, loc.config, today=now.date() if now else None)
        result = score_nodes(ctx, evaluation.findings, weights)
    trend, collect_id = trend_from_frames(ctx.frames)
    if not no_collect:
        from console.report.overview import category_counts

        record(loc.store, loc.project, result, collect_id, category_counts(evaluation.findings))
    items = list(result.by(scope))
    if limit:
        items = items[:limit]
    name = ctx.project.get("name") or loc.project.name
    render = {"text": _text, "json": _json, "markdown": _markdown}[fmt]
    sys.stdout.write(render(name, result, items, scope, trend))
    return EXIT_OK


def _key(item) -> str:
    return getattr(item, "unique_id", None) or item.key


def _label(item) -> str:
    return getattr(item, "name", None) if hasattr(item, "unique_id") else item.key


def _detail(item) -> str:
    if hasattr(item, "unique_id"):
        missing = f"missing {', '.join(item.missing)}" if item.missing else "full coverage"
        found = f"{item.findings} finding{'s' if item.findings != 1 else ''}"
        return f"{found}; {missing}"
    return f"{item.nodes} node{'s' if item.nodes != 1 else ''}; worst {item.worst}"


def _text(name, result, items, scope, trend) -> str:
    from console.report.text import clean

    head = f"{clean(name)}: health {result.project:.1f}/10" if result.project is not None else f"{clean(name)}: nothing to score"
    line = trend.line("project", "", result.project)
    out = [head + (f"  {line}" if line else ""), ""]
    width = min(48, max((len(clean(_label(i))) for i in items), default=10))
    for item in items:
        label = clean(_label(item))
        t = trend.line(scope, _key(item), item.score)
        out.append(f"{item.score:4.1f}  {label:<{width}}  {t:<14}  {clean(_detail(item))}".rstrip())
    if not items:
        out.append(f"no {scope}s to score")
    return "\n".join(out) + "\n"


def _json(name, result, items, scope, trend) -> str:
    def entry(item) -> dict:
        d = item.to_dict()
        d["previous"] = trend.past.get((scope, _key(item)), [None])[-1]
        d["history"] = trend.past.get((scope, _key(item)), [])
        return d

    doc = {
        "project": {"name": name, "score": result.project, "history": trend.past.get(("project", ""), [])},
        "by": scope,
        "items": [entry(i) for i in items],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def _markdown(name, result, items, scope, trend) -> str:
    from console.report.markdown import escape

    score = f"{result.project:.1f}/10" if result.project is not None else "n/a"
    line = trend.line("project", "", result.project)
    out = [f"## Health of {escape(name)}: {score}" + (f" {line}" if line else ""), "",
           f"| Score | {scope.capitalize()} | Trend | Detail |", "| ---: | --- | --- | --- |"]
    for item in items:
        out.append(f"| {item.score:.1f} | {escape(_label(item))} | {trend.line(scope, _key(item), item.score)} | "
                   f"{escape(_detail(item))} |")
    return "\n".join(out) + "\n"
