"""``console open``: the terminal UI, live on a project.

This module is imported by ``console --help``: textual is imported only inside the command.
"""

from __future__ import annotations

import click

from console.cli.options import location_options, resolve_locations
from console.cli.report_cmd import parse_now


@click.command("open")
@location_options
@click.option("--no-collect", is_flag=True, help="Open on the store as it is; do not collect in the background.")
@click.option("--no-watch", is_flag=True, help="Do not follow changes to the project.")
@click.option("--theme", type=click.Choice(["dark", "light"]), default="dark", show_default=True, help="Colour theme.")
@click.option("--now", "now_text", hidden=True, help="The time rules judge ages against (ISO); for tests.")
def open_ui(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file,
            no_collect: bool, no_watch: bool, theme: str, now_text: str | None) -> int:
    """Open the terminal console on a project: live, keyboard-first.

    It opens at once on the project's store, collects in the background, then follows
    changes (target/, the archive, models/, last-mile files, query logs). Keys: 1-6 and t
    switch screens, ctrl+p finds anything, ? shows the keys of a screen, q quits.
    """
    now = parse_now(now_text)
    loc = resolve_locations(project, artifacts, archive, lastmile, query_logs, warehouse, store, config_file)
    from console.tui.app import ConsoleApp

    ConsoleApp(loc, now=now, collect=not no_collect, live=not no_watch, theme=theme).run()
    return 0
