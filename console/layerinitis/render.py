"""Hotspots as text, Markdown and JSON: what ``console hotspots`` prints.

The JSON shape (stable, ``schema_version`` 1) is documented in ``docs/layerinitis.md``. Text
fits an 80-column terminal: the ranked items, then the business rules found in several places
(every place named), then the ranked nodes; each hotspot is a numbered headline with its
score, then indented lines (where, logic, why, belongs) wrapped to the width. Untrusted text (names, SQL, paths) has
its control characters escaped in text, is Markdown-escaped in Markdown, and reaches Rich only
as :class:`rich.text.Text` (never as markup).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping
from typing import Any

from console.layerinitis.duplicates import DuplicateRule
from console.layerinitis.hotspots import Hotspot
from console.report.markdown import escape as md_escape
from console.report.text import clean

JSON_SCHEMA_VERSION = 1
SECTIONS = (
    ("items", "Last-mile items with business logic, ranked"),
    ("nodes", "dbt nodes that last-mile logic rests on, ranked"),
)


def to_json(
    ranked: Mapping[str, list[Hotspot]], duplicates: list[DuplicateRule], *, project: Mapping[str, Any],
    generated_at: dt.datetime, limit: int | None = None,
) -> dict[str, Any]:
    """The JSON document of ``console hotspots --format json``."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "project": {"name": project.get("name"), "root": project.get("root"), "adapter": project.get("adapter")},
        "generated_at": generated_at.replace(microsecond=0).isoformat() + "Z",
        "items": [h.to_dict() for h in ranked["items"][:limit]],
        "nodes": [h.to_dict() for h in ranked["nodes"][:limit]],
        "duplicates": [
            {
                "key": g.key,
                "places": [
                    {"subject": p.subject_id, "type": p.subject_type, "tool": p.tool, "label": p.label,
                     "path": p.path, "line": p.line, "sql": p.sql, "kind": p.kind}
                    for p in g.places
                ],
            }
            for g in duplicates
        ],
    }


def _blocks(h: Hotspot) -> list[tuple[str, list[str]]]:
    where = f"{h.path}:{h.line}" if h.path and h.line else (h.path or h.id)
    if h.owner and h.owner != "unknown":
        where += f" · owner {h.owner}"
    blocks = [("where", [where])]
    if h.expressions:
        shown = [_expr(h, e) for e in h.expressions[:4]]
        if len(h.expressions) > 4:
            shown.append(f"and {len(h.expressions) - 4} more")
        blocks.append(("logic", shown))
    blocks.append(("why", list(h.reasons)))
    blocks.append(("belongs", [h.belongs]))
    return blocks


def _expr(h: Hotspot, e: Mapping[str, Any]) -> str:
    """An item's expression with its line; a node's with the file and line it is in."""
    if h.kind == "item":
        return f"`{e['sql']}` (line {e['line']})" if e.get("line") else f"`{e['sql']}`"
    return f"`{e['sql']}` at {e['path']}:{e['line']}" if e.get("line") else f"`{e['sql']}` in {e['path']}"


DUPLICATES_HEADING = "Business rules implemented in several places"


def _duplicate_lines(duplicates: list[DuplicateRule]) -> list[tuple[str, list[str]]]:
    """Each duplicated rule: a headline and one line per place."""
    return [
        (f"`{g.key}` in {len(g.places)} places ({', '.join(g.tools)})", [p.described for p in g.places])
        for g in duplicates
    ]


def to_text(ranked: Mapping[str, list[Hotspot]], *, title: str, limit: int | None = None, width: int = 80,
            duplicates: list[DuplicateRule] | None = None) -> str:
    """Plain text (no colour), wrapped to ``width``: ranked items, duplicated rules, ranked nodes."""
    width = max(width, 40)
    out = [clean(title), ""]
    for key, heading in SECTIONS:
        if key == "nodes" and duplicates is not None:
            out.append(f"{DUPLICATES_HEADING} ({len(duplicates)})")
            if not duplicates:
                out.append("  none")
            for n, (head, places) in enumerate(_duplicate_lines(duplicates), 1):
                out.extend(textwrap.wrap(f"{n:>2}. {clean(head)}", width, subsequent_indent="    "))
                for place in places:
                    out.extend(textwrap.wrap(clean(place), width, initial_indent="    - ", subsequent_indent="      ",
                                             break_on_hyphens=False))
            out.append("")
        spots = ranked[key][:limit]
        out.append(f"{heading} ({_count(ranked[key], spots)})")
        if not spots:
            out.append("  none")
        for n, h in enumerate(spots, 1):
            head = f"{n:>2}. {clean(h.label)}"
            score = f"score {h.score:.1f}"
            if len(head) + len(score) + 2 <= width:
                out.append(head + " " * (width - len(head) - len(score)) + score)
            else:
                out.extend(textwrap.wrap(head, width, subsequent_indent="    "))
                out.append(" " * (width - len(score)) + score)
            for name, lines in _blocks(h):
                label = f"    {name + ':':<9}"
                for i, line in enumerate(lines):
                    lead = label if i == 0 else " " * len(label)
                    out.extend(textwrap.wrap(
                        clean(line), width, initial_indent=lead, subsequent_indent=" " * (len(label) + 2),
                        break_on_hyphens=False,
                    ) or [lead])
            out.append("")
    lines = [line for i, line in enumerate(out) if line or (i and out[i - 1])]  # no double blank lines
    return "\n".join(lines).rstrip() + "\n"


def _count(all_spots: list[Hotspot], shown: list[Hotspot]) -> str:
    return f"{len(shown)} of {len(all_spots)}" if len(shown) < len(all_spots) else str(len(all_spots))


def md_inline(text: str) -> str:
    r"""Text with ```code``` spans as Markdown: code spans kept as code, the rest escaped.

    Inside a code span Markdown and HTML are not interpreted (CommonMark), so its content only
    needs its whitespace folded and control characters escaped.

    Example:
        >>> md_inline("rule `volume_ml <= 50` in *dbt*")
        'rule `volume_ml <= 50` in \\*dbt\\*'
    """
    parts = " ".join(str(text).split()).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: no code spans at all
        return md_escape(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            core = part.strip()
            lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()):]
            out.append(f"{lead}{md_escape(core)}{trail}" if core else part)
        else:
            out.append(f"`{clean(part)}`" if part else "``")
    return "".join(out)


def to_markdown(ranked: Mapping[str, list[Hotspot]], *, title: str, limit: int | None = None,
                duplicates: list[DuplicateRule] | None = None) -> str:
    """Markdown: a heading per section and a numbered entry per hotspot (and duplicated rule)."""
    out = [f"## {md_inline(title)}", ""]
    for key, heading in SECTIONS:
        if key == "nodes" and duplicates is not None:
            out += [f"### {DUPLICATES_HEADING} ({len(duplicates)})", ""]
            if not duplicates:
                out += ["None.", ""]
            for n, (head, places) in enumerate(_duplicate_lines(duplicates), 1):
                out.append(f"{n}. {md_inline(head)}")
                out += [f"   - {md_inline(p)}" for p in places]
                out.append("")
        spots = ranked[key][:limit]
        out += [f"### {heading} ({_count(ranked[key], spots)})", ""]
        if not spots:
            out += ["None.", ""]
        for n, h in enumerate(spots, 1):
            out.append(f"{n}. **{md_inline(h.label)}** (score {h.score:.1f})")
            for name, lines in _blocks(h):
                out.append(f"   - {name}: " + "; ".join(md_inline(line) for line in lines))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def print_rich(ranked: Mapping[str, list[Hotspot]], *, title: str, limit: int | None = None, file=None,
               duplicates: list[DuplicateRule] | None = None) -> None:
    """Colour on a terminal, with Rich; every untrusted string goes in as :class:`rich.text.Text`.

    Each hotspot's lines sit in a two-column grid, so wrapped lines keep their indent.
    """
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, highlight=False)
    console.print(Text(clean(title), style="bold"))
    for key, heading in SECTIONS:
        if key == "nodes" and duplicates is not None:
            console.print()
            console.print(Text(f"{DUPLICATES_HEADING} ({len(duplicates)})", style="bold underline"))
            for n, (head, places) in enumerate(_duplicate_lines(duplicates), 1):
                console.print(Text.assemble((f"{n:>2}. ", "bold"), (clean(head), "bold magenta")))
                grid = Table.grid(padding=(0, 1))
                grid.add_column(no_wrap=True, width=1)
                grid.add_column(ratio=1)
                for place in places:
                    grid.add_row("-", Text(clean(place)))
                console.print(Padding(grid, (0, 0, 1, 4)))
        spots = ranked[key][:limit]
        console.print()
        console.print(Text(f"{heading} ({_count(ranked[key], spots)})", style="bold underline"))
        if not spots:
            console.print(Padding(Text("none", style="dim"), (0, 0, 0, 2)))
        for n, h in enumerate(spots, 1):
            console.print(Text.assemble(
                (f"{n:>2}. ", "bold"), (clean(h.label), "bold cyan"), ("  score ", "dim"), (f"{h.score:.1f}", "bold yellow"),
            ))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(style="dim", no_wrap=True, width=8)
            grid.add_column(ratio=1)
            for name, lines in _blocks(h):
                style = "green" if name == "belongs" else ("magenta" if name == "logic" else "")
                for i, line in enumerate(lines):
                    grid.add_row(f"{name}:" if i == 0 else "", Text(clean(line), style=style))
            console.print(Padding(grid, (0, 0, 1, 4)))
