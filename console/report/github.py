"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

``::error file=models/x.sql,line=1,title=CHK001 failing-test::message`` (``warning`` for warn,
``notice`` for info). Paths are relative to the repository root. Escaping follows GitHub's
runner: in the message ``%``, ``\\r`` and ``\\n`` are percent-encoded; in properties ``:`` and
``,`` are too, so no name can end a property or start a new command.

Example:
    >>> escape_property("a:b,c%")
    'a%3Ab%2Cc%25'
"""

from __future__ import annotations

from console.report.model import ReportData
from console.textsafe import clean

COMMANDS = {"error": "error", "warn": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    r"""A command's message: ``%``, ``\r``, ``\n`` percent-encoded.

    Example:
        >>> escape_data("50% done\nnext")
        '50%25 done%0Anext'
    """
    return clean(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))  # then ESC, NUL... shown


def escape_property(text: str) -> str:
    """A property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def line(data: ReportData, f) -> str:
    """One finding's workflow command."""
    props = []
    if f.path:
        props.append(f"file={escape_property(data.repo_path(f.path))}")
        if f.line:
            props.append(f"line={int(f.line)}")
    props.append(f"title={escape_property(f'{f.rule} {f.name}')}")
    message = f.message + (f"\nHint: {f.hint}" if f.hint else "")
    return f"::{COMMANDS.get(f.severity, 'warning')} {','.join(props)}::{escape_data(message)}"


def render(data: ReportData) -> str:
    """One workflow command per finding (nothing when there is none)."""
    return "".join(line(data, f) + "\n" for f in data.findings)
