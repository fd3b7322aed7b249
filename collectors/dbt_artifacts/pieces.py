"""A big manifest read in pieces: its ``nodes`` section a few megabytes at a time, then the rest.

Parsing a whole 240 MB manifest at once holds, at the same moment, the file's bytes, the parser's
own document (about twice the file) and the Python objects it builds (about three times the
file): 1.4 GB for 50,000 models before anything is read out of it. The ``nodes`` section is
most of a manifest (85% of a generated one, the SQL of every model twice), so
:func:`split_manifest` cuts it into pieces of whole entries, each parsed, read into frames
and dropped before the next; what is left (the sections after ``nodes``) is parsed last, as a
copy, once the file's bytes are no longer needed.

How a cut is found, and why it is safe: a candidate cut is a ``}`` followed by a comma and
the next ``"key": {`` whose key looks like a unique_id, found by a byte pattern a few megabytes on. The candidate is accepted
only when ``{`` + the piece + ``}`` parses as JSON. A JSON text is lexed the same way from the
start of an entry whether or not the bytes before it are present, so the piece parses if and
only if it ends exactly after a whole entry of the ``nodes`` object: a cut inside a string or
inside a nested object leaves a bracket or a string open and is refused. A refused candidate
costs one more parse of a piece; after a few refusals the rest of the section is left to the
final parse, which is always correct. A manifest in which ``"nodes"`` is not one of the first
members (dbt writes it right after ``metadata``) is parsed whole (:func:`split_manifest`
returns None).

Example:
    >>> data = b'{"metadata": {"v": 1}, "nodes": {"m.p.x": {"n": 1}, "m.p.y": {"n": 2}, "m.p.z": {"n": 3}}, "macros": {}}'
    >>> pieces = split_manifest(Path("manifest.json"), data, chunk_bytes=8)
    >>> pieces.head
    {'metadata': {'v': 1}}
    >>> [list(chunk) for chunk in pieces.chunks()]
    [['m.p.x'], ['m.p.y']]
    >>> rest = pieces.rest()
    >>> list(rest["nodes"]), list(rest)
    (['m.p.z'], ['metadata', 'nodes', 'macros'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from console.errors import InputError

CHUNK_BYTES = 8 * 1024 * 1024
"""Bytes of ``nodes`` entries parsed at once (a few thousand models)."""

HEAD_LIMIT = 16 * 1024 * 1024
"""``"nodes"`` must start within this many bytes (after ``metadata``) for the file to be split."""

_ATTEMPTS = 8
"""Candidate cuts tried for one piece before the rest of the section is left to the final parse."""

_NODES = re.compile(rb'"nodes"\s*:\s*\{')
_CUT = re.compile(rb'\}\s*,\s*(?="[^"\\.]+\.[^"\\.]+\.[^"\\]*"\s*:\s*\{)')
"""A ``}``, a comma, and a next key shaped like a unique_id (``type.package.name``): nested keys
(columns, config) rarely have two dots, so few candidates are refused."""


class ManifestPieces:
    """A manifest split around its ``nodes`` section (see the module docstring).

    Attributes:
        head: the members before ``nodes`` (``metadata`` in what dbt writes), parsed.
    """

    def __init__(self, path: Path, data: bytes, head: dict, content_start: int, chunk_bytes: int):
        self.path = path
        self.head = head
        self._data: bytes | None = data
        self._content_start = content_start  # just after the `{` of the nodes section
        self._next = content_start  # the first entry not yet given out
        self._chunk_bytes = chunk_bytes

    def chunks(self) -> Iterator[dict]:
        """The ``nodes`` entries in order, as dicts of whole entries (the last ones stay for :meth:`rest`)."""
        data = self._data
        if data is None:
            return
        view = memoryview(data)
        try:
            while self._next + self._chunk_bytes < len(data):
                piece = self._piece(data, view, self._next)
                if piece is None:
                    return
                self._next = piece[1]
                piece = [piece[0]]
                yield piece.pop()  # the caller holds the only reference: it frees the piece
        finally:
            view.release()

    def _piece(self, data: bytes, view: memoryview, start: int) -> tuple[dict, int] | None:
        at = start + self._chunk_bytes
        for _ in range(_ATTEMPTS):
            cut = _CUT.search(data, at)
            if cut is None:
                return None
            buf = bytearray(b"{")
            buf += view[start : cut.start() + 1]
            buf += b"}"
            try:
                parsed = orjson.loads(buf)
            except orjson.JSONDecodeError:
                at = cut.end()
                continue
            return parsed, cut.end()
        return None

    def rest(self) -> dict:
        """The manifest without the entries :meth:`chunks` gave out; frees the file's bytes."""
        data, self._data = self._data, None
        if data is None:
            raise RuntimeError("rest() was already taken")
        if self._next > self._content_start:
            rest: bytes | bytearray = bytearray(data[: self._content_start])
            rest += memoryview(data)[self._next :]
        else:  # nothing was cut out: the document as it is
            rest = data
        del data  # the caller has dropped its reference: only the copy is left while it parses
        try:
            return orjson.loads(rest)
        except orjson.JSONDecodeError as e:  # positions of the copy are told as the file's
            cut = self._next - self._content_start
            at = e.pos if e.pos < self._content_start else e.pos + cut
            problem = f"not valid JSON: {e.msg} at byte {at}"
            if "end of data" in e.msg:
                problem += " (the file is truncated, or dbt is still writing it)"
            raise InputError(self.path, problem) from None


def split_manifest(path: Path, data: bytes, chunk_bytes: int = CHUNK_BYTES) -> ManifestPieces | None:
    """Split ``data`` around its ``nodes`` section, or None when it cannot be (parse it whole).

    The head (the members before ``nodes``) is parsed here; a head that does not parse means
    ``"nodes"`` was not found at the top level, and the file is left to the whole parse (which
    also says what is wrong with a broken file).
    """
    found = _NODES.search(data, 0, HEAD_LIMIT)
    if found is None:
        return None
    prefix = data[: found.start()].rstrip()
    if prefix.endswith(b","):
        prefix = prefix[:-1]
    try:
        head = orjson.loads(prefix + b"}")
    except orjson.JSONDecodeError:
        return None
    if type(head) is not dict or "nodes" in head or type(head.get("metadata")) is not dict:
        return None  # (dbt writes metadata first: without it here, the whole parse says what is wrong)
    return ManifestPieces(path, data, head, found.end(), chunk_bytes)
