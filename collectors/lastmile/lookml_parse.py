"""LookML files to plain, JSON-able blocks that keep their line numbers (``lkml``'s syntax tree).

``lkml.load`` drops positions; its syntax tree (``lkml.parse``) keeps each token's line. A
block becomes ``{"type", "name", "line", "pairs": {key: [value, line, sql_line]},
"lists": {key: [[entry, line], ...]}, "blocks": [...]}``, where a list entry is a string or a
``[key, value]`` pair (``filters: [status: "completed"]``). ``sql_line`` is where an
expression's text starts (lkml's line is that of the closing ``;;``).
"""

from __future__ import annotations

from typing import Any

import lkml
from lkml import tree
from lkml.lexer import Lexer
from lkml.parser import Parser

from collectors.lastmile.model import skip


def _token_line(tok: Any) -> int:
    return int(getattr(tok, "line_number", None) or 1)


def _pair(node: tree.PairNode) -> list:
    tok = node.value
    value = str(tok.value)
    line = _token_line(node.type)
    if isinstance(tok, tree.ExpressionSyntaxToken):
        end = _token_line(tok)
        start = end - value.count("\n") - str(getattr(tok, "expr_suffix", "") or "").count("\n")
        return [value, line, max(start, line)]
    return [value, line, line]


def _container(container: tree.ContainerNode) -> dict:
    out: dict[str, Any] = {"pairs": {}, "lists": {}, "blocks": []}
    for node in container.items:
        if isinstance(node, tree.PairNode):
            out["pairs"][str(node.type.value)] = _pair(node)
        elif isinstance(node, tree.ListNode):
            entries = []
            for entry in node.items:
                if isinstance(entry, tree.PairNode):
                    entries.append([[str(entry.type.value), str(entry.value.value)], _token_line(entry.type)])
                elif isinstance(entry, tree.BlockNode):
                    entries.append([_block(entry), _token_line(entry.type)])
                else:
                    entries.append([str(getattr(entry, "value", entry)), _token_line(entry)])
            out["lists"].setdefault(str(node.type.value), []).extend(entries)
        elif isinstance(node, tree.BlockNode):
            out["blocks"].append(_block(node))
    return out


def _block(node: tree.BlockNode) -> dict:
    body = _container(node.container)
    return {"type": str(node.type.value), "name": str(node.name.value) if node.name else None, "line": _token_line(node.type), **body}


STUCK_PEEKS = 10_000
"""Looks at one position this many times without moving on: lkml's lexer is stuck (see below)."""


class _GuardedLexer(Lexer):
    """lkml's lexer, refusing input it would loop on forever.

    lkml's ``scan`` waits for ``;;`` when it meets ``;`` and consumes nothing on a lone ``;``
    (``type: string;``), so it looks at the same character forever: a careless or damaged view
    file would hang the collect (found by the slow fuzz run). Counting looks at one position
    turns that into the same SyntaxError as any other malformed LookML.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._at = -1
        self._looks = 0

    def peek(self) -> str:
        if self.index == self._at:
            self._looks += 1
            if self._looks > STUCK_PEEKS:
                raise SyntaxError(f"Unexpected character {self.text[self.index]!r} on line {self.line_number}")
        else:
            self._at, self._looks = self.index, 0
        return self.text[self.index]


def _parse(text: str) -> tree.DocumentNode:
    """``lkml.parse`` with the guarded lexer."""
    return Parser(_GuardedLexer(text).scan()).parse()


def parse_lookml(rel: str, text: str) -> tuple[dict | None, list[dict]]:
    """The file's top level as a block (type ``file``), or None and a skip naming the line.

    Example:
        >>> doc, skips = parse_lookml("v.view.lkml", "view: v {\\n  sql_table_name: a.b ;;\\n}")
        >>> doc["blocks"][0]["pairs"]["sql_table_name"], skips
        (['a.b', 2, 2], [])
        >>> parse_lookml("bad.view.lkml", "view: v {\\n  dimension: d {\\n")[0] is None
        True
    """
    try:
        parsed = _parse(text)
    except SyntaxError as e:
        message = str(e.msg if getattr(e, "msg", None) else e)
        tail = message.rpartition(" on line ")[2]
        line = getattr(e, "lineno", None) or (int(tail) if tail.isdigit() else None)
        return None, [skip(line, f"malformed LookML: {message}")]
    except (IndexError, KeyError, ValueError, TypeError, AttributeError) as e:
        # lkml's lexer fails with IndexError on an unterminated `;;` block or string
        return None, [skip(text.count("\n") + 1, f"malformed LookML: unexpected end of file ({type(e).__name__})")]
    if parsed is None:
        return None, [skip(None, "malformed LookML: lkml found no document")]
    return {"type": "file", "name": None, "line": 1, **_container(parsed.container)}, []
