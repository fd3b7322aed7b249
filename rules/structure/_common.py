"""What the structure rules share: the nodes in scope, the lineage without tests, layers, names.

dbt-project-evaluator judges a project through a few derived tables (every resource with its
model type, every parent/child relationship). Here the same facts are built once per
:class:`rules.context.Context` by :func:`scope` and shared by every structure rule:

* nodes in scope: enabled nodes; a rule reports only on nodes of the project's own package
  (:attr:`Scope.own`), never on installed packages;
* the lineage (:attr:`Scope.parents`, :attr:`Scope.children`): models, seeds, snapshots,
  sources, exposures and metrics, without tests;
* the layer of each model (the store's ``layer`` column, else the prefix and folder logic of
  :class:`Naming`);
* :class:`Naming`, dbt-project-evaluator's model types from name prefixes and folder names.

Everything is built from whole columns and plain dicts; no rule filters a frame per node.

Exclusions (``[project] exclude_paths`` and ``exclude_packages``, the evaluator's
``exclude_paths_from_project`` and ``exclude_packages``) are applied once, where the
:class:`rules.context.Context` is built (:func:`rules.context.without_excluded`): an excluded
node is absent from every frame, so it is neither flagged nor anyone's parent, child or leaf.
The evaluator keeps excluded parents in two models (``fct_root_models``,
``fct_too_many_joins``); those two rules read :attr:`rules.context.Context.excluded_parents`.

Each rule's docstring ends with its "Differences from dbt-project-evaluator", read against
the evaluator's ``fct_*`` model. The one they all share: the evaluator also judges the nodes of
installed packages unless ``exclude_packages`` names them; here findings are only ever on the
project's own nodes, since a package's code is not the project's to change.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import polars as pl

from rules.base import Option, Violation

if TYPE_CHECKING:
    from rules.context import Context

#: Resource types that make up the lineage dbt-project-evaluator walks (tests are left out).
DAG_TYPES = frozenset({"model", "seed", "snapshot", "source", "exposure", "metric"})

#: Models that dbt's semantic layer requires to have no parents.
TIME_SPINES = frozenset({"metricflow_time_spine"})

#: dbt-project-evaluator's model types -> the store's layer names.
MODEL_TYPE_LAYER = {
    "staging": "staging", "intermediate": "intermediate", "marts": "mart", "export": "export", "other": "other",
}

NAMING_OPTIONS: dict[str, Option] = {
    "model_types": Option(
        ["staging", "intermediate", "marts", "other", "export"],
        "the model types (layers); each may have a `<type>_folder_name` and `<type>_prefixes`",
    ),
    "staging_folder_name": Option("staging", "folder of staging models"),
    "intermediate_folder_name": Option("intermediate", "folder of intermediate models"),
    "marts_folder_name": Option("marts", "folder of marts models"),
    "export_folder_name": Option("exports", "folder of export models (outputs made for one consumer)"),
    "staging_prefixes": Option(["stg_"], "name prefixes of staging models"),
    "intermediate_prefixes": Option(["int_"], "name prefixes of intermediate models"),
    "marts_prefixes": Option(["fct_", "dim_"], "name prefixes of marts models"),
    "other_prefixes": Option(["rpt_"], "name prefixes of other models"),
    "export_prefixes": Option(["exp_"], "name prefixes of export models"),
}
"""dbt-project-evaluator's naming variables with its defaults, plus this project's export layer."""


def defaults(options: Mapping[str, Option]) -> dict[str, Any]:
    """A rule's options at their defaults.

    Example:
        >>> defaults({"threshold": Option(3, "x")})
        {'threshold': 3}
    """
    return {k: o.default for k, o in options.items()}


def documented(text: str | None) -> bool:
    """True when a description holds real text.

    Example:
        >>> documented("  "), documented(None), documented("Orders.")
        (False, False, True)
    """
    return bool(text and text.strip())


def listing(items: Iterable[str], limit: int = 8) -> str:
    """Names for a message, backquoted, at most ``limit`` of them.

    Example:
        >>> listing(["a", "b", "c"], limit=2)
        '`a`, `b` and 1 more'
    """
    items = list(items)
    shown = ", ".join(f"`{i}`" for i in items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def article(word: str) -> str:
    """``word`` with its indefinite article.

    Example:
        >>> article("intermediate model"), article("marts model")
        ('an intermediate model', 'a marts model')
    """
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def directory(path: str | None) -> str:
    """The folder part of a file path, with forward slashes.

    Example:
        >>> directory("models\\\\staging\\\\stg_orders.sql"), directory("x.yml")
        ('models/staging', '')
    """
    p = (path or "").replace("\\", "/")
    return p.rsplit("/", 1)[0] if "/" in p else ""


def directory_expr(column: str) -> pl.Expr:
    """:func:`directory` on a whole column of paths."""
    return pl.col(column).fill_null("").str.replace_all("\\", "/", literal=True).str.replace(r"/?[^/]*$", "")


def project_node(ctx: Context) -> str:
    """The pseudo node id of project-wide findings: ``project.<name>``."""
    return f"project.{ctx.project.get('name') or 'project'}"


@dataclass(frozen=True)
class Naming:
    """dbt-project-evaluator's model types: from the name prefix, else the deepest known folder.

    Example:
        >>> n = Naming.from_options(defaults(NAMING_OPTIONS))
        >>> n.model_type("fct_orders", "models/staging/fct_orders.sql")
        'marts'
        >>> n.folder_type("models/marts/intermediate/x.sql"), n.model_type("orders", "models/x.sql")
        ('intermediate', 'other')
    """

    types: tuple[str, ...]
    folders: tuple[tuple[str, str], ...]  # (model type, folder name)
    prefixes: tuple[tuple[str, str], ...]  # (prefix, model type), in model_types order

    @classmethod
    def for_project(cls, opts: Mapping[str, Any], settings: Mapping[str, Any]) -> Naming:
        """From the rule's options, with the project's ``[layers]`` configuration filling in
        every option the rule leaves at its default (rule options are the more specific)."""
        merged = dict(opts)
        layers = settings.get("layers") or {}
        for layer, model_type in (("staging", "staging"), ("intermediate", "intermediate"), ("mart", "marts"), ("export", "export")):
            conf = layers.get(layer) or {}
            prefixes_key, folder_key = f"{model_type}_prefixes", f"{model_type}_folder_name"
            if conf.get("prefixes") and merged.get(prefixes_key) == NAMING_OPTIONS[prefixes_key].default:
                merged[prefixes_key] = list(conf["prefixes"])
            if conf.get("folders") and merged.get(folder_key) == NAMING_OPTIONS[folder_key].default:
                merged[folder_key] = conf["folders"][0]
        return cls.from_options(merged)

    @classmethod
    def from_options(cls, opts: Mapping[str, Any]) -> Naming:
        types = tuple(opts.get("model_types") or ())
        folders = tuple((t, str(opts[f"{t}_folder_name"])) for t in types if opts.get(f"{t}_folder_name"))
        prefixes = []
        for t in types:
            value = opts.get(f"{t}_prefixes") or ()
            for p in [value] if isinstance(value, str) else value:
                prefixes.append((str(p), t))
        return cls(types, folders, tuple(prefixes))

    def prefix_type(self, name: str) -> str | None:
        for prefix, model_type in self.prefixes:
            if name.startswith(prefix):
                return model_type
        return None

    def folder_type(self, path: str | None) -> str | None:
        where = f"/{directory(path)}/"
        best, best_pos = None, -1
        for model_type, folder in self.folders:
            pos = where.find(f"/{folder}/")
            if pos > best_pos:
                best, best_pos = model_type, pos
        return best

    def model_type(self, name: str, path: str | None) -> str:
        return self.prefix_type(name) or self.folder_type(path) or "other"

    def classify(self, nodes: pl.DataFrame) -> pl.DataFrame:
        """``unique_id, name, prefix_type, folder_type, model_type`` for every row of a nodes frame.

        The same answers as :meth:`prefix_type`, :meth:`folder_type` and :meth:`model_type`,
        computed on whole columns.
        """
        name = pl.col("name").fill_null("")
        prefix = pl.lit(None, pl.String)
        for p, t in reversed(self.prefixes):  # the first matching prefix wins
            prefix = pl.when(name.str.starts_with(p)).then(pl.lit(t)).otherwise(prefix)
        where = pl.concat_str([pl.lit("/"), directory_expr("path"), pl.lit("/")])
        # one column per stage: polars would otherwise evaluate the shared parts once per use
        staged = nodes.select("unique_id", "name", prefix.alias("prefix_type"), where.alias("_where"))
        positions = [f"_pos{i}" for i in range(len(self.folders))]
        staged = staged.with_columns(
            pl.col("_where").str.find(f"/{f}/", literal=True).alias(c) for c, (_, f) in zip(positions, self.folders)
        )
        folder = pl.lit(None, pl.String)
        if positions:
            staged = staged.with_columns(pl.max_horizontal(*positions).alias("_deepest"))
            for c, (t, _) in reversed(list(zip(positions, self.folders))):  # first type at the deepest position wins
                deepest_here = pl.col(c).is_not_null() & (pl.col(c) == pl.col("_deepest"))
                folder = pl.when(deepest_here).then(pl.lit(t)).otherwise(folder)
        return staged.select(
            "unique_id",
            "name",
            "prefix_type",
            folder.alias("folder_type"),
        ).with_columns(pl.coalesce("prefix_type", "folder_type", pl.lit("other")).alias("model_type"))

    def prefixes_of(self, model_type: str) -> list[str]:
        return [p for p, t in self.prefixes if t == model_type]

    def folder_of(self, model_type: str) -> str | None:
        return next((f for t, f in self.folders if t == model_type), None)


_DEFAULT_NAMING = Naming.from_options(defaults(NAMING_OPTIONS))


class Scope:
    """Shared, lazily built views of one context. Get it with :func:`scope`."""

    def __init__(self, ctx: Context):
        self._ctx = weakref.ref(ctx)
        nodes = ctx.frames["nodes"]
        self.nodes: pl.DataFrame = nodes.filter(pl.col("enabled").fill_null(True)) if "enabled" in nodes.columns else nodes
        self.project_name: str | None = ctx.project.get("name")
        self._columns: dict[str, dict[str, Any]] = {}
        self._own_of: dict[tuple[str, ...], list[str]] = {}
        self._frames: dict[tuple, pl.DataFrame] = {}

    @property
    def ctx(self) -> Context:
        ctx = self._ctx()
        if ctx is None:  # pragma: no cover - a scope never outlives its context in use
            raise RuntimeError("the context of this scope is gone")
        return ctx

    # -- columns as dicts ---------------------------------------------------------------
    @cached_property
    def ids(self) -> list[str]:
        return self.nodes["unique_id"].to_list()

    def column(self, name: str) -> dict[str, Any]:
        """unique_id -> the value of one nodes column (enabled nodes)."""
        if name not in self._columns:
            self._columns[name] = dict(zip(self.ids, self.nodes[name].to_list()))
        return self._columns[name]

    @property
    def kind(self) -> dict[str, str]:
        return self.column("resource_type")

    @cached_property
    def label(self) -> dict[str, str]:
        """unique_id -> the name people know: ``source.table``, ``model.v2`` or ``model``."""
        n = self.nodes
        version = pl.col("version").cast(pl.String) if "version" in n.columns else pl.lit(None, pl.String)
        expr = (
            pl.when(pl.col("resource_type") == "source")
            .then(pl.concat_str([pl.col("source_name").fill_null(""), pl.lit("."), pl.col("name")]))
            .when(version.is_not_null() & (version != ""))
            .then(pl.concat_str([pl.col("name"), pl.lit(".v"), version]))
            .otherwise(pl.col("name"))
        )
        return dict(zip(self.ids, n.select(expr.fill_null(pl.col("unique_id")))[:, 0].to_list()))

    # -- scope ----------------------------------------------------------------------------
    @cached_property
    def own(self) -> frozenset[str]:
        """Enabled nodes of the project's own package (every node when the name is unknown)."""
        if not self.project_name:
            return frozenset(self.ids)
        mask = pl.col("package_name").is_null() | (pl.col("package_name") == self.project_name)
        return frozenset(self.nodes.filter(mask)["unique_id"].to_list())

    def own_of(self, *resource_types: str) -> list[str]:
        """The project's enabled nodes of these resource types, in store order."""
        if resource_types not in self._own_of:
            mask = pl.col("resource_type").is_in(list(resource_types))
            if self.project_name:
                mask = mask & (pl.col("package_name").is_null() | (pl.col("package_name") == self.project_name))
            self._own_of[resource_types] = self.nodes.filter(mask)["unique_id"].to_list()
        return self._own_of[resource_types]

    # -- lineage ----------------------------------------------------------------------------
    @cached_property
    def _lineage(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        dag = self.nodes.filter(pl.col("resource_type").is_in(list(DAG_TYPES))).select("unique_id")
        edges = (
            self.ctx.frames["edges"]
            .select("parent_id", "child_id")
            .join(dag.rename({"unique_id": "parent_id"}), on="parent_id", how="semi")
            .join(dag.rename({"unique_id": "child_id"}), on="child_id", how="semi")
            .filter(pl.col("parent_id") != pl.col("child_id"))
            .unique(maintain_order=True)
        )
        up = edges.group_by("child_id", maintain_order=True).agg("parent_id")
        down = edges.group_by("parent_id", maintain_order=True).agg("child_id")
        return (
            dict(zip(up["child_id"].to_list(), up["parent_id"].to_list())),
            dict(zip(down["parent_id"].to_list(), down["child_id"].to_list())),
        )

    @property
    def parents(self) -> dict[str, list[str]]:
        """unique_id -> direct parents in the lineage (enabled, no tests, any package); absent: none."""
        return self._lineage[0]

    @property
    def children(self) -> dict[str, list[str]]:
        """unique_id -> direct children in the lineage (enabled, no tests, any package); absent: none."""
        return self._lineage[1]

    @cached_property
    def source_parents(self) -> dict[str, list[str]]:
        """Project model -> the sources it reads directly, of any package, as the evaluator
        counts them (a source package's sources are common); models reading none are absent."""
        models, children = set(self.own_of("model")), self.children
        out: dict[str, list[str]] = {}
        kind = self.kind
        for source in [n for n in self.ids if kind[n] == "source"]:
            for child in children.get(source, ()):
                if child in models:
                    out.setdefault(child, []).append(source)
        return out

    # -- layers -----------------------------------------------------------------------------
    @cached_property
    def layer(self) -> dict[str, str | None]:
        """unique_id -> layer (staging, intermediate, mart, export, other, source, ...).

        The store's ``layer`` column; a model without one gets dbt-project-evaluator's
        default prefix and folder logic.
        """
        nodes = self.nodes
        if "layer" not in nodes.columns:
            nodes = nodes.with_columns(pl.lit(None, pl.String).alias("layer"))
        missing = nodes.filter(pl.col("layer").is_null() & (pl.col("resource_type") == "model"))
        out = dict(zip(self.ids, nodes["layer"].to_list()))
        if missing.height:
            typed = _DEFAULT_NAMING.classify(missing)
            mapped = typed["model_type"].replace_strict(MODEL_TYPE_LAYER, default="other", return_dtype=pl.String)
            out.update(zip(typed["unique_id"].to_list(), mapped.to_list()))
        return out

    def model_types(self, naming: Naming) -> pl.DataFrame:
        """:meth:`Naming.classify` of the project's enabled models (cached per naming)."""
        key = ("model_types", naming)
        if key not in self._frames:
            models = self.nodes.filter(pl.col("unique_id").is_in(self.own_of("model")))
            self._frames[key] = naming.classify(models)
        return self._frames[key]


_SCOPES: dict[int, Scope] = {}


def scope(ctx: Context) -> Scope:
    """The shared views of ``ctx``, built on first use and dropped with the context."""
    key = id(ctx)
    found = _SCOPES.get(key)
    if found is not None and found._ctx() is ctx:
        return found
    made = Scope(ctx)
    _SCOPES[key] = made
    weakref.finalize(ctx, _SCOPES.pop, key, None)
    return made


def coverage_violation(ctx: Context, models: list[str], covered: set[str], target: float, what: str) -> Violation | None:
    """The one project-wide finding of a coverage rule, or None when coverage meets the target.

    Coverage is ``covered / models * 100`` rounded to two decimals, as dbt-project-evaluator
    computes it; the message breaks it down by layer and names the models not covered.
    """
    if not models:
        return None
    s = scope(ctx)
    done = [m for m in models if m in covered]
    pct = round(len(done) * 100.0 / len(models), 2)
    if pct >= float(target):
        return None
    layer, label = s.layer, s.label
    by_layer: dict[str, list[int]] = {}
    for m in models:
        counts = by_layer.setdefault(layer.get(m) or "other", [0, 0])
        counts[0] += m in covered
        counts[1] += 1
    parts = ", ".join(f"{name} {c * 100.0 / n:.0f}%" for name, (c, n) in sorted(by_layer.items()))
    missing = sorted(label[m] for m in models if m not in covered)
    return Violation(
        project_node(ctx),
        f"{pct:g}% of models {what} ({len(done)} of {len(models)}; target {float(target):g}%; by layer: {parts}); "
        f"without: {listing(missing, limit=10)}",
    )
