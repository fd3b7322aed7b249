"""Every rule, found by walking the category packages; lookup and selection by id, name or category.

A rule is a :class:`~rules.base.Rule` subclass defined in a module ``rules/<category>/<file>.py``
(one rule per file; modules whose name starts with ``_`` hold helpers and are skipped). The
categories are those of :data:`rules.base.CATEGORIES` whose package exists.

Example:
    >>> rule = find_rule("chk001")
    >>> rule.id, rule.name == find_rule(rule.name).name
    ('CHK001', True)
    >>> summary(rule) == rule_doc(rule).summary
    True
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rules.base import CATEGORIES, NodeRule, Rule

#: The headed sections of a rule's docstring, in the order they are written and shown.
DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Instead", "Options", "Differences from dbt-project-evaluator")
_HEADING = re.compile(r"^(" + "|".join(DOC_SECTIONS) + r"):\s*$")


class UnknownRuleError(KeyError):
    """A rule key that names no rule; ``str()`` is the one-line message with a suggestion."""

    def __str__(self) -> str:
        return str(self.args[0])


def _category_modules(category: str):
    try:
        package = importlib.import_module(f"rules.{category}")
    except ModuleNotFoundError as e:
        if e.name == f"rules.{category}":
            return
        raise
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("_") and not info.ispkg:
            yield importlib.import_module(f"rules.{category}.{info.name}")


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule of every category, sorted by id (imported once, then cached)."""
    found: list[type[Rule]] = []
    for category in CATEGORIES:
        for module in _category_modules(category):
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, Rule)
                    and obj not in (Rule, NodeRule)
                    and obj.__module__ == module.__name__
                    and not inspect.isabstract(obj)
                ):
                    found.append(obj)
    return tuple(sorted(found, key=lambda r: r.id))


def _suggest(key: str, valid: Sequence[str]) -> str:
    match = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    if not match:
        match = difflib.get_close_matches(key.lower(), [v.lower() for v in valid], n=1, cutoff=0.5)
        match = [v for v in valid if v.lower() == match[0]] if match else []
    return f" (did you mean `{match[0]}`?)" if match else " (`console rules` lists them)"


def find_rule(key: str, pool: Sequence[type[Rule]] | None = None) -> type[Rule]:
    """The rule with this id (any case) or kebab-case name.

    Args:
        key: an id or a name.
        pool: the rules to look in (default: :func:`all_rules`).

    Raises:
        UnknownRuleError: (a KeyError) no such rule; the message suggests the closest one.
    """
    rules = all_rules() if pool is None else pool
    wanted = key.strip()
    for rule in rules:
        if rule.id.lower() == wanted.lower() or rule.name == wanted.lower():
            return rule
    valid = [r.id for r in rules] + [r.name for r in rules]
    raise UnknownRuleError(f"unknown rule `{key}`{_suggest(wanted, valid)}")


def _matching(entry: str, rules: Sequence[type[Rule]]) -> tuple[type[Rule], ...]:
    wanted = entry.strip()
    if wanted.upper() == "ALL":
        return tuple(rules)
    if wanted.lower() in CATEGORIES:
        return tuple(r for r in rules if r.category == wanted.lower())
    try:
        return (find_rule(wanted, rules),)
    except UnknownRuleError:
        valid = ["ALL", *CATEGORIES, *(r.id for r in rules), *(r.name for r in rules)]
        raise ValueError(f"unknown rule, category or `ALL`: `{entry}`{_suggest(wanted, valid)}") from None


def select_rules(
    select: Sequence[str], ignore: Sequence[str] = (), pool: Sequence[type[Rule]] | None = None
) -> tuple[type[Rule], ...]:
    """The rules named by ``select`` minus those named by ``ignore``, sorted by id.

    Entries are rule ids (any case), names, categories or ``ALL``; ``pool`` is the rules to
    choose from (default: :func:`all_rules`).

    Raises:
        ValueError: an entry names nothing; the message suggests the closest valid entry.

    Example:
        >>> [r.id for r in select_rules(["checks"], ["CHK002"])][:1]
        ['CHK001']
    """
    rules = all_rules() if pool is None else tuple(pool)
    chosen: dict[str, type[Rule]] = {}
    for entry in select:
        chosen.update((r.id, r) for r in _matching(entry, rules))
    for entry in ignore:
        for r in _matching(entry, rules):
            chosen.pop(r.id, None)
    return tuple(sorted(chosen.values(), key=lambda r: r.id))


@dataclass(frozen=True)
class RuleDoc:
    """A rule's docstring, split: the one-line summary and the headed sections (heading -> text)."""

    summary: str
    sections: dict[str, str]


def rule_doc(rule: type[Rule]) -> RuleDoc:
    """Split a rule's docstring into its summary line and its headed sections.

    Sections are the lines under ``What it does:``, ``Why it matters:``, ``Example:``,
    ``Instead:``, ``Options:`` and (structure rules) ``Differences from dbt-project-evaluator:``,
    dedented; text before the first heading (after the summary)
    is kept under the empty heading ``""``.
    """
    text = inspect.cleandoc(rule.__doc__ or "")
    lines = text.splitlines()
    summary = lines[0].strip() if lines else ""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in lines[1:]:
        heading = _HEADING.match(line.strip()) if not line.startswith(" ") else None
        if heading:
            current = heading.group(1)
            sections[current] = []
        else:
            sections.setdefault(current, []).append(line)
    cleaned = {}
    for head, body in sections.items():
        block = inspect.cleandoc("\n".join(body))
        if block or head:
            cleaned[head] = block
    return RuleDoc(summary, cleaned)


def summary(rule: type[Rule]) -> str:
    """The first line of a rule's docstring."""
    return rule_doc(rule).summary
