"""``console hotspots``: layerinitis hotspots, ranked, headless.

Collects first (unless ``--no-collect``), then ranks the last-mile items with business logic
and the dbt nodes they rest on (:mod:`console.layerinitis.hotspots`, the same code the report and
the terminal UI use), each with why it ranks and where its logic belongs. Output goes to stdout;
the collect summary to stderr. Exit codes: 0, or 2 for input errors (130 interrupted).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from console.cli.options import location_options, resolve_locations

FORMATS = ("text", "json", "markdown")


@click.command()
@location_options
@click.option("--no-collect", is_flag=True, help="Rank what the store holds; do not collect first.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most N hotspots of each list.")
@click.option("--now", "now_text", hidden=True, help="The time ages are judged against (ISO); for tests.")
def hotspots(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file,
             no_collect: bool, fmt: str, limit: int | None, now_text: str | None) -> int:
    """Rank the layerinitis hotspots: business logic living outside the central dbt layer.

    PROJECT is a dbt project root or a folder holding dbt artifacts (default: the current
    folder). Lists the last-mile items with business logic (Hightouch, Census, LookML,
    Metabase, application code, notebooks) and the dbt nodes they rest on, highest score
    first, each with why it ranks and where its logic belongs. The score is explained in
    docs/layerinitis.md.
    """
    import orjson

    from console.cli.report_cmd import parse_now, use_color
    from console.layerinitis import duplicate_rules, items
    from console.layerinitis import hotspots as rank
    from console.layerinitis import render
    from rules.context import Context

    from console.errors import InputError
    from console.layerinitis.weights import HotspotWeights

    now = parse_now(now_text)
    loc = resolve_locations(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file)
    try:  # a bad [hotspots] table is a configuration error, before any work
        weights = HotspotWeights.from_settings(loc.config.settings())
    except ValueError as e:
        raise InputError(loc.config.source, str(e)) from None
    if not no_collect:
        from collectors.pipeline import collect

        summary = collect(loc, progress=sys.stderr.isatty())
        click.echo(summary.to_text(), err=True)

    ctx = Context.from_store(loc.store, now=now, settings=loc.config.settings())
    ranked = rank(ctx, weights)
    if not items(ctx):
        click.echo("console: note: no last-mile files were collected: give --lastmile PATH, or "
                   "[paths] lastmile in console.toml, or put them in PROJECT/lastmile/", err=True)
    duplicates = duplicate_rules(ctx)
    name = ctx.project.get("name") or loc.project.name
    title = f"Layerinitis hotspots of {name}: {len(ranked['items'])} last-mile items, {len(ranked['nodes'])} dbt nodes"
    if fmt == "json":
        doc = render.to_json(ranked, duplicates, project={**ctx.project, "root": str(loc.project)},
                             generated_at=ctx.now, limit=limit)
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif fmt == "markdown":
        sys.stdout.write(render.to_markdown(ranked, title=title, limit=limit, duplicates=duplicates))
    elif use_color("text", None):
        render.print_rich(ranked, title=title, limit=limit, duplicates=duplicates)
    else:
        width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
        sys.stdout.write(render.to_text(ranked, title=title, limit=limit, width=width, duplicates=duplicates))
    sys.stdout.flush()
    return 0
