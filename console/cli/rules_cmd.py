"""``console rules`` (the catalogue) and ``console explain RULE`` (one rule's documentation).

Both read only the rule classes: no project, no store. Output is plain text (or JSON for
``rules --format json``) on stdout; headings are bold on a terminal, never when piped or when
``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
import sys
import textwrap
from typing import Any

import click
import orjson

from console.errors import InputError
from rules.base import CATEGORIES, Rule
from rules.registry import (
    DOC_SECTIONS,
    UnknownRuleError,
    all_rules,
    find_rule,
    rule_doc,
)


def _colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _option_text(value: Any) -> str:
    """An option's default as it would be written in console.toml."""
    if value is None:
        return "(unset)"
    return orjson.dumps(value).decode() if not isinstance(value, str) else f'"{value}"'


def catalogue_entry(rule: type[Rule]) -> dict[str, Any]:
    """One rule as the JSON catalogue lists it."""
    return {
        "id": rule.id,
        "name": rule.name,
        "category": rule.category,
        "severity": rule.severity.value,
        "summary": rule_doc(rule).summary,
        "hint": rule.hint,
        "options": {k: {"default": o.default, "description": o.description} for k, o in rule.options.items()},
    }


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--category", type=click.Choice(CATEGORIES, case_sensitive=False), help="Only the rules of this category.")
def rules(fmt: str, category: str | None) -> None:
    """List every rule: id, name, category, default severity, summary and options."""
    chosen = [r for r in all_rules() if category is None or r.category == category.lower()]
    if fmt == "json":
        click.echo(orjson.dumps([catalogue_entry(r) for r in chosen], option=orjson.OPT_INDENT_2).decode())
        return
    if not chosen:
        click.echo(f"no rules in category {category}", err=True)
        return
    id_w = max(len(r.id) for r in chosen)
    name_w = max(len(r.name) for r in chosen)
    cat_w = max(len(r.category) for r in chosen)
    colour = _colour()
    for rule in chosen:
        head = f"{rule.id:<{id_w}}  {rule.name:<{name_w}}  {rule.category:<{cat_w}}  {rule.severity.value:<5}"
        click.echo(click.style(head, bold=True) if colour else head, nl=False, color=colour)
        click.echo(f"  {rule_doc(rule).summary}")
        if rule.options:
            opts = ", ".join(f"{k}={_option_text(o.default)}" for k, o in rule.options.items())
            click.echo(" " * (id_w + 2) + f"options: {opts}")


@click.command("explain")
@click.argument("rule")
def explain(rule: str) -> None:
    """Show one rule's documentation (RULE is an id such as CHK001 or a name such as failing-test)."""
    try:
        found = find_rule(rule)
    except UnknownRuleError as e:
        raise InputError(None, str(e)) from None
    click.echo(explain_text(found, colour=_colour()), color=_colour())


def explain_text(rule: type[Rule], colour: bool = False) -> str:
    """A rule's full documentation as plain text (bold headings when ``colour``)."""
    def heading(text: str) -> str:
        return click.style(text, bold=True) if colour else text

    doc = rule_doc(rule)
    lines = [
        heading(f"{rule.id} {rule.name}") + f"  {doc.summary}",
        f"category: {rule.category}    default severity: {rule.severity.value}",
    ]
    if rule.options:
        lines.append("options (set in console.toml under [rules.options]):")
        for name, opt in rule.options.items():
            lines.append(f"    {name} = {_option_text(opt.default)}")
            lines.append(textwrap.indent(textwrap.fill(opt.description, 84), "        "))
    if doc.sections.get(""):
        lines += ["", doc.sections[""]]
    for section in DOC_SECTIONS:
        if section == "Options" and rule.options:
            continue  # listed above, with the defaults
        if doc.sections.get(section):
            lines += ["", heading(f"{section}:"), textwrap.indent(doc.sections[section], "    ")]
    lines += ["", heading("Hint:"), textwrap.indent(textwrap.fill(rule.hint, 92), "    ")]
    return "\n".join(lines)
