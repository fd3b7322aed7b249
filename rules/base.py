"""What a rule is, and what it produces.

A rule is a class in its own file under ``rules/<category>/``. It declares an id, a kebab-case
name, a category, a default severity, a hint, its options, and a docstring with four headed
parts (*What it does*, *Why it matters*, *Example*, *Instead*). It reads a
:class:`rules.context.Context` (frames loaded from the store, plus the graph) and yields
:class:`Violation` records; the engine turns them into :class:`Finding` records with severity
overrides, exceptions and fingerprints applied. Rules do no I/O.

Two shapes of rule:

* :class:`Rule` - ``check(ctx, opts)`` yields violations for the whole project.
* :class:`NodeRule` - ``targets(ctx)`` names the nodes to look at and ``check_node`` judges one;
  the engine calls it node by node, so a crash on one node is reported and the others still run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from rules.context import Context

CATEGORIES = ("checks", "freshness", "runs", "structure", "hardening", "federation", "layerinitis", "warehouse")


class Severity(str, Enum):
    """Finding severities, ordered: ``Severity.ERROR.rank > Severity.WARN.rank``.

    Example:
        >>> Severity("warn").rank < Severity.ERROR.rank
        True
    """

    ERROR = "error"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 1, "warn": 2, "error": 3}[self.value]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Option:
    """A rule option: its default (whose type is the option's type) and what it means."""

    default: Any
    description: str


@dataclass(frozen=True)
class Violation:
    """One case a rule found.

    Attributes:
        node: the dbt unique_id (or last-mile artifact id) the case is about.
        message: specific to this case: name the nodes and numbers.
        key: tells apart several cases of one rule on one node (e.g. the other end of an edge);
            part of the fingerprint, so keep it stable across runs (never a count or a time).
        severity: overrides the rule's default for this case (e.g. a warn-severity dbt test).
        path, line: where to point; default: the node's file.
        hint: overrides the rule's hint for this case.
    """

    node: str | None
    message: str
    key: str = ""
    severity: Severity | None = None
    path: str | None = None
    line: int | None = None
    hint: str | None = None


@dataclass(frozen=True, slots=True)  # thousands per load, kept by an open app: no instance dict
class Finding:
    """A finding as every report format carries it (the JSON report's ``findings`` items)."""

    rule: str
    name: str
    category: str
    severity: str
    node: str | None
    path: str | None
    line: int | None
    message: str
    hint: str
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        # every field is a scalar: a plain dict is 40x faster than dataclasses.asdict
        return {
            "rule": self.rule, "name": self.name, "category": self.category, "severity": self.severity,
            "node": self.node, "path": self.path, "line": self.line, "message": self.message,
            "hint": self.hint, "fingerprint": self.fingerprint,
        }


def fingerprint(rule_id: str, node: str | None, key: str = "") -> str:
    """A finding's identity across runs: rule, node and key; never the message.

    Example:
        >>> fingerprint("STR001", "model.p.a") == fingerprint("STR001", "model.p.a")
        True
        >>> len(fingerprint("STR001", "model.p.a", "x"))
        16
    """
    raw = "\x1f".join((rule_id, node or "", key))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class Rule:
    """Base class of a project-wide rule. Subclasses set every ClassVar and write ``check``."""

    id: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[Severity]
    hint: ClassVar[str]
    options: ClassVar[Mapping[str, Option]] = {}

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        raise NotImplementedError


class NodeRule(Rule):
    """A rule judged node by node; the engine isolates failures per node."""

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        raise NotImplementedError

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        raise NotImplementedError

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:  # pragma: no cover - the engine calls check_node
        for node in self.targets(ctx, opts):
            yield from self.check_node(ctx, node, opts)
