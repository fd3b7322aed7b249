"""The ``console`` command line.

Each command lives in its own module and is imported only when it runs (``console --help``
imports them all, but none imports textual or plotly at module level: the headless path stays
light). Exit codes follow :mod:`console.errors`: 0 clean, 1 findings at or above ``--fail-on``,
2 usage/configuration/input error (one line on stderr), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
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


class _HeldStderr(io.TextIOBase):
    """Stands in for stderr while a command runs: diagnostics wait until the command ends.

    On success (exit 0 or 1) they are written out in order; when the command fails on bad input
    they are dropped, so exit code 2 always comes with exactly one line on stderr, the error.
    Progress bars and the terminal UI write to the real stream (``sys.__stderr__``) and are not
    held.
    """

    def __init__(self, real):
        super().__init__()
        self.real = real
        self.parts: list[str] = []

    def write(self, text: str | bytes) -> int:
        self.parts.append(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
        return len(text)

    def isatty(self) -> bool:
        return self.real.isatty()

    def fileno(self) -> int:
        return self.real.fileno()

    @property
    def encoding(self):  # type: ignore[override]
        return getattr(self.real, "encoding", "utf-8")

    def release(self) -> None:
        """Write what was held to the real stream and stand aside."""
        sys.stderr = self.real
        if self.parts:
            self.real.write("".join(self.parts))
            self.parts.clear()
        with contextlib.suppress(OSError, ValueError):
            self.real.flush()

    def drop(self) -> None:
        sys.stderr = self.real
        self.parts.clear()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the group, turning errors into one line on stderr and an exit code.

    Args:
        argv: the arguments; None (the real command line) also ends the process without the
            interpreter's teardown, which only adds noise (DuckDB's bindings report objects
            still alive at exit) once the output is flushed.
    """
    global _HARD_EXIT
    _HARD_EXIT = argv is None
    held = _HeldStderr(sys.stderr)
    sys.stderr = held
    try:
        code = cli.main(args=argv, prog_name="console", standalone_mode=False)
        _flush_stdout()
    except InputError as e:
        _fail(held, f"console: error: {e}")
    except click.exceptions.Abort:
        held.drop()
        _interrupt_exit()
    except click.ClickException as e:
        _fail(held, f"console: error: {_usage_line(e)}")
    except KeyboardInterrupt:
        held.drop()
        _interrupt_exit()
    except BrokenPipeError:
        held.release()
        _quiet_exit(0)
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG):
            held.release()
            raise
        _fail(held, f"console: error: cannot write the output: {e.strerror}")
    except Exception as e:  # DuckDB turns Ctrl-C inside a query into an error of its own
        if _interrupted(e):
            held.drop()
            _interrupt_exit()
        if os.environ.get("CONSOLE_DEBUG"):
            held.release()
            raise
        _fail(held, f"console: internal error: {_crash_report(e)}")
    held.release()
    _exit(code or 0)


def _crash_report(error: BaseException) -> str:
    """A bug, as one line naming a file that holds the traceback (``CONSOLE_DEBUG=1`` shows it
    instead). The store is safe: a collect's transaction was rolled back before this runs."""
    import tempfile
    import traceback

    from console.textsafe import one_line

    what = one_line(f"{type(error).__name__}: {error}")[:300]
    try:
        fd, path = tempfile.mkstemp(prefix="console-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(f"console {__version__}\nargv: {sys.argv!r}\n\n")
            traceback.print_exception(error, file=fh)
    except OSError:
        return f"{what} (set CONSOLE_DEBUG=1 for the traceback)"
    return f"{what} (traceback in {path}; please report it)"


def _flush_stdout() -> None:
    """Flush stdout inside the error handling (a full disk or a closed pipe shows here, not as
    a traceback at interpreter exit)."""
    sys.stdout.flush()


def _usage_line(error: click.ClickException) -> str:
    """A click error as one line: the message, and where help is for a usage error.

    Example:
        >>> _usage_line(click.UsageError("No such option: --x"))
        'No such option: --x'
    """
    from console.textsafe import one_line

    message = one_line(error.format_message()).rstrip(".")
    ctx = getattr(error, "ctx", None)
    if isinstance(error, click.UsageError) and ctx is not None:
        message += f" (see `{ctx.command_path} --help`)"
    return message


def _fail(held: _HeldStderr, line: str) -> None:
    """Exit 2 with exactly one line on stderr (what the command said before is dropped)."""
    held.drop()
    click.echo(line, err=True)
    _quiet_exit(EXIT_INPUT)


_HARD_EXIT = False


def _quiet_exit(code: int) -> None:
    """Exit without the interpreter complaining that stdout cannot be flushed (a closed pipe,
    a full disk): the error, if any, was said already."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            sys.stderr.flush()
        os._exit(code)
    if _HARD_EXIT:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


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
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    _quiet_exit(code)
