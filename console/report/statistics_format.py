"""``console report --statistics``: findings per rule, instead of the findings, as ruff prints them.

Text (one line per rule, most first; ``[*]`` marks rules fixable by configuration, see
:mod:`console.ranking.statistics`)::

     116  FRS002  [*] missing-source-freshness
      40  STR018  [*] undocumented-models
       1  CHK001      failing-test
    157 findings · [*] fixable by configuration (yml or console.toml), no SQL or data change

JSON: the list of ``{rule, name, category, severity, count, fixable_by_config}`` (the JSON
report carries the same list as ``statistics``). Markdown: a table.
"""

from __future__ import annotations

import orjson

from console.report.json_format import statistics
from console.report.markdown import escape
from console.report.model import ReportData
from console.report.text import clean, plural

_LEGEND = "[*] fixable by configuration (yml or console.toml), no SQL or data change"


def render_statistics(fmt: str, data: ReportData, *, color: bool = False) -> str:
    """The statistics of ``data`` in ``fmt`` (text, markdown or json)."""
    rows = statistics(data)
    total = sum(r["count"] for r in rows)
    if fmt == "json":
        return orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "markdown":
        out = ["| Count | Rule | Name | Fixable by config |", "| ---: | --- | --- | --- |"]
        out += [f"| {r['count']} | `{escape(r['rule'])}` | {escape(r['name'])} | {'yes' if r['fixable_by_config'] else 'no'} |"
                for r in rows]
        return "\n".join([*out, "", f"{plural(total, 'finding')}"]) + "\n"
    width = max((len(str(r["count"])) for r in rows), default=1)
    lines = [f"{r['count']:>{width}}  {clean(r['rule']):<7} {'[*]' if r['fixable_by_config'] else '   '} {clean(r['name'])}"
             for r in rows]
    tail = plural(total, "finding") + (f" · {_LEGEND}" if any(r["fixable_by_config"] for r in rows) else "")
    if color:
        tail = f"\x1b[2m{tail}\x1b[0m"
    return "\n".join([*lines, tail]) + "\n"
