"""The ``console`` command line.

Each command lives in its own module and is imported only when it runs (``console --help``
imports them all, but none imports textual or plotly at module level: the headless path stays
light). Exit codes follow :mod:`console.errors`: 0 clean, 1 findings at or above ``--fail-on``,
2 usage/configuration/input error (one line on stderr), 130 interrupted.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from console import __version__
from console.errors import EXIT_INPUT, EXIT_INTERRUPTED, InputError

#: command name -> "module:attribute" of its click command, in help order.
COMMANDS = {
    "collect": "console.cli.collect_cmd:collect",
    "report": "console.cli.report_cmd:report",
    "triage": "console.cli.triage_cmd:triage",
    "hotspots": "console.cli.hotspots_cmd:hotspots",
    "scores": "console.cli.scores_cmd:scores",
    "init": "console.cli.init_cmd:init",
    "open": "console.cli.open_cmd:open_ui",
    "rules": "console.cli.rules_cmd:rules",
    "explain": "console.cli.rules_cmd:explain",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name == module_name:  # that command is not part of this release yet
                return None
            raise
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="console")
def cli() -> None:
    """A data-ops observability console for dbt projects.

    Reads a dbt project's files, its run artifacts, last-mile files and query logs into a
    DuckDB store (.console/store.duckdb), judges them with rules, and reports: the DAG,
    freshness, failing checks, run history, and business logic living outside dbt.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the group, turning errors into one line on stderr and an exit code."""
    try:
        code = cli.main(args=argv, prog_name="console", standalone_mode=False)
    except InputError as e:
        click.echo(f"console: error: {e}", err=True)
        sys.exit(EXIT_INPUT)
    except click.exceptions.Abort:
        _interrupt_exit()
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_INPUT)
    except KeyboardInterrupt:
        _interrupt_exit()
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # DuckDB turns Ctrl-C inside a query into an error of its own
        if not _interrupted(e):
            raise
        _interrupt_exit()
    _exit(code or 0)


def _interrupt_exit() -> None:
    """Ctrl-C: one line, exit 130. The store was rolled back; the interpreter's teardown would
    only add noise (half-built objects of the interrupted work), so it is skipped."""
    click.echo("console: interrupted", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def _interrupted(error: BaseException) -> bool:
    """Ctrl-C as DuckDB reports it: its InterruptException, a "Query interrupted" error, or a
    KeyboardInterrupt raised inside a scan of a Python object and wrapped in its own error."""
    text = str(error)
    return type(error).__name__ == "InterruptException" or text.strip() == "Query interrupted" or "KeyboardInterrupt" in text


def _exit(code: int) -> None:
    """Exit; skip the interpreter's teardown when a collect left big parsed documents behind."""
    artifacts = sys.modules.get("collectors.artifact_phase")
    if artifacts is not None and artifacts.documents_kept():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
