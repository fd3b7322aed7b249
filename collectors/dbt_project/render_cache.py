"""Rendered results, cached by what they depend on, so a re-collect renders only what changed.

An entry is keyed by :func:`render_key`: a hash of :data:`~collectors.dbt_project.render.RENDER_VERSION`,
the model's text, its name, package and config (``config.get`` and ``this`` read them) and the
target. It records what the render found (refs, sources, ``config()`` values; or the failure's
reason) and what it depended on beyond its text: the macros it reached (with the digest of their
file) and the variables it read (with the digest of their value). An entry is used only while
:meth:`~collectors.dbt_project.render.Renderer.dependencies_hold` says those are unchanged.

Two levels: the store's ``render_cache`` table (read before the project's files, replaced in
the collect's one transaction by the entries of the project as it is) and an in-process memo (the terminal UI re-collects in one process).
Entries are JSON: a fresh render goes through the same form as a cached one, so both give the
same calls (config values that are not JSON become their text).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from collectors.dbt_project.jinja_refs import JinjaCalls
from collectors.dbt_project.render import RENDER_VERSION, RenderFailed, Renderer

_MEMO: dict[str, tuple[str, str, str]] = {}
_MEMO_MAX = 100_000

CACHE_SCHEMA = {"text_hash": pl.String, "macros": pl.String, "vars": pl.String, "calls": pl.String}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def render_key(text: str, *, name: str, package: str, config: Mapping[str, Any], target: Mapping[str, Any]) -> str:
    """The cache key of one render.

    Example:
        >>> k = render_key("{{ ref(x) }}", name="m", package="p", config={}, target={"name": "dev"})
        >>> k == render_key("{{ ref(x) }}", name="m", package="p", config={}, target={"name": "prod"})
        False
        >>> len(k)
        40
    """
    data = "\0".join((RENDER_VERSION, package, name, _dumps(config), _dumps(target), text))
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()


def encode_calls(calls: JinjaCalls | None, error: str | None = None) -> str:
    """A render's calls (or its failure) as the JSON the cache keeps."""
    if calls is None:
        return _dumps({"error": error})
    return _dumps({"refs": calls.refs, "sources": calls.sources, "config": calls.config})


def decode_calls(text: str) -> JinjaCalls | str:
    """The calls an entry records, or the failure's reason (a ``str``).

    Example:
        >>> c = decode_calls(encode_calls(JinjaCalls(refs=[(None, "a", None)], sources=[("s", "t")])))
        >>> c.refs, c.sources
        ([(None, 'a', None)], [('s', 't')])
        >>> decode_calls(encode_calls(None, "boom"))
        'boom'
    """
    data = json.loads(text)
    if "error" in data:
        return str(data["error"])
    calls = JinjaCalls()
    for ref in data["refs"]:
        calls.add("ref", tuple(a for a in ref[:2] if a is not None), {"v": ref[2]} if ref[2] is not None else {})
    for source in data["sources"]:
        calls.add("source", tuple(source), {})
    calls.config = data["config"]
    return calls


Entry = tuple[str, str, str]
"""A cache entry: (macros JSON, vars JSON, calls JSON)."""


def render_entry(renderer: Renderer, text: str, kwargs: Mapping[str, Any]) -> Entry:
    """Render one model (``renderer.render(text, **kwargs)``) into a cache entry."""
    try:
        result = renderer.render(text, **kwargs)
    except RenderFailed as e:
        return (_dumps(dict(renderer._reached)), _dumps(dict(renderer._vars_read)), encode_calls(None, str(e)))
    return (_dumps(result.macros), _dumps(result.vars), encode_calls(result.calls))


class RenderCache:
    """The cache of one collect: the store's entries, the in-process memo, and the new entries.

    Args:
        stored: ``text_hash -> (macros JSON, vars JSON, calls JSON)`` as
            :func:`console.store.render_cache.cached_renders` returns them.
    """

    def __init__(self, stored: Mapping[str, tuple[str, str, str]] | None = None, load: Any = None):
        self._load = load  # or a callable returning ``stored``, called on the first lookup (one store visit only when needed)
        self.stored = dict(stored or {})
        self.new: dict[str, tuple[str, str, str]] = {}
        self.used: dict[str, tuple[str, str, str]] = {}  # every entry of this collect, new or not
        self.ahead: dict[str, tuple[str, str, str]] = {}  # rendered by prerender, not yet taken
        self.hits = 0
        self._holds: dict[tuple[Renderer, str, str], bool] = {}

    def _valid(self, key: str, renderer: Renderer) -> Entry | None:
        if self._load is not None:
            self.stored.update(self._load())
            self._load = None
        entry = self.new.get(key) or _MEMO.get(key) or self.stored.get(key)
        if entry is None:
            return None
        deps = (renderer, entry[0], entry[1])  # many models share their dependencies: check once
        holds = self._holds.get(deps)
        if holds is None:
            holds = self._holds[deps] = renderer.dependencies_hold(json.loads(entry[0]), json.loads(entry[1]))
        return entry if holds else None

    def lookup(self, key: str, renderer: Renderer) -> JinjaCalls | str | None:
        """The cached calls (or failure reason) for ``key`` while its dependencies hold, else None."""
        entry = self._valid(key, renderer)
        if entry is None:
            return None
        calls = entry[2]
        self.used[key] = entry
        self.hits += 1
        return decode_calls(calls)

    def render(self, renderer: Renderer, key: str, text: str, **kwargs: Any) -> JinjaCalls | str:
        """Render (no cache lookup) and record the entry; the calls, or the failure's reason."""
        entry = render_entry(renderer, text, kwargs)
        self.remember(key, entry)
        return decode_calls(entry[2])

    def take(self, key: str) -> JinjaCalls | str | None:
        """The calls (or failure) of a model rendered ahead in this collect (:meth:`prerender`)."""
        entry = self.ahead.pop(key, None)
        return None if entry is None else decode_calls(entry[2])

    def prerender(self, renderer: Renderer, jobs: Sequence[Any]) -> None:
        """Render, on every core, the jobs (:class:`~collectors.dbt_project.render_pool.RenderJob`)
        whose entry is missing or stale; :meth:`take` then hands each one out."""
        with self.ahead_of(renderer) as ahead:
            for job in jobs:
                ahead.add(job)
            ahead.finish()

    def ahead_of(self, renderer: Renderer) -> Ahead:
        """A :class:`Ahead` for models handed over one by one as they are set up."""
        return Ahead(self, renderer)

    def remember(self, key: str, entry: tuple[str, str, str]) -> None:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[key] = entry
        self.new[key] = entry
        self.used[key] = entry

    def frame(self, new_only: bool = False) -> pl.DataFrame:
        """Every entry this collect used or made: what the store's table becomes (entries of
        texts no longer in the project are dropped, so the table does not grow with each edit);
        with ``new_only``, the entries made in this collect (the overlay's, upserted)."""
        rows = [(k, *e) for k, e in (self.new if new_only else self.used).items()]
        return pl.DataFrame(rows, schema=CACHE_SCHEMA, orient="row")


class Ahead:
    """Models rendered ahead, handed over one by one as they are set up (:meth:`add`): those
    whose entry is missing or stale go to a :class:`~collectors.dbt_project.render_pool.RenderStream`,
    which starts rendering them on the other cores at once; :meth:`finish` renders the rest and
    keeps every entry for :meth:`RenderCache.take`. A context manager: leaving it stops the workers."""

    def __init__(self, cache: RenderCache, renderer: Renderer):
        from collectors.dbt_project.render_pool import RenderStream

        self.cache, self.renderer = cache, renderer
        self.stream = RenderStream(renderer)
        self._keys: set[str] = set()

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()

    def add(self, job: Any) -> None:
        """One model to render (nothing when its entry is valid, or it was handed over already)."""
        if job.key not in self._keys and self.cache._valid(job.key, self.renderer) is None:
            self._keys.add(job.key)
            self.stream.add(job)

    def finish(self) -> None:
        """Render what is left and keep every entry."""
        cache = self.cache
        for key, entry in self.stream.finish().items():
            cache.remember(key, entry)
            cache.ahead[key] = entry
