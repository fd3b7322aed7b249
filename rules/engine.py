"""Run the selected rules over a context and turn their violations into findings.

The engine applies the configuration (see :mod:`console.config`):

* ``rules.select`` / ``rules.ignore`` choose the rules (ids, names, categories or ``ALL``);
* ``rules.options.<rule>`` override a rule's option defaults (checked by name and type);
* ``rules.severity.<rule>`` overrides a rule's severity, including per-case severities;
* ``exceptions`` hide a finding until their ``expires`` date (inclusive); after it the finding
  is reported again and also listed in :attr:`Evaluation.expired`.

A rule that crashes never stops the evaluation: a :class:`~rules.base.NodeRule` is isolated
node by node, a :class:`~rules.base.Rule` as a whole (what it yielded before the crash is
kept). The crash becomes an error finding of that rule whose message names the rule, the node
and the exception; it is also listed in :attr:`Evaluation.rule_errors`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.config import Config, RuleException
from console.errors import InputError
from console.gc_pause import gc_paused
from rules.base import CATEGORIES, Finding, NodeRule, Rule, Severity, Violation, fingerprint
from rules.context import Context
from rules.registry import UnknownRuleError, find_rule, select_rules

_RULE_ERROR_HINT = "The rule itself failed: this is a bug in the console; report it with this message."


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one evaluation.

    Attributes:
        findings: what to report, sorted by severity (highest first), category, rule, node.
        suppressed: findings hidden by a live exception, with that exception.
        expired: findings whose exception has expired (they are in ``findings`` too).
        rule_errors: error findings for rules that crashed (they are in ``findings`` too).
        rules_run: ids of the rules that ran.
    """

    findings: tuple[Finding, ...]
    suppressed: tuple[tuple[Finding, RuleException], ...]
    expired: tuple[tuple[Finding, RuleException], ...]
    rule_errors: tuple[Finding, ...]
    rules_run: tuple[str, ...]


def _type_ok(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(value, bool):  # a bool is an int to Python, never to a configuration
        return False
    if default is None:
        return isinstance(value, (int, float, str))
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, (list, tuple)):
        return "a list"
    if isinstance(default, str):
        return "a string"
    return "a number or a string"


def _defaults(rule: type[Rule]) -> dict[str, Any]:
    """A rule's option defaults (lists copied, so a rule cannot change its class's defaults)."""
    return {k: list(o.default) if isinstance(o.default, (list, tuple)) else o.default for k, o in rule.options.items()}


def _config_rule(config: Config, key: str, where: str, pool: Sequence[type[Rule]] | None = None) -> type[Rule]:
    try:
        return find_rule(key, pool)
    except UnknownRuleError as e:
        raise InputError(config.source, f"`{where}.{key}`: {e}") from None


def resolve_options(config: Config, pool: Sequence[type[Rule]] | None = None) -> dict[str, dict[str, Any]]:
    """rule id -> options for every rule named in ``rules.options``, defaults filled in.

    Raises:
        InputError: an unknown rule or option name (with the closest valid one), or a value of
            the wrong type; the error names the configuration file.
    """
    out: dict[str, dict[str, Any]] = {}
    for key, given in config.options.items():
        rule = _config_rule(config, key, "rules.options", pool)
        opts = out.setdefault(rule.id, _defaults(rule))
        for name, value in given.items():
            if name not in rule.options:
                close = difflib.get_close_matches(name, list(rule.options), n=1, cutoff=0.5)
                if close:
                    tip = f" (did you mean `{close[0]}`?)"
                elif rule.options:
                    tip = f" (valid options: {', '.join(sorted(rule.options))})"
                else:
                    tip = f" ({rule.id} has no options)"
                raise InputError(config.source, f"unknown option `rules.options.{key}.{name}`{tip}")
            default = rule.options[name].default
            if not _type_ok(default, value):
                raise InputError(
                    config.source,
                    f"`rules.options.{key}.{name}` must be {_type_name(default)}, not {value!r}",
                )
            opts[name] = list(value) if isinstance(value, tuple) else value
    return out


def resolve_severities(config: Config, pool: Sequence[type[Rule]] | None = None) -> dict[str, Severity]:
    """rule id -> overriding severity, from ``rules.severity`` (keys are ids or names)."""
    out: dict[str, Severity] = {}
    for key, value in config.severity.items():
        rule = _config_rule(config, key, "rules.severity", pool)
        try:
            out[rule.id] = Severity(value)
        except ValueError:
            raise InputError(config.source, f"`rules.severity.{key}` must be error, warn or info, not {value!r}") from None
    return out


def _selected(config: Config, pool: Sequence[type[Rule]] | None) -> tuple[type[Rule], ...]:
    try:
        return select_rules(config.select, config.ignore, pool)
    except ValueError as e:
        raise InputError(config.source, f"`rules.select`/`rules.ignore`: {e}") from None


class _Collector:
    """Turns one rule's violations (and crashes) into findings."""

    def __init__(self, rule: type[Rule], severity: Severity | None, paths: Callable[[str | None], str | None]):
        self.rule = rule
        self.severity = severity
        self.paths = paths
        self.findings: list[Finding] = []
        self.errors: list[Finding] = []

    def add(self, violations: Iterable[Violation]) -> None:
        rule, forced, paths = self.rule, self.severity, self.paths
        rule_id, name, category, hint = rule.id, rule.name, rule.category, rule.hint
        append = self.findings.append
        for v in violations:  # the hot loop of a large report: locals, no enum calls when avoidable
            sev = forced or v.severity or rule.severity
            append(
                Finding(
                    rule=rule_id,
                    name=name,
                    category=category,
                    severity=sev.value if type(sev) is Severity else Severity(sev).value,
                    node=v.node,
                    path=v.path if v.path is not None else paths(v.node),
                    line=v.line,
                    message=v.message,
                    hint=v.hint or hint,
                    fingerprint=fingerprint(rule_id, v.node, v.key),
                )
            )

    def crashed(self, node: str | None, error: Exception) -> None:
        where = f"`{node}`" if node else "the project"
        detail = " ".join(str(error).split()) or "(no message)"
        finding = Finding(
            rule=self.rule.id,
            name=self.rule.name,
            category=self.rule.category,
            severity=Severity.ERROR.value,
            node=node,
            path=self.paths(node),
            line=None,
            message=f"rule {self.rule.id} failed on {where}: {type(error).__name__}: {detail}",
            hint=_RULE_ERROR_HINT,
            fingerprint=fingerprint(self.rule.id, node, "rule-error"),
        )
        self.findings.append(finding)
        self.errors.append(finding)


def _run_rule(rule_cls: type[Rule], ctx: Context, opts: Mapping[str, Any], out: _Collector) -> None:
    rule = rule_cls()
    if isinstance(rule, NodeRule):
        try:
            targets = list(rule.targets(ctx, opts))
        except InputError:
            raise
        except Exception as e:  # noqa: BLE001 - reported as a rule-error finding
            out.crashed(None, e)
            return
        for node in targets:
            try:
                out.add(list(rule.check_node(ctx, node, opts)))
            except InputError:
                raise
            except Exception as e:  # noqa: BLE001 - reported as a rule-error finding
                out.crashed(node, e)
        return
    collected: list[Violation] = []
    try:
        for violation in rule.check(ctx, opts):
            collected.append(violation)
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - reported as a rule-error finding
        out.add(collected)
        out.crashed(None, e)
        return
    out.add(collected)


def _path_lookup(ctx: Context) -> Callable[[str | None], str | None]:
    """node -> its file, built on first use (a clean project never needs it)."""
    index: dict[str, str | None] | None = None

    def lookup(node: str | None) -> str | None:
        nonlocal index
        if node is None:
            return None
        if index is None:
            nodes = ctx.frames["nodes"]
            index = dict(zip(nodes["unique_id"].to_list(), nodes["path"].to_list()))
        return index.get(node)

    return lookup


def _exception_rules(config: Config, pool: Sequence[type[Rule]] | None) -> dict[int, str]:
    """index of each exception -> the id of the rule it names (checked, so a typo is an error)."""
    return {i: _config_rule(config, e.rule, "exceptions", pool).id for i, e in enumerate(config.exceptions)}


def _match_exception(
    config: Config, rule_ids: dict[int, str], finding: Finding, today: dt.date
) -> tuple[RuleException | None, bool]:
    """The exception covering a finding (a live one before an expired one) and whether it is live."""
    expired = None
    for i, exc in enumerate(config.exceptions):
        if rule_ids[i] == finding.rule and fnmatch.fnmatchcase(finding.node or "", exc.node):
            if today <= exc.expires:
                return exc, True
            expired = expired or exc
    return expired, False


def _sort_key(f: Finding) -> tuple:
    cat = CATEGORIES.index(f.category) if f.category in CATEGORIES else len(CATEGORIES)
    return (-Severity(f.severity).rank, cat, f.rule, f.node or "", f.message, f.fingerprint)


def _run_all(
    ctx: Context,
    config: Config,
    selected: Sequence[type[Rule]],
    options: Mapping[str, Mapping[str, Any]],
    severities: Mapping[str, Severity],
    paths: Callable[[str | None], str | None],
    findings: list[Finding],
    errors: list[Finding],
) -> None:
    """Run each selected rule in turn, collecting its findings and crashes."""
    for rule in selected:
        opts = options.get(rule.id) or _defaults(rule)
        out = _Collector(rule, severities.get(rule.id), paths)
        try:
            _run_rule(rule, ctx, opts, out)
        except InputError as e:  # a rule refused an option's value
            raise InputError(config.source, f"`rules.options.{rule.name}`: {e.problem}") from None
        findings.extend(out.findings)
        errors.extend(out.errors)


def evaluate(
    ctx: Context, config: Config, *, today: dt.date | None = None, rules: Sequence[type[Rule]] | None = None
) -> Evaluation:
    """Run the rules ``config`` selects over ``ctx``.

    Args:
        ctx: the project as rules see it.
        config: selection, options, severity overrides and exceptions.
        today: the date exceptions are judged against; default: the date of ``ctx.now``.
        rules: the rules ``config`` selects from; default: every rule of the registry.

    Raises:
        InputError: the configuration names an unknown rule or option, or gives an option a
            value of the wrong type.
    """
    today = today or ctx.now.date()
    selected = _selected(config, rules)
    options = resolve_options(config, rules)
    severities = resolve_severities(config, rules)
    exception_rules = _exception_rules(config, rules)
    paths = _path_lookup(ctx)

    findings: list[Finding] = []
    errors: list[Finding] = []
    with gc_paused():  # rules build many small objects and no cycles: the GC would cost a fifth
        _run_all(ctx, config, selected, options, severities, paths, findings, errors)


    shown: list[Finding] = []
    suppressed: list[tuple[Finding, RuleException]] = []
    expired: list[tuple[Finding, RuleException]] = []
    for finding in findings:
        exc, live = _match_exception(config, exception_rules, finding, today)
        if exc is not None and live:
            suppressed.append((finding, exc))
            continue
        if exc is not None:
            expired.append((finding, exc))
        shown.append(finding)

    return Evaluation(
        findings=tuple(sorted(shown, key=_sort_key)),
        suppressed=tuple(sorted(suppressed, key=lambda p: _sort_key(p[0]))),
        expired=tuple(sorted(expired, key=lambda p: _sort_key(p[0]))),
        rule_errors=tuple(sorted(errors, key=_sort_key)),
        rules_run=tuple(r.id for r in selected),
    )
