"""The report's "Layerinitis hotspots" section: the top last-mile items, and where their logic belongs.

``console report`` shows, after its summary, the :data:`SHOWN` highest-ranked last-mile item
hotspots, each with its file, its most telling reason and where its logic belongs. They come
from :func:`console.layerinitis.hotspots`, the very ranking ``console hotspots`` prints and the
terminal UI shows (never a second computation): it is cached on the context the rules ran on,
so the items, reads and homes the layerinitis rules already built are reused. Only the items are
ranked (:func:`console.layerinitis.hotspots.item_hotspots`, which ``hotspots(ctx)["items"]`` is),
not the nodes. The full list, with the dbt nodes and the duplicated rules, is ``console hotspots``.

Decisions:

* **Items, not nodes.** An item hotspot says what to move and where; a node hotspot is the sum
  of its items, which the items already show.
* **The project's, whatever ``--select``/``--baseline``**: like the health scores, hotspots rank
  the whole last mile; a selection narrows findings, not the ranking.
* **No last mile, no section** (text, Markdown, HTML); JSON then holds ``"hotspots": []``. JSON
  holds the same top :data:`SHOWN` items as the other formats, each exactly as
  ``console hotspots --format json`` writes an item (docs/layerinitis.md, docs/report-formats.md).
* Untrusted text (labels, paths, reasons) is escaped as each format escapes: control
  characters shown as escapes in text, Markdown-escaped outside code spans, HTML-escaped.

Example:
    >>> import datetime as dt
    >>> from console.layerinitis.hotspots import Hotspot
    >>> from console.report.model import ReportData
    >>> spot = Hotspot("item", "lastmile.hightouch.m.yaml#top", "Hightouch model `Top`", "m.yaml", 2, 14.0,
    ...                {}, ("feeds `crm_sync` (production application)",), "`exp_top`, the export it reads")
    >>> data = ReportData({}, dt.datetime(2026, 1, 1), {}, (), hotspots=HotspotsSection((spot,), 1, 1))
    >>> print("\\n".join(text_lines(data)))
    Layerinitis hotspots (1; all: console hotspots)
     1. Hightouch model `Top`                                             score 14.0
        m.yaml:2 · feeds `crm_sync` (production application)
        belongs: `exp_top`, the export it reads
    <BLANKLINE>
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.errors import InputError

if TYPE_CHECKING:
    from console.config import Config
    from console.layerinitis.hotspots import Hotspot
    from console.report.model import ReportData
    from rules.context import Context

#: How many item hotspots the report shows.
SHOWN = 5
#: The formats that show the section (JUnit, SARIF and GitHub carry findings only).
FORMATS = frozenset({"text", "markdown", "json", "html"})
HEADING = "Layerinitis hotspots"
WIDTH = 80


@dataclass(frozen=True)
class HotspotsSection:
    """The report's hotspots.

    Attributes:
        top: the highest-ranked item hotspots, at most :data:`SHOWN`.
        total: how many item hotspots the project has.
        items: how many last-mile items were collected (0: no section).
    """

    top: tuple[Hotspot, ...]
    total: int
    items: int


def wanted(config: Config, fmt: str) -> bool:
    """Whether a report in ``fmt`` shows hotspots; checks ``[hotspots]`` first (before any work).

    Raises:
        InputError: a ``[hotspots]`` table that does not validate, naming the configuration file.
    """
    if fmt not in FORMATS:
        return False
    from console.layerinitis.weights import HotspotWeights

    try:
        HotspotWeights.from_settings(config.settings())
    except ValueError as e:
        raise InputError(config.source, str(e)) from None
    return True


def build(ctx: Context) -> HotspotsSection:
    """The section from the context's ranking (:func:`console.layerinitis.hotspots.item_hotspots`,
    cached on ``ctx``)."""
    from console.layerinitis import items
    from console.layerinitis.hotspots import item_hotspots

    collected = len(items(ctx))
    ranked = item_hotspots(ctx) if collected else []
    return HotspotsSection(tuple(ranked[:SHOWN]), len(ranked), collected)


def _shown(section: HotspotsSection) -> bool:
    return section is not None and section.items > 0


def _count(section: HotspotsSection) -> str:
    shown = len(section.top)
    return f"top {shown} of {section.total}" if shown < section.total else str(section.total)


def _where(h: Hotspot) -> str:
    place = f"{h.path}:{h.line}" if h.path and h.line else (h.path or h.id)
    return f"{place} · {h.reasons[0]}" if h.reasons else place


def text_lines(data: ReportData, style: Callable[[str, str], str] = lambda _code, text: text) -> list[str]:
    """The section as text lines ending with an empty one (none without a last mile), 80 columns."""
    from console.report.text import clean

    section = data.hotspots
    if not _shown(section):
        return []
    out = [style("1", f"{HEADING} ({_count(section)}; all: console hotspots)")]
    if not section.top:
        out.append("  none: no last-mile item holds business logic or bypasses the central layer")
    for n, h in enumerate(section.top, 1):
        head, score = f"{n:>2}. {clean(h.label)}", f"score {h.score:.1f}"
        lines = textwrap.wrap(head, WIDTH - len(score) - 2, subsequent_indent="    ", break_on_hyphens=False)
        out += [*lines[:-1], lines[-1] + " " * (WIDTH - len(lines[-1]) - len(score)) + score]  # score right-aligned
        for text, code in ((_where(h), "2"), (f"belongs: {h.belongs}", "32")):
            wrapped = textwrap.wrap(clean(text), WIDTH, initial_indent="    ", subsequent_indent="      ",
                                    break_on_hyphens=False)
            out += [style(code, line) for line in wrapped]
    return [*out, ""]


def markdown_lines(data: ReportData) -> list[str]:
    """The section as Markdown lines (a heading, a numbered list), preceded by an empty line."""
    from console.layerinitis.render import md_inline

    section = data.hotspots
    if not _shown(section):
        return []
    out = ["", f"### {HEADING} ({_count(section)}; all: `console hotspots`)", ""]
    if not section.top:
        out.append("None: no last-mile item holds business logic or bypasses the central layer.")
    for n, h in enumerate(section.top, 1):
        place = f"`{h.path}:{h.line}`" if h.path and h.line else f"`{h.path or h.id}`"
        why = f" · {h.reasons[0]}" if h.reasons else ""
        out.append(f"{n}. **{md_inline(h.label)}** (score {h.score:.1f}): {md_inline(place + why)}")
        out.append(f"   - belongs: {md_inline(h.belongs)}")
    return out


def json_items(data: ReportData) -> list[dict[str, Any]] | None:
    """The JSON report's ``hotspots``: the top items as ``console hotspots --format json`` writes
    them ([] without a last mile; None when the format did not compute them)."""
    if data.hotspots is None:
        return None
    return [h.to_dict() for h in data.hotspots.top]


def html_section(data: ReportData) -> str:
    """The section as an HTML table (every string escaped), or "" without a last mile."""
    from console.report.html import e

    section = data.hotspots
    if not _shown(section):
        return ""
    rows = "".join(
        f'<tr><td>{n}</td><td>{e(h.label)}</td><td>{h.score:.1f}</td>'
        f'<td class="loc">{e(f"{h.path}:{h.line}" if h.path and h.line else (h.path or h.id))}</td>'
        f'<td>{e(h.reasons[0]) if h.reasons else ""}</td><td>{e(h.belongs)}</td></tr>'
        for n, h in enumerate(section.top, 1)
    ) or '<tr><td colspan="6" class="empty">No last-mile item holds business logic or bypasses the central layer.</td></tr>'
    return (
        f'<section id="hotspots"><h2>{HEADING} ({e(_count(section))})</h2>'
        '<p class="meta">Business logic living outside the central dbt layer, ranked; '
        "<code>console hotspots</code> lists them all.</p>"
        "<table><thead><tr><th>#</th><th>Hotspot</th><th>Score</th><th>Location</th><th>Why</th>"
        f"<th>Where the logic belongs</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )
