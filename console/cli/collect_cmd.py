"""``console collect``: read everything into the store; one summary on stderr."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from console.cli.options import location_options, resolve_locations


@click.command()
@location_options
@click.option("--no-sql-facts", is_flag=True, help="Skip the SQL-facts phase (sqlglot over every model).")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def collect(project: Path | None, artifacts, archive, lastmile, query_logs, warehouse, store, config_file, no_sql_facts: bool, quiet: bool) -> None:
    """Read the project, its dbt artifacts and history into the store.

    PROJECT is a dbt project root or any folder holding dbt artifacts (default: the current
    folder). History accumulates: every run_results and sources file ever collected stays;
    collecting the same file twice adds nothing. A bad input leaves the store as it was.
    """
    from collectors.pipeline import collect as run_collect

    loc = resolve_locations(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file)
    summary = run_collect(loc, progress=sys.stderr.isatty(), sql_facts=not no_sql_facts, keep_documents=True)
    if not quiet:
        click.echo(summary.to_text(), err=True)
