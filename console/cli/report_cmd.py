"""``console report``: collect (unless ``--no-collect``), evaluate the rules, write a report.

The report goes to stdout or ``--output``; diagnostics (the collect summary, findings hidden by
the baseline, expired exceptions, selectors that matched nothing, rules that crashed) go to
stderr. Exit code: 1 when a finding at or above ``--fail-on`` remains after selection and
baseline, else 0 (always 0 with ``--exit-zero``); 2 for input errors.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from console.cli.options import location_options, resolve_locations
from console.errors import EXIT_FINDINGS, EXIT_OK, InputError
from console.gc_pause import gc_paused
from console.report import FORMATS

FAIL_ON = ("error", "warn", "info", "never")
#: The formats ``--statistics`` prints in.
STATISTICS_FORMATS = ("text", "markdown", "json")
_RANK = {"info": 1, "warn": 2, "error": 3}


def parse_now(value: str | None) -> dt.datetime | None:
    """``--now``: an ISO date or time; aware times are converted to naive UTC.

    Example:
        >>> parse_now("2026-11-07T09:30:00+01:00")
        datetime.datetime(2026, 11, 7, 8, 30)
    """
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(None, f"--now must be an ISO date or time like 2026-01-01T00:00:00Z, not {value!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def exit_code(severities: list[str], fail_on: str, exit_zero: bool) -> int:
    """1 when a severity reaches ``fail_on`` (and not ``exit_zero``), else 0.

    Example:
        >>> exit_code(["warn"], "error", False), exit_code(["warn"], "warn", False), exit_code(["error"], "never", False)
        (0, 1, 0)
    """
    if exit_zero or fail_on == "never":
        return EXIT_OK
    threshold = _RANK[fail_on]
    return EXIT_FINDINGS if any(_RANK.get(s, 0) >= threshold for s in severities) else EXIT_OK


def use_color(fmt: str, output: Path | None) -> bool:
    """Colour only for text on a terminal, and never when ``NO_COLOR`` is set (non-empty)."""
    return fmt == "text" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(output, f"cannot write the report: {e.strerror}") from None


def _warn(message: str) -> None:
    """One diagnostic line on stderr; untrusted parts (reasons, selectors, names) cannot break
    the line or reach the terminal as escape sequences."""
    from console.textsafe import one_line

    click.echo(f"console: {one_line(message)}", err=True)


@click.command()
@location_options
@click.option("--no-collect", is_flag=True, help="Report on the store as it is; do not collect first.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE (default: stdout).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
              help="Exit 1 when a finding at or above this severity remains.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="An earlier JSON report: hide the findings it holds (matched by fingerprint; default: [report] baseline).")
@click.option("--no-baseline", is_flag=True, help="Ignore the configured [report] baseline: report every finding.")
@click.option("-s", "--select", multiple=True,
              help="dbt selector of nodes to report on, or rule:ID for one rule's findings; repeatable, space-separated.")
@click.option("--exclude", multiple=True, help="dbt selector of nodes (or rule:ID) to leave out; repeatable, space-separated.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings (text, markdown, json).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (input errors still exit 2).")
@click.option("--now", "now_text", hidden=True, help="The time rules judge ages against (ISO); for tests.")
def report(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file,
           no_collect: bool, fmt: str, output: Path | None, fail_on: str, baseline: Path | None, no_baseline: bool,
           select: tuple[str, ...], exclude: tuple[str, ...], statistics: bool, exit_zero: bool,
           now_text: str | None) -> int:
    """Evaluate the rules and write a report of the findings.

    PROJECT is a dbt project root or a folder holding dbt artifacts (default: the current
    folder). Selectors follow dbt: `name`, `+name`, `name+`, `2+name`, `@name`, `tag:x`,
    `path:models/marts`, `tag:a,path:models/x` (intersection); see docs/report-formats.md.
    """
    from console.report.baseline import load_baseline_report
    from console.report.rule_select import split_terms
    from console.selectors import parse_selectors

    now = parse_now(now_text)
    if statistics and fmt not in STATISTICS_FORMATS:
        raise click.UsageError(f"--statistics prints text, markdown or json, not {fmt}")
    parse_selectors(split_terms(select)[0], "--select")  # syntax errors before any work
    parse_selectors(split_terms(exclude)[0], "--exclude")
    loc = resolve_locations(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file)
    if baseline is None and not no_baseline:
        baseline = loc.config.baseline
    known = load_baseline_report(baseline) if baseline is not None else None

    if not no_collect:
        from collectors.pipeline import collect

        summary = collect(loc, progress=sys.stderr.isatty(), keep_documents=True)
        click.echo(summary.to_text(), err=True)

    with gc_paused():  # a report builds many small objects and no cycles worth collecting
        data = _evaluate(loc, now, fmt, select, exclude, known, collected=not no_collect)
    if statistics:
        from console.report.statistics_format import render_statistics

        text = render_statistics(fmt, data, color=use_color(fmt, output))
    else:
        from console.report import render

        text = render(fmt, data, color=use_color(fmt, output))
    _write(text, output)
    return exit_code([f.severity for f in data.findings], fail_on, exit_zero)


def _evaluate(loc, now, fmt, select, exclude, known, *, collected: bool = False):
    """Context, rules, selection and baseline -> ReportData (diagnostics on stderr).

    Text, Markdown and HTML open with the summary (the project's score); JSON carries every score.
    After a collect, the first text, Markdown, HTML or JSON report records the collect's scores
    (console/scores/history.py).
    """
    from console.ranking import priority_weights
    from console.report.hotspots_section import wanted as hotspots_wanted
    from console.report.model import build_report, rule_infos
    from console.report.rule_select import has_rule_atoms, select_findings
    from console.scores import score_weights
    from console.selectors import select_nodes
    from rules.context import Context
    from rules.engine import evaluate

    p_weights = priority_weights(loc.config.priority, loc.config.source)  # config errors before any work
    s_weights = score_weights(loc.config.scores, loc.config.source)
    hotspots = hotspots_wanted(loc.config, fmt)  # a bad [hotspots] table too
    summary = fmt in ("text", "markdown", "html")
    scores = fmt == "json" or (summary and collected)  # a summary alone needs the project's score only
    history = summary or (scores and collected)
    extra = None
    if history:  # read in the same visit as the context: opening the store is most of a visit's cost
        from console.store.score_history import history_readers

        extra = history_readers(("project",))
    ctx = Context.from_store(loc.store, now=now, settings=loc.config.settings(), extra=extra)
    evaluation = evaluate(ctx, loc.config, today=now.date() if now else None)
    infos = rule_infos(evaluation.rules_run)
    selection = None
    if has_rule_atoms(select) or has_rule_atoms(exclude):
        selection = select_findings(ctx.graph, ctx.frames["nodes"], select, exclude,
                                    [*(r.id for r in infos), *(r.name for r in infos)])
    elif select or exclude:
        selection = select_nodes(ctx.graph, ctx.frames["nodes"], select, exclude)
    for atom in selection.unmatched if selection is not None else ():
        _warn(f"warning: selector `{atom}` matched no {'rule' if atom.startswith('rule:') else 'node'}")
    trend, collect_id = None, None
    if history:
        from console.scores.history import trend_from_frames

        trend, collect_id = trend_from_frames(ctx.frames)
    fingerprints, baseline_counts = known if known is not None else (None, None)
    data = build_report(
        ctx, evaluation.findings, rules=infos, suppressed=evaluation.suppressed,
        expired=evaluation.expired, selection=selection, baseline=fingerprints, project_root=loc.project,
        charts=fmt == "html", priority_weights=p_weights, scores=scores, score_weights=s_weights,
        overview=summary, trend=trend, baseline_counts=baseline_counts, hotspots=hotspots,
    )
    if collected and data.scores is not None:
        from console.report.overview import category_counts
        from console.scores.history import record

        record(loc.store, loc.project, data.scores, collect_id, category_counts(evaluation.findings))
    for finding in evaluation.rule_errors:
        _warn(f"warning: {finding.message}")
    if data.hidden_by_baseline:
        n = data.hidden_by_baseline
        _warn(f"{n} finding{'s' if n != 1 else ''} hidden by baseline")
    for finding, exc in data.expired:
        _warn(f"exception for {finding.rule} on {finding.node or 'the project'} expired on {exc.expires.isoformat()}: {exc.reason}")
    return data
