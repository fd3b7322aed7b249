"""``console triage --format markdown``: an incident note or a pull-request comment.

Every untrusted string goes through :func:`esc` (control characters escaped, then
:func:`console.report.markdown.escape`: pipes, backticks, emphasis, link brackets, HTML); SQL diffs go in fenced blocks whose fence is longer than any
run of backticks inside them.
"""

from __future__ import annotations

from console.report.markdown import escape
from console.textsafe import clean
from console.triage.model import BlastRadius, Cause, Command, NodeTriage, RunTriage
from console.triage.text import when

LIMIT = 25


def esc(text: object) -> str:
    """Untrusted text for Markdown: control characters shown as escapes, then Markdown-escaped."""
    return escape(clean(text, keep_lines=False))


def _causes(causes: tuple[Cause, ...]) -> list[str]:
    out = []
    for c in causes:
        signals = "; ".join(esc(s.detail) for s in c.signals)
        path = " → ".join(esc(p) for p in c.path)
        out.append(f"- **{c.level}** **{esc(c.node.name)}** ({esc(c.node.resource_type)}): {signals}"
                   + (f"<br>path: {path}" if c.distance else ""))
    return out or ["- nothing broken upstream or here"]


def _radius(radius: BlastRadius) -> list[str]:
    out = []
    if radius.exposures:
        out += ["| Exposure | Type | Owner | Maturity | Critical |", "| --- | --- | --- | --- | --- |"]
        out += [f"| {esc(e.node.name)} | {esc(e.type)} | {esc(e.node.owner or '-')} | {esc(e.maturity or '-')} | {e.critical} |"
                for e in radius.exposures[:LIMIT]]
        out.append("")
    if radius.models:
        out += ["| Model | Layer | Owner | Critical |", "| --- | --- | --- | --- |"]
        out += [f"| {esc(m.node.name)} | {esc(m.node.layer or '-')} | {esc(m.node.owner or '-')} | {m.critical} |"
                for m in radius.models[:LIMIT]]
        out.append("")
    if radius.lastmile:
        out += ["| Last mile | Tool | Reads | Owner | Critical |", "| --- | --- | --- | --- | --- |"]
        out += [f"| {esc(x.name)} | {esc(x.tool)} | {esc(', '.join(x.reads))} | {esc(x.owner or '-')} | {x.critical} |"
                for x in radius.lastmile[:LIMIT]]
        out.append("")
    if radius.consumers:
        out += ["| Consumer | Role | Queries | Reads |", "| --- | --- | --- | --- |"]
        out += [f"| {esc(c.user)} | {esc(c.role or '-')} | {c.queries} | {esc(', '.join(c.relations))} |" for c in radius.consumers[:LIMIT]]
        out.append("")
    out += [f"_{esc(n)}_" for n in radius.notes]
    return out


def _commands(commands: tuple[Command, ...]) -> list[str]:
    if not commands:
        return []
    body = "\n".join(clean(f"{c.command}  # {c.why}", keep_lines=False) for c in commands)
    fence = "```"
    while fence in body:
        fence += "`"
    return [f"{fence}sh", body, fence]


def _fenced(text: str, lang: str) -> list[str]:
    text = clean(text)
    fence = "```"
    while fence in text:
        fence += "`"
    return [f"{fence}{lang}", text, fence]


def render_node(tr: NodeTriage) -> str:
    n = tr.node
    out = [f"## Triage: **{esc(n.name)}** ({esc(n.resource_type)}): {tr.level}", ""]
    run = tr.status.run
    out.append(f"Latest result: **{esc(run.status)}** in the {esc(run.command or 'run')} of {when(run.at)}" if run else "No run result stored.")
    if tr.status.freshness:
        out.append(f"<br>Freshness: **{esc(tr.status.freshness.status)}** at {when(tr.status.freshness.at)}")
    out += ["", "### Root causes", *_causes(tr.root_causes), ""]
    if tr.symptoms:
        out += ["### Symptoms on the way", *_causes(tr.symptoms), ""]
    out += ["### Blast radius", *_radius(tr.blast_radius), "", "### Changed since last green run"]
    if tr.changes.last_success:
        out.append(f"Last green: the {esc(tr.changes.last_success.command or 'run')} of {when(tr.changes.last_success.at)}.")
    if not tr.changes.changes:
        out.append("No checksum change of the node or its ancestors since.")
    for c in tr.changes.changes:
        out.append(f"- {c.change} **{esc(c.node.name)}** (collected {when(c.seen_at)})")
        if c.diff:
            out += _fenced(c.diff, "diff")
    out += ["", "### Rerun", *_commands(tr.rerun)]
    return "\n".join(out) + "\n"


def render_run(rt: RunTriage) -> str:
    if rt.run is None:
        return "## Triage\n\nNo run stored.\n"
    out = [f"## Triage: the {esc(rt.run.command or 'run')} of {when(rt.run.at)}: {rt.level}", "",
           f"{rt.counts.get('failures', 0)} failing or skipped nodes, {rt.counts.get('stale_sources', 0)} stale sources, "
           f"{len(rt.groups)} root causes.", ""]
    for i, g in enumerate(rt.groups, 1):
        out += [f"### {i}. **{esc(g.root.node.name)}** ({g.level})", *_causes((g.root,)), ""]
        out += ["| Failing | Type | Status |", "| --- | --- | --- |"]
        for f in g.failures[:LIMIT]:
            status = f.status.run.status if f.status.run else (f.status.freshness.status if f.status.freshness else f.status.level)
            out.append(f"| {esc(f.node.name)} | {esc(f.node.resource_type)} | {esc(status)} |")
        out += ["", *_radius(g.blast_radius), "", *_commands(g.rerun), ""]
    return "\n".join(out) + "\n"
