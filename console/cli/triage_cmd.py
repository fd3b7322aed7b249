"""``console triage``: root cause, blast radius and recent changes of a node or of the latest run.

Collects first (unless ``--no-collect``), evaluates the rules as ``console report`` does (the
warehouse findings are triage evidence), reads the extra tables triage needs
(:func:`console.triage.load_extras`), and renders :mod:`console.triage` as text, markdown or
JSON. Never imports textual.

Exit code: 1 when the triaged node, or the latest run, is at or above ``--fail-on`` (default
``error``): a node's level is the worst of its own status and its root causes (a model that
built fine on top of a source whose freshness errors is at ``error``); a run's level is the
worst of its failure groups. 0 otherwise (always with ``--exit-zero``); 2 for an unknown node
or any input error.
"""

from __future__ import annotations

import sys

import click

from console.cli.options import location_options, resolve_locations
from console.cli.report_cmd import FAIL_ON, _write, exit_code, parse_now, use_color
from console.errors import InputError

FORMATS = ("text", "json", "markdown")


@click.command()
@location_options
@click.option("-n", "--node", "node_text", help="A node's name or unique_id (default: triage the latest run).")
@click.option("--no-collect", is_flag=True, help="Triage the store as it is; do not collect first.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
              help="Exit 1 when the node (with its root causes) or the run is at or above this level.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when failing (input errors still exit 2).")
@click.option("--now", "now_text", hidden=True, help="Triage as of this time (ISO): later runs are ignored; for tests.")
def triage(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file,
           node_text: str | None, no_collect: bool, fmt: str, fail_on: str, exit_zero: bool, now_text: str | None) -> int:
    """Root causes, blast radius and what changed: of one node, or of the latest run's failures.

    NODE is a name (`stg_orders`, `raw.orders` for a source) or a unique_id. Without --node,
    the latest run's failures are grouped by their shared root cause, worst first. See
    docs/triage.md.
    """
    from console.gc_pause import gc_paused

    now = parse_now(now_text)
    loc = resolve_locations(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file)
    if not no_collect:
        from collectors.pipeline import collect

        summary = collect(loc, progress=sys.stderr.isatty(), keep_documents=True)
        click.echo(summary.to_text(), err=True)
    with gc_paused():
        text, level = _triage(loc, now, node_text, fmt)
    _write(text, None)
    return exit_code([level] if level in ("error", "warn") else [], fail_on, exit_zero)


def _triage(loc, now, node_text, fmt) -> tuple[str, str]:
    from console.triage import Triage, find_node, load_extras
    from rules.context import Context
    from rules.engine import evaluate

    ctx = Context.from_store(loc.store, now=now, settings=loc.config.settings())
    evaluation = evaluate(ctx, loc.config, today=now.date() if now else None)
    triage = Triage(ctx, evaluation.findings, load_extras(loc.store, code=node_text is not None), as_of=now)
    generated = ctx.now
    if node_text is not None:
        if not node_text.strip():
            raise InputError("--node", "give a node's name or unique_id")
        result = triage.node(find_node(triage.signals.refs, node_text.strip()))
        return _render_node(result, ctx.project, generated, fmt), result.level
    result = triage.run()
    return _render_run(result, ctx.project, generated, fmt), result.level


def _render_node(result, project, generated, fmt) -> str:
    if fmt == "json":
        from console.triage.json_format import dumps, node_document

        return dumps(node_document(result, project, generated))
    if fmt == "markdown":
        from console.triage.markdown import render_node

        return render_node(result)
    from console.triage.text import node_renderables, to_text

    return to_text(node_renderables(result), color=use_color("text", None), width=_width())


def _render_run(result, project, generated, fmt) -> str:
    if fmt == "json":
        from console.triage.json_format import dumps, run_document

        return dumps(run_document(result, project, generated))
    if fmt == "markdown":
        from console.triage.markdown import render_run

        return render_run(result)
    from console.triage.text import run_renderables, to_text

    return to_text(run_renderables(result), color=use_color("text", None), width=_width())


def _width() -> int:
    """The terminal's width (80 when piped, at most 120 so lines stay readable)."""
    import shutil

    if not sys.stdout.isatty():
        return 80
    return max(60, min(120, shutil.get_terminal_size((80, 24)).columns))
