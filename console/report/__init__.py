"""Report renderers: one module per format, each a ``render(data) -> str`` over a ReportData.

A format's module is imported only when that format is asked for (the HTML one imports
plotly; the others import nothing heavy).

Example:
    >>> import datetime as dt
    >>> from console.report.model import ReportData
    >>> data = ReportData({"name": "shop"}, dt.datetime(2026, 1, 1), {"model": 2}, ())
    >>> render("github", data)
    ''
"""

from __future__ import annotations

import importlib

from console.report.model import ReportData

#: format name -> module under console.report, in the order ``--format`` lists them.
FORMATS: dict[str, str] = {
    "text": "text",
    "markdown": "markdown",
    "json": "json_format",
    "junit": "junit",
    "sarif": "sarif",
    "github": "github",
    "html": "html",
}


def render(fmt: str, data: ReportData, *, color: bool = False) -> str:
    """Render ``data`` in format ``fmt`` (a key of :data:`FORMATS`); ``color`` is for text only."""
    module = importlib.import_module(f"console.report.{FORMATS[fmt]}")
    if fmt == "text":
        return module.render(data, color=color)
    return module.render(data)
