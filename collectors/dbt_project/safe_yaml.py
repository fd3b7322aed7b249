"""YAML from users' files, loaded safely: size, alias expansion and nesting are bounded.

``yaml.safe_load`` never runs code, but a small file can still hurt a reader:

* an alias "bomb" (billion laughs): nine anchors of ten aliases each load into a small shared
  structure that expands to a billion nodes the moment anything walks it (JSON encoding,
  copying, counting). What matters is the expansion, not the number of aliases, so the
  loader counts the nodes that aliases stand for and refuses more than
  :data:`MAX_ALIAS_NODES`;
* deep nesting: libyaml's scanner is quadratic in flow depth (16,000 nested ``[`` take seconds,
  two million take hours) and its composer recurses in C. Nesting deeper than
  :data:`MAX_DEPTH` is refused before the document is built;
* sheer size: files over :data:`MAX_BYTES` are refused unread.

Depth and alias expansion are measured on libyaml's event stream while the document is built
from it (:mod:`collectors.dbt_project.yaml_events`), so the checks cost nothing extra and an
excess stops the read at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from collectors.dbt_project.yaml_events import load_checked
from console.errors import InputError
from console.files import limit_for
from console.gc_pause import gc_paused  # noqa: F401 - re-exported

MAX_BYTES = limit_for("yaml")
"""Largest YAML file read (10 MB unless ``CONSOLE_MAX_FILE_MB``); dbt property files are kilobytes."""
MAX_DEPTH = 64
"""Deepest nesting of collections accepted."""
MAX_ALIAS_NODES = 100_000
"""Most nodes that aliases may stand for, in total (nested aliases counted expanded)."""




def read_bytes(path: Path, limit: int, what: str = "files of this kind") -> bytes:
    """A file's bytes.

    Raises:
        InputError: unreadable, or larger than ``limit`` bytes.
    """
    from console.files import read_limited

    return read_limited(path, limit, what)


def decode_utf8(path: Path, data: bytes) -> str:
    """UTF-8 text (a leading byte order mark dropped).

    Raises:
        InputError: the bytes are not UTF-8, naming the first bad line.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(path, f"not UTF-8 text (line {line})") from None
    return text[1:] if text.startswith("\ufeff") else text


def safe_load_yaml(path: Path, text: str | None = None) -> Any:
    """Load one YAML document safely (see the module docstring for the limits).

    Args:
        path: the file; read when ``text`` is None, always named in errors.
        text: the file's content, when already read.

    Returns:
        The document: a dict, list or scalar; None for an empty file.

    Raises:
        InputError: unreadable, too large, not UTF-8, invalid YAML (with its line), nested
            deeper than :data:`MAX_DEPTH`, or aliases expanding past :data:`MAX_ALIAS_NODES`.

    Example:
        >>> safe_load_yaml(Path("schema.yml"), "models:\\n  - name: orders\\n")
        {'models': [{'name': 'orders'}]}
        >>> safe_load_yaml(Path("bad.yml"), "models: [a, b\\n")
        Traceback (most recent call last):
        ...
        console.errors.InputError: bad.yml: invalid YAML at line 2, column 1: did not find expected ',' or ']' while parsing a flow sequence
    """
    if text is None:
        text = decode_utf8(path, read_bytes(path, limit_for("yaml"), "YAML files"))
    elif len(text) > limit_for("yaml"):
        raise InputError(path, f"is over the {limit_for('yaml') // 1_048_576} MB limit for YAML files")
    try:
        with gc_paused():
            return load_checked(path, text, MAX_DEPTH, MAX_ALIAS_NODES)
    except yaml.MarkedYAMLError as e:
        raise InputError(path, _marked(e)) from None
    except yaml.YAMLError as e:
        raise InputError(path, f"invalid YAML: {e}") from None
    except (ValueError, OverflowError) as e:  # a value the safe constructor rejects (a bad date)
        raise InputError(path, f"invalid YAML value: {e}") from None


def _marked(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    parts = (
        (error.problem, error.context) if (error.context or "").startswith("while") else (error.context, error.problem)
    )
    problem = " ".join(p for p in parts if p) or "invalid YAML"
    if mark is None:
        return f"invalid YAML: {problem}"
    return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
