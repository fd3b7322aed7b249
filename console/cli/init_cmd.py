"""``console init``: write a ``console.toml`` that fits the project, and with ``--baseline`` today's findings.

It collects the project (unless ``--no-collect``), reads its layers off its folders and name
prefixes and its production exposure types off its exposures (console/init/detect.py), writes
``PROJECT/console.toml`` with each choice explained in a comment, and prints the same
explanations on stderr. ``--baseline`` also writes ``PROJECT/console-baseline.json`` (a JSON
report of today's findings, judged with the new configuration) and points ``[report]
baseline`` at it, so ``console report`` shows only new problems from then on. An existing
``console.toml`` or baseline is never overwritten without ``--force``; ``--force`` regenerates
only what init writes (``[production]``, ``[layers]``, and with ``--baseline`` the ``baseline``
key of ``[report]``) and keeps every other table as written, comments included
(:func:`console.init.toml_text.merged_text`), saying which. The written file is validated by
loading it before it replaces anything.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from console.errors import EXIT_OK, InputError

CONFIG_NAME = "console.toml"
BASELINE_NAME = "console-baseline.json"


def _say(message: str) -> None:
    click.echo(f"console init: {message}", err=True)


@click.command()
@click.argument("project", required=False, type=click.Path(path_type=Path), default=None)
@click.option("--baseline", is_flag=True, help=f"Also write today's findings to {BASELINE_NAME} and point [report] baseline at it.")
@click.option("--force", is_flag=True, help="Replace an existing console.toml's [production] and [layers] (its other tables are kept) and the baseline.")
@click.option("--no-collect", is_flag=True, help="Read the store as it is; do not collect first.")
@click.option("--store", type=click.Path(path_type=Path), help="Store file (default: $CONSOLE_STORE or PROJECT/.console/store.duckdb).")
@click.option("--now", "now_text", hidden=True, help="The time rules judge ages against (ISO); for tests.")
def init(project: Path | None, baseline: bool, force: bool, no_collect: bool, store: Path | None, now_text: str | None) -> int:
    """Write a console.toml that fits PROJECT: its layers, its production exposures, a baseline.

    Prints what it chose and why on stderr; the file is the output.
    """
    from console.cli.options import resolve_locations
    from console.cli.report_cmd import parse_now
    from console.init.toml_text import merged_text

    now = parse_now(now_text)
    root = (project or Path.cwd()).resolve()
    target = root / CONFIG_NAME
    baseline_path = root / BASELINE_NAME
    for path, wanted in ((target, True), (baseline_path, baseline)):
        if wanted and path.exists() and not force:
            raise InputError(path, "exists already; `console init --force` overwrites it")
    old_text = _existing(target) if force else None
    with tempfile.TemporaryDirectory() as tmp:
        # what init writes plays no part in what it detects: the collect reads the tables it
        # keeps (where the artifacts are, what is excluded), in the project folder so that
        # relative paths mean the same
        kept_only = merged_text(old_text, "", None)[0] if old_text is not None else ""
        start = Path(tmp) / CONFIG_NAME
        if kept_only.strip():
            start = root / f".console-init-{os.getpid()}.toml"
        start.write_text(kept_only, encoding="utf-8")
        try:
            loc = resolve_locations(project, store=store, config_file=start)
        finally:
            if start.parent == root:
                start.unlink(missing_ok=True)
        if not no_collect:
            from collectors.pipeline import collect

            click.echo(collect(loc, progress=sys.stderr.isatty(), keep_documents=True).to_text(), err=True)
        from console.init import config_text, detect_layers, detect_production
        from rules.context import Context

        ctx = Context.from_store(loc.store, now=now)
        layers = detect_layers(ctx.frames["nodes"])
        production = detect_production(ctx.frames["nodes"])
        text = config_text(layers, production, BASELINE_NAME if baseline else None)
        kept: list[str] = []
        if old_text is not None:
            text, kept = merged_text(old_text, text, BASELINE_NAME if baseline else None)
        _write_validated(target, text)
    for choice in layers:
        _say(choice.why())
    if not layers:
        _say("layers: no folder or prefix of a known layer; the defaults apply (see collectors/layers.py)")
    _say(production.why())
    if kept:
        _say(f"kept {', '.join(kept)} as written (--force regenerates only [production] and [layers]"
             + (" and [report] baseline)" if baseline else ")"))
    _say(f"wrote {target}")
    if baseline:
        count = _write_baseline(root, loc, ctx, baseline_path, now)
        _say(f"wrote {baseline_path}: {count} finding{'s' if count != 1 else ''} known today; "
             "`console report` now shows only new ones (`--no-baseline` shows all)")
    return EXIT_OK


def _existing(target: Path) -> str | None:
    """The text of the configuration ``--force`` replaces (None: there is none).

    Raises:
        InputError: it cannot be read, or is not valid TOML (then nothing could be kept).
    """
    from console.init.toml_text import merged_text

    if not target.exists():
        return None
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(target, f"cannot read it: {getattr(e, 'strerror', None) or e}") from None
    try:
        merged_text(text, "", None)
    except ValueError as e:
        raise InputError(target, str(e)) from None
    return text


def _write_validated(target: Path, text: str) -> None:
    """Write ``text`` next to ``target``, load it as configuration, then move it into place."""
    from console.config import load_config

    fd, tmp_name = tempfile.mkstemp(prefix=".console-init-", suffix=".toml", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        load_config(target.parent, tmp)  # an error here is a bug of init: it names the file
        os.replace(tmp, target)
    except OSError as e:
        raise InputError(target, f"cannot write: {e.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _write_baseline(root: Path, loc, ctx, path: Path, now) -> int:
    """Judge the project with the new configuration and write the JSON report of its findings."""
    from collectors.layers import classify_layers, layer_rules_from_config
    from console.config import load_config
    from console.report import render
    from console.report.model import build_report, rule_infos
    from rules.context import Context
    from rules.engine import evaluate

    config = load_config(root)
    nodes = ctx.frames["nodes"]
    if config.layers:  # the store's layers were classified with the previous configuration
        nodes = nodes.with_columns(classify_layers(nodes, layer_rules_from_config(config.layers)).alias("layer"))
    judged = Context({**ctx.frames, "nodes": nodes}, now=ctx.now, settings=config.settings())
    evaluation = evaluate(judged, config, today=now.date() if now else None)
    data = build_report(judged, evaluation.findings, rules=rule_infos(evaluation.rules_run),
                        suppressed=evaluation.suppressed, expired=evaluation.expired, project_root=root)
    try:
        path.write_text(render("json", data), encoding="utf-8")
    except OSError as e:
        raise InputError(path, f"cannot write the baseline: {e.strerror}") from None
    return len(data.findings)
