"""Errors that reach a person, and the exit codes of the command line.

Every failure a user can cause (a bad file, a bad option, a bad configuration) is raised as an
:class:`InputError`; the command line prints it as one line on stderr and exits with
:data:`EXIT_INPUT`. Nothing else is caught broadly inside the console; the command line's last
resort turns a bug into one line ``console: internal error: ...`` naming a file that holds the
traceback, also with exit 2 (``CONSOLE_DEBUG=1`` shows the traceback instead). Tests treat an
internal error as a failure.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


class InputError(Exception):
    """A problem with something the user gave us: a file, an option, a configuration.

    Args:
        path: the file (or folder) at fault, if there is one.
        problem: what is wrong, as a short sentence fragment.

    Example:
        >>> str(InputError("target/manifest.json", "not valid JSON (line 1, column 2)"))
        'target/manifest.json: not valid JSON (line 1, column 2)'
        >>> str(InputError(None, "--fail-on must be one of error, warn, info, never"))
        '--fail-on must be one of error, warn, info, never'
    """

    def __init__(self, path: str | Path | None, problem: str):
        from console.textsafe import one_line

        # always one line, whatever the file name or the problem holds (newlines, escapes, NULs)
        self.path = None if path is None else one_line(path)
        self.problem = one_line(" ".join(str(problem).split()))
        super().__init__(self.problem if self.path is None else f"{self.path}: {self.problem}")


class StoreBusyError(InputError):
    """The store is held by another process longer than we are willing to wait."""
