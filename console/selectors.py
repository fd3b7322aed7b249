"""dbt's node selection syntax, over the project's graph: ``--select`` and ``--exclude``.

One selector value is a space-separated **union** of terms; a term is a comma-separated
**intersection** of atoms; repeating the option adds to the union. An atom is::

    [@][N+][method:]value[+N]

* ``+name`` adds every ancestor, ``2+name`` ancestors up to two steps up; ``name+`` and
  ``name+1`` do the same downstream; ``@name`` adds the descendants and all their ancestors.
* Methods: ``fqn`` (the default), ``tag``, ``path``, ``file``, ``package``, ``resource_type``,
  ``source``, ``exposure``, ``unique_id``, ``config.<key>``, ``access``, ``group`` and
  ``layer`` (the console's own layer of a model). Values may hold ``*``/``?`` globs.
* A value with no method is a node's ``unique_id`` if one matches exactly, a ``path`` when it
  holds a ``/`` or ends in ``.sql``/``.py``/``.yml``, else an ``fqn``: a node name
  (``orders``), a folder (``staging``) or a dotted prefix (``my_project.marts.orders``).

Like dbt's default (``eager``) indirect selection, a test is selected with any node it tests;
``--exclude`` removes its matches (and their tests) from the selection.

Example:
    >>> import polars as pl
    >>> from console.graph import Graph
    >>> nodes = pl.DataFrame({"unique_id": ["model.p.a", "model.p.b", "model.p.c"],
    ...     "resource_type": ["model"] * 3, "name": ["a", "b", "c"]})
    >>> edges = pl.DataFrame({"parent_id": ["model.p.a", "model.p.b"], "child_id": ["model.p.b", "model.p.c"]})
    >>> sel = select_nodes(Graph.from_frames(nodes, edges), nodes, ["b+"], ["c"])
    >>> sorted(sel.nodes)
    ['model.p.b']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

import polars as pl

from console.errors import InputError
from console.graph import Graph

_ATOM = re.compile(
    r"\A(?P<at>@)?(?:(?P<up>\d*)\+)?(?:(?P<method>[A-Za-z_][\w.]*):)?(?P<value>.*?)(?:\+(?P<down>\d*))?\Z"
)
METHODS = (
    "fqn", "tag", "path", "file", "package", "resource_type", "source", "exposure",
    "unique_id", "config", "access", "group", "layer",
)
_PATH_SUFFIXES = (".sql", ".py", ".yml", ".yaml", ".csv", ".md")
_GLOB = ("*", "?", "[")
_TEST_TYPES = ("test", "unit_test")


@dataclass(frozen=True)
class Atom:
    """One selector atom: a method and value, with graph operators around it."""

    text: str
    method: str | None
    value: str
    up: int | None = None  # ancestors depth; -1 means all
    down: int | None = None  # descendants depth; -1 means all
    at: bool = False


def _depth(sign: str | None, digits: str | None) -> int | None:
    if sign is None:
        return None
    return int(digits) if digits else -1


def parse_atom(text: str, option: str = "--select") -> Atom:
    """Parse one atom such as ``2+tag:nightly+``.

    Raises:
        InputError: unknown method, empty value, or ``@`` combined with ``+``.

    Example:
        >>> parse_atom("2+path:models/marts+")
        Atom(text='2+path:models/marts+', method='path', value='models/marts', up=2, down=-1, at=False)
    """
    m = _ATOM.match(text)
    if m is None:  # pragma: no cover - the pattern matches any string
        raise InputError(None, f"{option}: cannot read selector `{text}`")
    method = m.group("method")
    value = m.group("value")
    up = _depth("+" if m.group("up") is not None else None, m.group("up"))
    down = _depth("+" if m.group("down") is not None else None, m.group("down"))
    if method is not None:
        base = method.split(".", 1)[0]
        if base not in METHODS:
            raise InputError(None, f"{option}: unknown selector method `{method}` in `{text}` (known: {', '.join(METHODS)})")
        if base == "config" and "." not in method:
            raise InputError(None, f"{option}: `config` needs a key, like `config.materialized:table` (in `{text}`)")
    if not value:
        raise InputError(None, f"{option}: selector `{text}` has no value")
    if m.group("at") and (up is not None):
        raise InputError(None, f"{option}: `@` and a leading `+` cannot be combined (in `{text}`)")
    return Atom(text, method, value, up, down, bool(m.group("at")))


def parse_selectors(values: Iterable[str], option: str = "--select") -> list[list[Atom]]:
    """Split option values into a union of intersections of atoms.

    Example:
        >>> [[a.text for a in term] for term in parse_selectors(["a b", "tag:x,path:m"])]
        [['a'], ['b'], ['tag:x', 'path:m']]
    """
    terms: list[list[Atom]] = []
    for value in values:
        for term in value.split():
            atoms = [parse_atom(part, option) for part in term.split(",") if part]
            if atoms:
                terms.append(atoms)
    return terms


@dataclass(frozen=True)
class Selection:
    """The outcome of ``--select``/``--exclude``.

    Attributes:
        nodes: unique_ids selected (of the graph's nodes).
        known: every unique_id of the graph.
        explicit: True when ``--select`` was given.
        unmatched: atoms that matched no node (worth a warning).
    """

    nodes: frozenset[str]
    known: frozenset[str]
    explicit: bool
    unmatched: tuple[str, ...] = ()

    def keeps(self, node: str | None) -> bool:
        """A finding on ``node`` stays: its node is selected, or it lies outside the graph
        (project-level, last-mile) and no ``--select`` narrowed the report."""
        if node is not None and node in self.known:
            return node in self.nodes
        return not self.explicit


class _Matcher:
    """Evaluates atoms against the nodes frame (vectorised per atom) and the graph."""

    def __init__(self, graph: Graph, nodes: pl.DataFrame):
        self.graph = graph
        self.nodes = nodes
        self.ids = nodes["unique_id"].to_list()
        self.id_set = set(self.ids)
        self._fqns: list[tuple[str, list[str]]] | None = None
        self._packages: set[str] | None = None

    def _col(self, name: str) -> pl.Expr:
        if name in self.nodes.columns:
            return pl.col(name)
        return pl.lit(None, dtype=pl.String)

    def _where(self, expr: pl.Expr) -> set[str]:
        return set(self.nodes.filter(expr.fill_null(False))["unique_id"].to_list())

    @staticmethod
    def _eq(col: pl.Expr, value: str) -> pl.Expr:
        if any(g in value for g in _GLOB):
            return col.cast(pl.String).str.contains(glob_regex(value))
        return col.cast(pl.String) == value

    def match(self, atom: Atom) -> set[str]:
        method, value = atom.method, atom.value
        if method is None:
            if value in self.id_set:
                return {value}
            if "/" in value or value.lower().endswith(_PATH_SUFFIXES):
                method = "path"
            else:
                method = "fqn"
        base, _, key = method.partition(".")
        if base == "fqn":
            return self._fqn(value)
        if base == "unique_id":
            return self._where(self._eq(pl.col("unique_id"), value))
        if base == "tag":
            if "tags" not in self.nodes.columns:
                return set()
            return self._where(pl.col("tags").list.eval(self._eq(pl.element(), value)).list.any())
        if base == "path":
            return self._path(value)
        if base == "file":
            name = self._col("path").str.split("/").list.last()
            stem = name.str.replace(r"\.[^.]*$", "")
            return self._where(self._eq(name, value) | self._eq(stem, value))
        if base == "package":
            return self._where(self._eq(self._col("package_name"), value))
        if base == "resource_type":
            return self._where(self._eq(self._col("resource_type"), value))
        if base == "exposure":
            return self._where((self._col("resource_type") == "exposure") & self._eq(self._col("name"), value))
        if base == "source":
            return self._source(value)
        if base in ("access", "layer"):
            return self._where(self._eq(self._col(base), value))
        if base == "group":
            return self._where(self._eq(self._col("group_name"), value))
        return self._config(key, value)

    def _path(self, value: str) -> set[str]:
        want = value.strip().removeprefix("./").rstrip("/")
        path = self._col("path")
        if any(g in want for g in _GLOB):
            return self._where(self._eq(path, want) | self._eq(path, want + "/*"))
        return self._where((path == want) | path.str.starts_with(want + "/"))

    def _source(self, value: str) -> set[str]:
        parts = value.split(".")
        is_source = self._col("resource_type") == "source"
        if len(parts) == 1:
            return self._where(is_source & self._eq(self._col("source_name"), parts[0]))
        if len(parts) == 2:
            return self._where(is_source & self._eq(self._col("source_name"), parts[0]) & self._eq(self._col("name"), parts[1]))
        return self._where(
            is_source & self._eq(self._col("package_name"), parts[0]) & self._eq(self._col("source_name"), parts[1])
            & self._eq(self._col("name"), ".".join(parts[2:]))
        )

    def _config(self, key: str, value: str) -> set[str]:
        if key == "materialized" and "materialized" in self.nodes.columns:
            return self._where(self._eq(pl.col("materialized"), value))
        if "config" not in self.nodes.columns:
            return set()
        raw = pl.col("config").cast(pl.String).str.json_path_match(f"$.{key}")
        return self._where(self._eq(raw, value) | self._eq(raw.str.to_lowercase(), value.lower()))

    def _fqn(self, value: str) -> set[str]:
        if self._fqns is None:
            fqns = self.nodes["fqn"].to_list() if "fqn" in self.nodes.columns else [None] * len(self.ids)
            names = self.nodes["name"].to_list() if "name" in self.nodes.columns else [None] * len(self.ids)
            self._fqns = [
                (uid, list(fqn) if fqn else ([name] if name else [uid])) for uid, fqn, name in zip(self.ids, fqns, names)
            ]
            self._packages = {f[0] for _, f in self._fqns if len(f) > 1}
        packages = self._packages or set()
        first = value.split(".")[0]
        candidates = [value] if first in packages else [value, *(f"{p}.{value}" for p in sorted(packages))]
        return {uid for uid, fqn in self._fqns if any(fqn_matches(fqn, c) for c in candidates)}

    def expand(self, atom: Atom, base: set[str]) -> set[str]:
        out = set(base)
        if atom.at:
            down = self.graph.descendants(base)
            out.update(down)
            out.update(self.graph.ancestors(out))
            return out
        if atom.up is not None:
            out.update(self.graph.ancestors(base, None if atom.up < 0 else atom.up))
        if atom.down is not None:
            out.update(self.graph.descendants(base, None if atom.down < 0 else atom.down))
        return out

    def with_tests(self, selected: set[str]) -> set[str]:
        """Eager indirect selection: the tests of any selected node."""
        if "resource_type" not in self.nodes.columns or not selected:
            return selected
        tests = self._where(pl.col("resource_type").is_in(list(_TEST_TYPES)))
        out = set(selected)
        for test in tests - selected:
            if any(p in selected for p in self.graph.parents.get(test, ())):
                out.add(test)
        return out


def glob_regex(pattern: str) -> str:
    r"""A shell glob (``*``, ``?``, ``[abc]``) as an anchored regular expression.

    Example:
        >>> glob_regex("stg_*.sql")
        '^stg_.*\\.sql$'
    """
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "^" + "".join(out) + "$"


def fqn_matches(fqn: Sequence[str], selector: str) -> bool:
    """dbt's fqn rule: the selector is the node's name, or a dotted prefix of its fqn (globs allowed).

    Example:
        >>> fqn_matches(["shop", "staging", "stg_orders"], "shop.staging")
        True
        >>> fqn_matches(["shop", "staging", "stg_orders"], "stg_orders"), fqn_matches(["shop", "marts", "x"], "shop.stag*")
        (True, False)
    """
    if fqn and fqn[-1] == selector:
        return True
    flat = [part for segment in fqn for part in segment.split(".")]
    wanted = selector.split(".")
    if len(flat) < len(wanted):
        return False
    for i, part in enumerate(wanted):
        if any(g in part for g in _GLOB):
            return fnmatchcase(".".join(flat[i:]), ".".join(wanted[i:]))
        if flat[i] != part:
            return False
    return True


def _evaluate(matcher: _Matcher, terms: list[list[Atom]], unmatched: list[str]) -> set[str]:
    union: set[str] = set()
    for term in terms:
        result: set[str] | None = None
        for atom in term:
            base = matcher.match(atom)
            if not base:
                unmatched.append(atom.text)
            got = matcher.expand(atom, base)
            result = got if result is None else result & got
        union |= result or set()
    return matcher.with_tests(union)


def select_nodes(graph: Graph, nodes: pl.DataFrame, select: Sequence[str] = (), exclude: Sequence[str] = ()) -> Selection:
    """Apply ``--select`` and ``--exclude`` values to the project's nodes.

    Args:
        graph: the project's graph.
        nodes: the store's ``nodes`` frame (``unique_id``, ``resource_type``, ``name``,
            ``fqn``, ``path``, ``tags``... whichever exist).
        select: ``--select`` values (none: every node).
        exclude: ``--exclude`` values.

    Raises:
        InputError: a selector that cannot be read.
    """
    select_terms = parse_selectors(select, "--select")
    exclude_terms = parse_selectors(exclude, "--exclude")
    known = frozenset(graph.parents) | frozenset(nodes["unique_id"].to_list())
    matcher = _Matcher(graph, nodes)
    unmatched: list[str] = []
    chosen = _evaluate(matcher, select_terms, unmatched) if select_terms else set(known)
    if exclude_terms:
        chosen -= _evaluate(matcher, exclude_terms, unmatched)
    return Selection(frozenset(chosen), known, bool(select_terms), tuple(dict.fromkeys(unmatched)))
