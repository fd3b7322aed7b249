"""One pass over libyaml's events that checks a document's shape and builds it.

The pass measures nesting and alias expansion as it goes, and stops at the first excess
(:func:`load_checked`); for the common document (plain mappings, lists and scalars) it builds
the Python values itself, which is about twice as fast as PyYAML's constructor and makes the
safety checks free. Scalars get exactly PyYAML's safe types: the loader's own implicit
resolvers pick the tag and ``SafeConstructor``'s functions build ints, floats, booleans, nulls
and timestamps. Anything rarer (merge keys ``<<``, the value key ``=``, explicit tags such as ``!!set``, mappings
as keys, undefined aliases, several documents) only finishes the checks here and is then
loaded by ``yaml.load`` with the safe loader, so it behaves, and fails, exactly as PyYAML does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from console.errors import InputError

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

_STR = "tag:yaml.org,2002:str"
_IMPLICIT = Loader.yaml_implicit_resolvers
_CONSTRUCTOR = SafeConstructor()
_BUILDERS = {
    _STR: lambda node: node.value,
    "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _CONSTRUCTOR.construct_yaml_timestamp,
}
_COLLECTION_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_PLAIN: dict[str, Any] = {}
_PLAIN_LIMIT = 100_000
_NO_KEY = object()

_SCALAR = yaml.ScalarEvent
_MAP_START = yaml.MappingStartEvent
_SEQ_START = yaml.SequenceStartEvent
_MAP_END = yaml.MappingEndEvent
_SEQ_END = yaml.SequenceEndEvent
_ALIAS = yaml.AliasEvent
_DOC_START = yaml.DocumentStartEvent


class _Fallback(Exception):
    """The document needs PyYAML's own constructor."""


def _plain(value: str) -> Any:
    """A plain scalar's value, typed as the safe loader types it (cached: values repeat)."""
    try:
        return _PLAIN[value]
    except KeyError:
        pass
    tag = _STR
    for candidate, regexp in _IMPLICIT.get(value[0] if value else "", ()):
        if regexp.match(value):
            tag = candidate
            break
    builder = _BUILDERS.get(tag)
    if builder is None:  # merge key '<<', the 'yaml' tag...
        raise _Fallback
    result = builder(ScalarNode(tag, value))
    if len(_PLAIN) > _PLAIN_LIMIT:
        _PLAIN.clear()
    _PLAIN[value] = result
    return result


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        return _plain(event.value) if event.implicit[0] else event.value
    builder = _BUILDERS.get(tag)
    if builder is None:
        raise _Fallback
    return builder(ScalarNode(tag, event.value))


def load_checked(path: Path, text: str, max_depth: int, max_alias_nodes: int) -> Any:
    """Load one document, refusing nesting deeper than ``max_depth`` and aliases that expand
    to more than ``max_alias_nodes`` nodes in total.

    Raises:
        InputError: too deep, too many aliased nodes, or a recursive alias.
        yaml.YAMLError: invalid YAML (the caller names the line).
        ValueError: a scalar the safe constructor rejects (a date like 2024-13-45).
    """
    building = True
    root: Any = None
    stack: list[list] = []  # per open collection: [container, pending key, anchor, nodes so far]
    anchors: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    open_anchors: set[str] = set()
    aliased = 0
    documents = 0
    for event in yaml.parse(text, Loader=Loader):
        kind = type(event)
        if kind is _SCALAR:
            size = 1
            value = None
            if building:
                try:
                    value = _scalar(event)
                except _Fallback:
                    building = False
            if event.anchor is not None:
                anchors[event.anchor], sizes[event.anchor] = value, 1
        elif kind is _MAP_START or kind is _SEQ_START:
            if len(stack) >= max_depth:
                raise InputError(path, f"YAML nested deeper than {max_depth} levels (line {_line(event)})")
            container: Any = {} if kind is _MAP_START else []
            if event.tag not in _COLLECTION_TAGS or (stack and stack[-1][1] is _NO_KEY and type(stack[-1][0]) is dict):
                building = False  # a tagged collection, or a collection used as a key
            stack.append([container, _NO_KEY, event.anchor, 1])
            if event.anchor is not None:
                anchors[event.anchor] = container
                open_anchors.add(event.anchor)
            continue
        elif kind is _MAP_END or kind is _SEQ_END:
            value, _, anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
                open_anchors.discard(anchor)
        elif kind is _ALIAS:
            anchor = event.anchor
            if anchor in open_anchors:
                raise InputError(
                    path, f"YAML alias *{anchor} refers to a collection that contains it (line {_line(event)})"
                )
            if anchor not in anchors:
                building = False  # PyYAML names the undefined alias
            size = sizes.get(anchor, 1)
            aliased += size
            if aliased > max_alias_nodes:
                raise InputError(
                    path,
                    f"YAML aliases expand to more than {max_alias_nodes:,} nodes (line {_line(event)}): refusing a possible alias bomb",
                )
            value = anchors.get(anchor)
        else:
            if kind is _DOC_START:
                documents += 1
                if documents > 1:
                    building = False  # PyYAML refuses a second document
            continue
        if not stack:
            root = value
            continue
        top = stack[-1]
        top[3] += size
        if not building:
            continue
        container = top[0]
        if type(container) is list:
            container.append(value)
        elif top[1] is _NO_KEY:
            if isinstance(value, (dict, list)):
                building = False  # an unhashable key: PyYAML's error
            else:
                top[1] = value
        else:
            container[top[1]] = value
            top[1] = _NO_KEY
    if building:
        return root
    return yaml.load(text, Loader=Loader)  # noqa: S506 - the safe loader, on a checked document


def _line(event: yaml.Event) -> int | str:
    return event.start_mark.line + 1 if event.start_mark is not None else "?"
