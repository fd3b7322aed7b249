"""Rendering a model's Jinja as dbt does at parse time, where reading it is not enough.

The static reader (:mod:`collectors.dbt_project.jinja_refs`) finds literal ``ref('x')`` calls:
fast, and right for most models. Real projects also build refs in Jinja: loops over ``var()``
lists, ``set`` variables, macros that return ``ref()``, package macros behind
``adapter.dispatch``, refs under ``{% if target.name == 'prod' %}``. Only rendering finds
those, so a model whose code has any Jinja statement or any expression other than a literal
``ref``/``source``/``config`` call is rendered here, with jinja2 (the engine dbt uses) in a
sandboxed environment.

Parse time as dbt has it:

* ``execute`` is false; ``run_query``, ``statement`` blocks, ``load_result``,
  ``adapter.get_columns_in_relation`` and their kind return empty results; nothing touches a
  database, the network or a file, and the sandbox keeps templates from Python's internals;
* ``ref``, ``source`` and ``config`` record what they are given (that is what the DAG needs);
  ``config.get`` answers from the model's config as the project tree and yml give it;
* ``var()`` reads ``vars:`` of ``dbt_project.yml`` (global and per package) and the ``--vars``
  given to the collect; ``env_var()`` the environment, else its default; ``target`` is the
  profile's target (secrets dropped) or, without a profile, ``{name: 'dev', type: the
  adapter, schema: 'main', database: the project name}``;
* macros: the root project's and every package's under ``dbt_packages/`` (a package's macros
  are called through its name, ``dbt_utils.star(...)``, as dbt requires; inside a package its
  own macros are local), ``adapter.dispatch`` resolved as dbt resolves it (the ``dispatch:``
  search order of ``dbt_project.yml``, else the namespace's package; ``<adapter>__name`` before
  ``default__name``), and ``return()``.

A model whose rendering fails keeps what the static reading found; the collect summary counts it
with the first line of the error and its line. Results are cached by the model's text, the
macros it reached and the variables it read (:mod:`collectors.dbt_project.render_cache`), so a
re-collect renders only what changed; models that need rendering are rendered on every core
(:mod:`collectors.dbt_project.render_pool`), and models of one template shape compile once
(:meth:`Renderer._compiled`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collectors.dbt_project.jinja_refs import JinjaCalls

if TYPE_CHECKING:
    import jinja2

# jinja2 (about 0.1 s to import) is imported by the first Renderer: a collect that finds the
# project unchanged reads RENDER_VERSION and needs_rendering from here without it

RENDER_VERSION = "1"
"""Part of every cache key: bump it when rendering changes what it finds."""

_STATIC_TAG = re.compile(
    r"""\{\{-?\s*(?:ref|source|config|doc)\(\s*(?:(?:'[^'\\]*'|"[^"\\]*"|\d+|True|False|None|\w+\s*=\s*(?:'[^'\\]*'|"[^"\\]*"|\d+|True|False|None|\[[^\]]*\]))\s*,?\s*)*\)\s*-?\}\}"""
)
_LITERAL = r"""(?:'[^'\\]*'|"[^"\\]*"|-?\d+(?:\.\d+)?|True|False|None|true|false|none)"""
_PRINTED_TAG = re.compile(
    r"""\{\{-?\s*(?:(?:this|target)(?:\.\w+)*|(?:var|env_var)\(\s*(?:'[^'\\]*'|"[^"\\]*")\s*(?:,\s*""" + _LITERAL
    + r"""\s*)?\))\s*-?\}\}"""
)
"""An expression that only prints a value (``this``, ``target.schema``, ``var('x')``,
``env_var('X', 'd')``): it cannot add a ref, a source or a config, so it needs no render."""
_SKIPPED_TOKENS = frozenset({"whitespace", "comment_begin", "comment", "comment_end", "linecomment_begin",
                             "linecomment", "linecomment_end", "raw_begin", "raw_end"})
"""Tokens ``jinja2.lexer.Lexer.wrap`` drops (what the parser never sees)."""
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def needs_rendering(text: str) -> bool:
    """True when the static reading may miss or misread what rendering finds: any statement
    tag, or any expression other than a literal ``ref``/``source``/``config``/``doc`` call or
    one that only prints a value (:data:`_PRINTED_TAG`).

    Example:
        >>> needs_rendering("select * from {{ ref('a') }} join {{ source('s', 't') }}")
        False
        >>> needs_rendering("{% for c in var('chains') %}select * from {{ ref(c) }}{% endfor %}")
        True
        >>> needs_rendering("{{ config(materialized='table', tags=['a']) }} select 1")
        False
        >>> needs_rendering("select * from {{ ref('a') }} where d > '{{ var('start', '2020-01-01') }}' and {{ this }}")
        False
        >>> needs_rendering("select * from {{ ref(var('upstream')) }}"), needs_rendering("{{ var('x') | upper }}")
        (True, True)
    """
    if "{%" not in text and "{{" not in text:
        return False
    body = _COMMENT.sub("", text)
    for match in _TAG.finditer(body):
        tag = match.group()
        if tag.startswith("{%") or not (_STATIC_TAG.fullmatch(tag) or _PRINTED_TAG.fullmatch(tag)):
            return True
    return False


class _Return(Exception):
    """dbt's ``return()``: the value a macro hands back instead of its text."""

    def __init__(self, value: Any):
        super().__init__()
        self.value = value


def _return(value: Any = None) -> None:
    raise _Return(value)


_UNSET = object()


class RenderFailed(Exception):
    """A model's Jinja could not be rendered; ``str`` is one line with the template line."""


class Relation:
    """What ``ref()``, ``source()`` and ``this`` return at parse time: prints as a relation name."""

    def __init__(self, database: str | None, schema: str | None, identifier: str):
        self.database, self.schema, self.identifier = database, schema, identifier
        self.name, self.table = identifier, identifier

    def __str__(self) -> str:
        return ".".join(p for p in (self.database, self.schema, self.identifier) if p)

    def __html__(self) -> str:
        return str(self)

    def include(self, **_: Any) -> Relation:
        return self

    def render(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"Relation({self})"


class _Config:
    """``config``: a call records keyword arguments; ``get``/``require`` read the model's config."""

    def __init__(self, base: Mapping[str, Any]):
        self.base = dict(base)
        self.given: dict[str, Any] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if args and isinstance(args[0], Mapping):
            kwargs = {**args[0], **kwargs}
        self.given.update(kwargs)
        return ""

    def get(self, key: str, default: Any = None, validator: Any = None) -> Any:
        if key in self.given:
            return self.given[key]
        return self.base.get(key, default)

    def require(self, key: str, validator: Any = None) -> Any:
        return self.get(key)

    def set(self, key: str, value: Any) -> str:
        self.given[key] = value
        return ""

    def persist_relation_docs(self) -> bool:
        return False

    def persist_column_docs(self) -> bool:
        return False


class _Adapter:
    """``adapter`` at parse time: dispatch works; everything that would ask the database is empty."""

    def __init__(self, renderer: Renderer):
        self._r = renderer

    def dispatch(self, macro_name: str, macro_namespace: str | None = None, packages: Any = None) -> Any:
        return self._r.dispatch(macro_name, macro_namespace)

    def get_columns_in_relation(self, *_: Any, **__: Any) -> list:
        return []

    def get_relation(self, *_: Any, **__: Any) -> None:
        return None

    def list_relations_without_caching(self, *_: Any, **__: Any) -> list:
        return []

    def get_missing_columns(self, *_: Any, **__: Any) -> list:
        return []

    def quote(self, identifier: str) -> str:
        return f'"{identifier}"'

    def type(self) -> str:
        return self._r.adapter_type

    def __getattr__(self, name: str) -> Any:  # any other adapter method: an empty answer
        return lambda *a, **k: None


class _Exceptions:
    def raise_compiler_error(self, message: str = "", node: Any = None) -> None:
        raise RenderFailed(f"compiler error raised by the project: {message}")

    def warn(self, *_: Any, **__: Any) -> str:
        return ""

    def __getattr__(self, name: str) -> Any:
        return lambda *a, **k: None


@dataclass
class MacroFile:
    """One file of macros: its package and text (compiled lazily, once per collect)."""

    package: str
    path: Path
    text: str
    digest: str


@dataclass
class RenderResult:
    """What rendering a model found, and what it depended on (for the cache)."""

    calls: JinjaCalls
    macros: dict[str, str] = field(default_factory=dict)  # "package.macro" -> digest of its file
    vars: dict[str, str] = field(default_factory=dict)  # var name -> digest of its value


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Renderer:
    """Renders the models of one project (and its packages' macros) as ``dbt parse`` would.

    Args:
        root_package: the root project's name.
        macro_files: every macro file of the root project and of its packages.
        project_vars: ``vars:`` of the root ``dbt_project.yml`` (global keys, and package name ->
            that package's vars).
        cli_vars: ``--vars`` given to the collect (they win over the file).
        target: the ``target`` context (no secrets).
        dispatch: ``dispatch:`` of the root ``dbt_project.yml``.
        env: the environment ``env_var()`` reads.
    """

    def __init__(
        self,
        root_package: str,
        macro_files: Iterable[MacroFile],
        *,
        project_vars: Mapping[str, Any] | None = None,
        cli_vars: Mapping[str, Any] | None = None,
        target: Mapping[str, Any] | None = None,
        dispatch: Iterable[Mapping[str, Any]] = (),
        env: Mapping[str, str] | None = None,
    ):
        self.root = root_package
        self.files = list(macro_files)
        self.project_vars = dict(project_vars or {})
        self.cli_vars = dict(cli_vars or {})
        self.target = dict(target or {"name": "dev", "type": "duckdb", "schema": "main", "database": root_package, "threads": 1})
        self.adapter_type = str(self.target.get("type", "duckdb"))
        self.dispatch_config = [dict(d) for d in dispatch if isinstance(d, Mapping)]  # (for worker processes)
        self.search: dict[str, list[str]] = {
            str(d.get("macro_namespace")): [str(p) for p in d.get("search_order", [])]
            for d in self.dispatch_config if d.get("macro_namespace")
        }
        self.env = os.environ if env is None else env
        import jinja2.sandbox

        self.jinja = jinja2.sandbox.SandboxedEnvironment(
            extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"], undefined=jinja2.ChainableUndefined,
            autoescape=False, keep_trailing_newline=True,
        )
        self._spaces: dict[str, dict[str, Any]] | None = None  # package -> its globals (macros in)
        self._digests: dict[str, str] = {}  # "package.macro" -> its file's digest
        self._model: dict[str, Any] = {}
        self._shapes: dict[str, jinja2.Template] = {}  # shape (see _compiled) -> its compiled template
        self._reached: dict[str, str] = {}
        self._vars_read: dict[str, str] = {}
        self.errors: list[str] = []  # macro files that did not compile, one line each

    # -- the shared context ----------------------------------------------------------------
    def _base_context(self) -> dict[str, Any]:
        r = self
        return {
            "execute": False, "flags": {}, "graph": {"nodes": {}, "sources": {}, "exposures": {}},
            "target": dict(self.target), "adapter": _Adapter(self), "exceptions": _Exceptions(),
            "return": _return, "log": lambda *a, **k: "", "print": lambda *a, **k: "",
            "run_query": lambda *a, **k: None, "load_result": lambda *a, **k: None,
            "store_result": lambda *a, **k: "", "is_incremental": lambda: False,
            "should_full_refresh": lambda: False, "var": self._var, "env_var": self._env_var,
            "modules": {"datetime": dt, "re": _SafeRe()}, "tojson": _tojson, "fromjson": _fromjson,
            "toyaml": _toyaml, "fromyaml": _fromyaml, "zip": zip, "set": set, "local_md5": _md5,
            "dbt_version": "1.11.0", "run_started_at": dt.datetime(2026, 1, 1), "invocation_id": "parse",
            "project_name": self.root, "set_strict": set, "try_or_compiler_error": lambda msg, fn, *a, **k: fn(*a, **k),
            "ref": lambda *a, **k: r._model["ref"](*a, **k),
            "source": lambda *a, **k: r._model["source"](*a, **k),
            "config": _ConfigProxy(self),
            "this": _ThisProxy(self),
            "model": _ModelProxy(self),
            "statement": self._statement_macro(), "caller": None,
        }

    def _statement_macro(self):
        template = self.jinja.from_string("{% macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') %}"
            "{% if false %}{{ caller() }}{% endif %}{% endmacro %}")
        return template.module.statement  # type: ignore[attr-defined]

    def _build(self) -> dict[str, dict[str, Any]]:
        """Compile every macro file once; give each package its globals (its own macros local)."""
        base = self._base_context()
        spaces: dict[str, dict[str, Any]] = {}
        packages = {f.package for f in self.files} | {self.root}
        namespaces: dict[str, dict[str, Any]] = {p: {} for p in packages}
        for package in packages:
            spaces[package] = dict(base)
        modules: list[tuple[MacroFile, Any]] = []
        for f in self.files:
            try:
                template = self.jinja.from_string(f.text)
                module = template.make_module(spaces[f.package], shared=True)
            except Exception as e:  # a macro file with a syntax error: dbt would refuse the project
                self.errors.append(f"{f.path}: {_one_line(e)}")
                continue
            modules.append((f, module))
        import jinja2.runtime

        for f, module in modules:
            for name in dir(module):
                value = getattr(module, name)
                if isinstance(value, jinja2.runtime.Macro):
                    wrapped = self._wrap(f.package, name, value, f.digest)
                    namespaces[f.package][name] = wrapped
        for package in packages:
            space = spaces[package]
            for other, macros in namespaces.items():
                if other != package:
                    space[other] = _Namespace(macros)
            space.update(namespaces[self.root])  # the root project's macros are global
            space.update(namespaces[package])  # a package's own macros are local to it
        self._namespaces = namespaces
        return spaces

    def _wrap(self, package: str, name: str, macro: Any, digest: str):
        key = f"{package}.{name}"
        self._digests[key] = digest

        def call(*args: Any, **kwargs: Any) -> Any:
            self._reached[key] = digest
            try:
                return macro(*args, **kwargs)
            except _Return as r:
                return r.value

        call.__name__ = name
        return call

    def dispatch(self, macro_name: str, namespace: str | None) -> Any:
        spaces = self._spaces or {}
        if namespace is None:
            order = [self.root]
        else:
            order = self.search.get(namespace) or [namespace]
        prefixes = [f"{self.adapter_type}__", *(f"{p}__" for p in _PARENT_ADAPTERS.get(self.adapter_type, ())), "default__"]
        for prefix in prefixes:
            for package in order:
                found = self._namespaces.get(package, {}).get(prefix + macro_name)
                if found is not None:
                    return found
        for package in order:  # no implementation per adapter: the macro itself
            found = self._namespaces.get(package, {}).get(macro_name)
            if found is not None:
                return found
        raise RenderFailed(f"adapter.dispatch found no macro `{macro_name}` in {', '.join(order) or 'no namespace'}")

    def _var(self, name: str, default: Any = _UNSET) -> Any:
        package_vars = self.project_vars.get(self._model.get("package", self.root))
        for scope in (self.cli_vars, package_vars if isinstance(package_vars, Mapping) else {}, self.project_vars):
            if name in scope:
                self._vars_read[name] = _digest(scope[name])
                return scope[name]
        self._vars_read[name] = _digest(None)
        if default is _UNSET:
            raise RenderFailed(f"required var `{name}` is not set in dbt_project.yml or --vars")
        return default

    def _env_var(self, name: str, default: Any = _UNSET) -> Any:
        self._vars_read[f"env:{name}"] = _digest(self.env.get(name))
        if name in self.env:
            return self.env[name]
        if default is _UNSET:
            raise RenderFailed(f"env_var `{name}` is not set and has no default")
        return default

    # -- rendering a model -----------------------------------------------------------------
    def render(self, text: str, *, name: str, package: str, config: Mapping[str, Any], schema: str | None = None,
               database: str | None = None) -> RenderResult:
        """Render one model's code; the calls it made, and what it depended on.

        Raises:
            RenderFailed: one line, with the template line when there is one.
        """
        from jinja2 import TemplateSyntaxError

        if self._spaces is None:
            self._spaces = self._build()
        calls = JinjaCalls()
        cfg = _Config(config)
        target_schema = schema or str(self.target.get("schema") or "main")
        target_db = database or (str(self.target["database"]) if self.target.get("database") else None)

        def ref(*args: Any, **kwargs: Any) -> Relation:
            version = kwargs.get("v", kwargs.get("version"))
            calls.add("ref", tuple(str(a) for a in args), {"v": version} if version is not None else {})
            return Relation(target_db, target_schema, str(args[-1]) if args else "")

        def source(*args: Any, **kwargs: Any) -> Relation:
            calls.add("source", tuple(str(a) for a in args), {})
            return Relation(target_db, str(args[0]) if args else None, str(args[-1]) if args else "")

        self._model = {
            "ref": ref, "source": source, "config": cfg, "package": package,
            "this": Relation(target_db, target_schema, str(config.get("alias") or name)),
            "model": {"name": name, "package_name": package, "config": cfg.base, "unique_id": f"model.{package}.{name}"},
        }
        self._reached, self._vars_read = {}, {}
        try:
            template, params = self._compiled(text)
            template.render(self._spaces.get(package) or self._spaces[self.root], **params)
        except _Return:
            pass
        except RenderFailed:
            raise
        except TemplateSyntaxError as e:
            raise RenderFailed(f"{_one_line(e.message or e)} (line {e.lineno})") from None
        except Exception as e:  # noqa: BLE001 - any error of the project's Jinja is a failed render
            raise RenderFailed(f"{type(e).__name__}: {_one_line(e)}{_template_line(e)}") from None
        self._render_hooks(cfg, package)
        calls.config = dict(cfg.given)
        return RenderResult(calls, dict(self._reached), dict(self._vars_read))

    def _compiled(self, text: str) -> tuple[jinja2.Template, dict[str, str]]:
        """The compiled template of ``text``'s shape, and the values of its placeholders.

        Compiling (lexing, parsing, generating and compiling Python) costs about ten times
        rendering, and models of one project repeat a few shapes (a union over a ``var()`` list,
        a package macro over refs) with different names. So every string literal and every piece
        of template text becomes a placeholder variable (``__dbtc_0``...) whose value is passed
        at render time: a literal and a variable holding the same string render the same, and
        the text between tags is output as it is (after whitespace control, which the lexer has
        applied). Lines are kept (newlines inside tags and comments), so errors name the model's
        own lines. Models of one shape compile once; a shape that does not compile (a construct
        that needs a literal) falls back to the text itself.
        """
        parts: list[str] = []
        params: dict[str, str] = {}
        line, inside, last_string = 1, False, None
        env = self.jinja
        newlines_of = env.lexer._normalize_newlines
        # the lexer's raw tokens, converted as jinja2's ``Lexer.wrap`` converts them (its Token
        # objects and stream cost a third of the tokenizing; the two extensions filter nothing)
        for lineno, kind, value in env.lexer.tokeniter(env.preprocess(text), None):
            if kind in _SKIPPED_TOKENS:
                continue
            if lineno > line:
                gap = "\n" * (lineno - line)
                parts.append(gap if inside else "{#" + gap + "#}")
                line = lineno
            if kind == "string":
                try:
                    value = newlines_of(value[1:-1]).encode("ascii", "backslashreplace").decode("unicode-escape")
                except Exception:  # noqa: BLE001 - a bad escape: the text itself reports it
                    return env.from_string(text), {}
                if last_string is not None:
                    params[last_string] += value  # adjacent literals are one string
                    continue
                name = f"__dbtc_{len(params)}"
                params[name] = value
                parts.append(f" {name} ")
                last_string = name
                continue
            last_string = None
            if kind == "data":
                value = newlines_of(value)
                name = f"__dbtc_{len(params)}"
                params[name] = value
                newlines = value.count("\n")
                parts.append("{{ " + name + "\n" * newlines + " }}")
                line += newlines
            elif kind in ("block_begin", "linestatement_begin"):
                parts.append("{%")
                inside = True
            elif kind == "variable_begin":
                parts.append("{{")
                inside = True
            elif kind in ("block_end", "linestatement_end"):
                parts.append(" %}")
                inside = False
            elif kind == "variable_end":
                parts.append(" }}")
                inside = False
            elif kind == "integer":
                parts.append(f" {int(value.replace('_', ''), 0)!r} ")
            elif kind == "float":
                parts.append(f" {float(value.replace('_', ''))!r} ")
            else:
                parts.append(f" {value} ")
        shape = "".join(parts)
        template = self._shapes.get(shape)
        if template is None:
            from jinja2 import TemplateSyntaxError

            try:
                template = self.jinja.from_string(shape)
            except TemplateSyntaxError:
                return self.jinja.from_string(text), {}
            self._shapes[shape] = template
        return template, params

    def _render_hooks(self, cfg: _Config, package: str) -> None:
        """Render the model's hooks as dbt parse does: a ``ref()`` in a ``post_hook`` is an edge."""
        for key in ("pre_hook", "post_hook", "pre-hook", "post-hook"):
            for source in (cfg.given, cfg.base):
                hooks = source.get(key)
                for hook in hooks if isinstance(hooks, (list, tuple)) else [hooks]:
                    sql = hook.get("sql") if isinstance(hook, Mapping) else hook
                    if isinstance(sql, str) and "{" in sql:
                        try:
                            template, params = self._compiled(sql)
                            template.render(self._spaces.get(package) or self._spaces[self.root], **params)
                        except _Return:
                            pass
                        except Exception as e:  # noqa: BLE001 - as for the model's own code
                            raise RenderFailed(f"in {key.replace('-', '_')}: {type(e).__name__}: {_one_line(e)}") from None

    def dependencies_hold(self, macros: Mapping[str, str], variables: Mapping[str, str]) -> bool:
        """True when every macro and variable a cached render depended on is unchanged."""
        if self._spaces is None:
            self._spaces = self._build()
        for key, digest in macros.items():
            if self._digests.get(key) != digest:
                return False
        saved = dict(self._vars_read)
        try:
            for name, digest in variables.items():
                if name.startswith("env:"):
                    if _digest(self.env.get(name[4:])) != digest:
                        return False
                    continue
                try:
                    current = self._var(name, None)
                except RenderFailed:
                    return False
                if _digest(current) != digest and not (current is None and digest == _digest(None)):
                    return False
        finally:
            self._vars_read = saved
        return True


class _ConfigProxy:
    def __init__(self, r: Renderer):
        self._r = r

    def __call__(self, *a: Any, **k: Any) -> str:
        return self._r._model["config"](*a, **k)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._r._model["config"], name)


class _ThisProxy:
    def __init__(self, r: Renderer):
        self._r = r

    def __str__(self) -> str:
        return str(self._r._model["this"])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._r._model["this"], name)


class _ModelProxy:
    def __init__(self, r: Renderer):
        self._r = r

    def __getitem__(self, key: str) -> Any:
        return self._r._model["model"][key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._r._model["model"].get(key, default)

    def __getattr__(self, name: str) -> Any:
        return self._r._model["model"].get(name)


class _Namespace:
    """A package's macros, called as ``package.macro(...)``."""

    def __init__(self, macros: dict[str, Any]):
        self._macros = macros

    def __getattr__(self, name: str) -> Any:
        try:
            return self._macros[name]
        except KeyError:
            raise AttributeError(name) from None


class _SafeRe:
    """``modules.re`` without compiled-pattern objects leaking into the sandbox."""

    def __getattr__(self, name: str) -> Any:
        if name in ("match", "search", "sub", "findall", "split", "fullmatch", "escape", "IGNORECASE", "I"):
            return getattr(re, name)
        raise AttributeError(name)


_PARENT_ADAPTERS = {"redshift": ("postgres",), "materialize": ("postgres",), "motherduck": ("duckdb",)}


def _tojson(value: Any, sort_keys: bool = False) -> str:
    return json.dumps(value, sort_keys=sort_keys, default=str)


def _fromjson(text: str, default: Any = None) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def _toyaml(value: Any, *_: Any, **__: Any) -> str:
    import yaml

    return yaml.safe_dump(value)


def _fromyaml(text: str, default: Any = None) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return default


def _md5(text: str) -> str:
    return hashlib.md5(str(text).encode(), usedforsecurity=False).hexdigest()


def _one_line(error: object) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


def _template_line(error: BaseException) -> str:
    tb = error.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""
