"""Triage as Rich renderables: the text of ``console triage`` and the body of the Triage screen.

Every untrusted string (names, owners, messages, SQL) becomes a :class:`rich.text.Text` through
:func:`t` (control characters escaped by :func:`console.textsafe.clean`); nothing is ever parsed
as Rich markup, so a model named ``[red]x`` prints as ``[red]x``. Styles say the level
(error red, warn yellow, ok green) and the criticality (production magenta); :func:`to_text`
drops them when colour is off. Long lists are cut at ``limit`` rows with a line saying how many
more there are (the JSON has them all).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from console.textsafe import clean
from console.triage.model import BlastRadius, Cause, Changes, Command, FailureGroup, NodeTriage, RunResult, RunTriage, Status

LEVEL_STYLE = {"error": "bold red", "warn": "bold yellow", "ok": "green", "unknown": "dim"}
CRITICAL_STYLE = {"production": "bold magenta", "declared": "cyan", "internal": "dim"}
STATUS_STYLE = {"success": "green", "pass": "green", "error": "bold red", "fail": "bold red", "runtime error": "bold red",
                "warn": "yellow", "skipped": "yellow", "stale": "bold red"}
LIMIT = 12


def t(text: object, style: str = "") -> Text:
    """Untrusted text as a Text (never markup), control characters escaped.

    Example:
        >>> t("[red]x").plain
        '[red]x'
    """
    return Text(clean(text, keep_lines=False), style=style)


def when(moment: dt.datetime | None) -> str:
    """``2026-11-07 07:00`` (UTC) or ``-``."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def _level(level: str) -> Text:
    return Text(level.upper().ljust(5), style=LEVEL_STYLE.get(level, ""))


def _heading(title: str, extra: str = "") -> Text:
    out = Text(title, style="bold underline")
    if extra:
        out.append("  " + extra, style="dim")
    return out


def _result_line(r: RunResult | None) -> Text:
    if r is None:
        return Text("no run result stored", style="dim")
    secs = f" in {r.execution_time:.2f} s" if r.execution_time is not None else ""
    out = t(r.status, STATUS_STYLE.get(r.status, ""))
    out.append(f" in the {clean(r.command or 'run', keep_lines=False)} of {when(r.at)}{secs}")
    if r.failures:
        out.append(f", {r.failures} failing row{'s' if r.failures != 1 else ''}")
    return out


def status_block(status: Status, effective: str | None = None) -> RenderableType:
    """The node's latest result, freshness and signals."""
    lines = [Text.assemble(("result     ", "bold"), _result_line(status.run))]
    if status.freshness is not None:
        f = status.freshness
        lines.append(Text.assemble(("freshness  ", "bold"), t(f.status, STATUS_STYLE.get(f.status, "")),
                                   f" at {when(f.at)}" + (f", loaded {f.age_hours} h before" if f.age_hours is not None else "")))
    for s in status.signals:
        lines.append(_indent(Text.assemble(_level(s.level), " ", t(s.detail)), 2))
    if effective and effective != status.level and effective in ("error", "warn"):
        lines.append(Text.assemble(("affected   ", "bold"), (f"{effective} upstream", LEVEL_STYLE[effective]), " (see root causes)"))
    return Group(*lines)


def causes_block(causes: Iterable[Cause], empty: str) -> RenderableType:
    causes = list(causes)
    if not causes:
        return Text(empty, style="dim")
    lines: list[RenderableType] = []
    for c in causes:
        head = Text.assemble(_level(c.level), " ", t(c.node.name, "bold"), (f"  {c.node.resource_type}", "dim"))
        lines.append(head)
        if c.node.owner:
            lines.append(_indent(Text.assemble(("owner ", "dim"), t(c.node.owner))))
        for s in c.signals:
            lines.append(_indent(t(s.detail)))
        if c.distance:
            lines.append(_indent(Text.assemble(("path ", "dim"), t(" → ".join(c.path), "dim"))))
    return Group(*lines)


def _indent(renderable: RenderableType, left: int = 6) -> Padding:
    """Indented, and wrapped lines keep the indent."""
    return Padding(renderable, (0, 0, 0, left))


#: Columns that may be cut short (with an ellipsis) so names keep their room.
_SHORT = {"owner": 16, "type": 12, "tool": 16, "maturity": 8, "layer": 12, "critical": 10, "status": 14, "reads": 28, "last seen": 10}


def _table(*headers: str) -> Table:
    table = Table(box=None, padding=(0, 1, 0, 1), show_edge=False, header_style="bold", pad_edge=False)
    for h in headers:
        if h in _SHORT:
            table.add_column(h, overflow="ellipsis", no_wrap=True, max_width=_SHORT[h])
        else:
            table.add_column(h, overflow="fold", min_width=min(len(h), 12))
    return table


def blast_block(radius: BlastRadius, limit: int = LIMIT) -> RenderableType:
    """Exposures, models, last-mile items and consumers downstream, most critical first."""
    prod = sum(1 for e in radius.exposures if e.critical == "production")
    parts: list[RenderableType] = [Text(
        f"{len(radius.exposures)} exposure{'s' if len(radius.exposures) != 1 else ''} ({prod} production), "
        f"{len(radius.models)} model{'s' if len(radius.models) != 1 else ''}, {radius.tests} test{'s' if radius.tests != 1 else ''}, "
        f"{len(radius.lastmile)} last-mile item{'s' if len(radius.lastmile) != 1 else ''}, "
        f"{len(radius.consumers)} query-log consumer{'s' if len(radius.consumers) != 1 else ''}")]
    if radius.exposures:
        table = _table("exposure", "type", "owner", "maturity", "critical")
        for e in radius.exposures[:limit]:
            table.add_row(t(e.node.name, "bold"), t(e.type), t(e.node.owner or "-"), t(e.maturity or "-"), t(e.critical, CRITICAL_STYLE[e.critical]))
        parts.append(table)
    if radius.models:
        table = _table("model", "layer", "owner", "critical")
        for m in radius.models[:limit]:
            table.add_row(t(m.node.name), t(m.node.layer or "-"), t(m.node.owner or "-"), t(m.critical, CRITICAL_STYLE[m.critical]))
        parts.append(table)
    if radius.lastmile:
        table = _table("last mile", "tool", "reads", "critical")
        for x in radius.lastmile[:limit]:
            table.add_row(t(x.name), t(f"{x.tool} {x.kind}".strip()), t(", ".join(x.reads)), t(x.critical, CRITICAL_STYLE[x.critical]))
        parts.append(table)
    if radius.consumers:
        table = _table("consumer", "queries", "last seen", "reads")
        for c in radius.consumers[:limit]:
            table.add_row(t(c.user), str(c.queries), c.last_seen.strftime("%Y-%m-%d") if c.last_seen else "-", t(", ".join(c.relations)))
        parts.append(table)
    longest = max(len(radius.exposures), len(radius.models), len(radius.lastmile), len(radius.consumers))
    if longest > limit:
        parts.append(Text(f"(lists cut at {limit}; --format json has all {longest})", style="dim"))
    for note in radius.notes:
        parts.append(t(note, "dim"))
    return Group(*parts)


def diff_text(diff: str) -> Text:
    """A unified diff with its SQL highlighted and +/- lines marked."""
    from rich.syntax import Syntax

    syntax = Syntax("", "sql", theme="ansi_dark", background_color="default")
    out = Text()
    for line in diff.splitlines():
        if line.startswith(("+++", "---", "@@")):
            out.append_text(t(line, "dim"))
        elif line[:1] in "+-":
            body = syntax.highlight(clean(line[1:], keep_lines=False))
            body.rstrip()
            marker = Text(line[0], style="bold green" if line[0] == "+" else "bold red")
            body.stylize("on #103010" if line[0] == "+" else "on #301010")
            out.append_text(marker + body)
        else:
            out.append_text(t(line))
        out.append("\n")
    out.rstrip()
    return out


def changes_block(changes: Changes, limit: int = LIMIT) -> RenderableType:
    parts: list[RenderableType] = []
    if changes.last_success is not None:
        parts.append(Text(f"last green: the {clean(changes.last_success.command or 'run', keep_lines=False)} of {when(changes.last_success.at)}", style="dim"))
    if changes.note:
        parts.append(t(changes.note, "dim"))
    if not changes.changes:
        parts.append(Text("no checksum change of the node or its ancestors since", style="dim"))
    for c in changes.changes[:limit]:
        parts.append(Text.assemble(t(c.change, "bold"), " ", t(c.node.name, "bold"), (f"  collected {when(c.seen_at)}", "dim")))
        if c.diff:
            parts.append(diff_text(c.diff))
        elif c.change == "modified":
            parts.append(Text("  (no code stored for the earlier version)", style="dim"))
    return Group(*parts)


def runs_block(runs: Iterable[RunResult]) -> RenderableType:
    runs = list(runs)
    if not runs:
        return Text("no runs stored", style="dim")
    table = _table("when", "command", "status", "seconds", "failures")
    for r in runs:
        table.add_row(when(r.at), t(r.command or "-"), t(r.status, STATUS_STYLE.get(r.status, "")),
                      f"{r.execution_time:.2f}" if r.execution_time is not None else "-", str(r.failures or ""))
    return table


def rerun_block(commands: Iterable[Command]) -> RenderableType:
    lines: list[RenderableType] = []
    for c in commands:
        lines.append(Text.assemble(("$ ", "dim"), t(c.command, "bold")))
        lines.append(t(f"  # {c.why}", "dim"))
    return Group(*lines) if lines else Text("nothing to rerun", style="dim")


def node_renderables(tr: NodeTriage, limit: int = LIMIT) -> list[RenderableType]:
    """A node's triage, section by section."""
    n = tr.node
    head = Text.assemble(_level(tr.level), " ", t(n.name, "bold"), (f"  {n.resource_type}", "dim"))
    for label, value in (("layer", n.layer), ("owner", n.owner)):
        if value:
            head.append(f"  {label} ", style="dim")
            head.append_text(t(value))
    out: list[RenderableType] = [head]
    if n.path:
        out.append(t(n.path, "dim"))
    out += [Text(""), _heading("Status"), status_block(tr.status, tr.level)]
    out += [Text(""), _heading("Root causes", "the first broken nodes upstream"),
            causes_block(tr.root_causes, "nothing broken upstream or here")]
    if tr.symptoms:
        out += [Text(""), _heading("Symptoms on the way"), causes_block(tr.symptoms, "")]
    out += [Text(""), _heading("Blast radius"), blast_block(tr.blast_radius, limit)]
    out += [Text(""), _heading("Changed since last green run"), changes_block(tr.changes, limit)]
    out += [Text(""), _heading("Recent runs"), runs_block(tr.recent_runs)]
    out += [Text(""), _heading("Rerun"), rerun_block(tr.rerun)]
    return out


def group_renderables(g: FailureGroup, limit: int = LIMIT) -> list[RenderableType]:
    """One group of a run's failures: the root cause, the failures, the blast radius, the commands."""
    out: list[RenderableType] = [causes_block([g.root], "")]
    table = _table("failing", "type", "status", "also caused by")
    for f in g.failures[:limit]:
        status = f.status.run.status if f.status.run else (f.status.freshness.status if f.status.freshness else f.status.level)
        if f.status.freshness and f.node.resource_type == "source":
            status = f"stale ({f.status.freshness.status})"
        others = [r.split(".")[-1] for r in f.root_causes if r != g.root.node.unique_id]
        table.add_row(t(f.node.name), t(f.node.resource_type), t(status, STATUS_STYLE.get(status.split(" ")[0], "")), t(", ".join(others) or "-"))
    out.append(table)
    if len(g.failures) > limit:
        out.append(Text(f"... and {len(g.failures) - limit} more", style="dim"))
    out += [_heading("Blast radius"), blast_block(g.blast_radius, limit), _heading("Rerun"), rerun_block(g.rerun)]
    return out


def run_renderables(rt: RunTriage, limit: int = LIMIT) -> list[RenderableType]:
    """The latest run's triage: a summary line, then each group, worst first."""
    if rt.run is None:
        return [Text("No run stored: nothing to triage. Run `dbt build`, then `console collect`.", style="dim")]
    r = rt.run
    head = Text.assemble(_level(rt.level), " ", (f"the {clean(r.command or 'run', keep_lines=False)} of {when(r.at)}", "bold"),
                         f": {rt.counts.get('failures', 0)} failing or skipped, "
                         f"{rt.counts.get('stale_sources', 0)} stale source{'s' if rt.counts.get('stale_sources', 0) != 1 else ''}"
                         + (f" (freshness of {when(rt.freshness_at)})" if rt.freshness_at else ""))
    out: list[RenderableType] = [head]
    if not rt.groups:
        out.append(Text("Nothing failed and no source is stale.", style="green"))
    for i, g in enumerate(rt.groups, 1):
        out += [Text(""), _heading(f"Root cause {i} of {len(rt.groups)}", "and the failures it explains")]
        out += group_renderables(g, limit)
    return out


def to_text(renderables: Iterable[RenderableType], *, color: bool = False, width: int | None = None) -> str:
    """Render to a string; ``color`` False gives plain text (no ANSI at all)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width or 80, color_system="standard" if color else None, force_terminal=color,
                      no_color=not color, highlight=False, markup=False, emoji=False, soft_wrap=False, legacy_windows=False)
    for r in renderables:
        console.print(r)
    text = buf.getvalue()
    if not color:  # padding leaves trailing blanks; plain text has no use for them
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text
