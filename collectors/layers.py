"""Which layer each node belongs to: source, staging, intermediate, mart, export, ...

Sources are ``source``, exposures ``exposure``, seeds ``seed``, snapshots ``snapshot``. A model
takes the layer of the first rule one of whose name prefixes its name starts with; else the
layer of the rule naming the deepest of its folders; else ``mart`` when one of its folders is
named like marts (``marts_finance``, ``datamart``), else ``other``. Tests and every other
resource type get no layer (null). Prefixes and folders compare without regard to case.

The rules are configurable per project (``[layers]`` in the console's configuration, read by
:func:`layer_rules_from_config`); the work is a handful of vectorised string expressions, so
50,000 nodes take milliseconds.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class LayerRule:
    """How models of one layer are recognised.

    Attributes:
        layer: the layer's name.
        folders: folder names whose models belong to the layer (``staging``).
        prefixes: model name prefixes (``stg_``).
    """

    layer: str
    folders: tuple[str, ...]
    prefixes: tuple[str, ...]


DEFAULT_LAYERS: tuple[LayerRule, ...] = (
    LayerRule("staging", ("staging",), ("stg_", "base_")),
    LayerRule("intermediate", ("intermediate",), ("int_",)),
    LayerRule("mart", ("marts", "mart"), ("fct_", "dim_", "mart_", "agg_", "rpt_")),
    LayerRule("export", ("exports", "export"), ("exp_", "export_", "rev_etl_")),
)
"""The layers of a conventional dbt project."""

MODEL_LAYERS = ("source", "staging", "intermediate", "mart", "export")
"""The layers a model may be configured into, in rule order."""

_FIXED = {"source": "source", "exposure": "exposure", "seed": "seed", "snapshot": "snapshot"}


def classify_layers(nodes: pl.DataFrame, rules: Sequence[LayerRule] = DEFAULT_LAYERS) -> pl.Series:
    """The ``layer`` column of a nodes frame (see the module docstring).

    Args:
        nodes: a frame with ``resource_type``, ``name`` and ``path`` columns.
        rules: the model layers, in priority order for prefixes.

    Example:
        >>> nodes = pl.DataFrame({
        ...     "resource_type": ["model", "model", "model", "model", "source", "test"],
        ...     "name": ["stg_orders", "orders_enriched", "revenue", "misc", "orders", "t"],
        ...     "path": ["models/staging/stg_orders.sql", "models/intermediate/orders_enriched.sql",
        ...              "models/marts_finance/revenue.sql", "models/misc.sql", "models/src.yml", "x.yml"]})
        >>> classify_layers(nodes).to_list()
        ['staging', 'intermediate', 'mart', 'other', 'source', None]
    """
    # the lowered name and the folder are made once (a chain of when/then evaluates each
    # branch's expression on its own), and the folder rules run on each distinct folder once
    name = pl.col("_name")
    folders = pl.col("_folders")

    by_prefix = None
    for rule in rules:
        for prefix in rule.prefixes:
            test = name.str.starts_with(prefix.lower())
            by_prefix = (
                pl.when(test).then(pl.lit(rule.layer))
                if by_prefix is None
                else by_prefix.when(test).then(pl.lit(rule.layer))
            )

    depths = []
    for rule in rules:
        if rule.folders:
            alternatives = "|".join(pl.escape_regex(f.lower()) for f in rule.folders)
            end = folders.str.extract(rf"^(.*/(?:{alternatives})/)", 1).str.len_chars()
            depths.append((rule.layer, end.fill_null(-1)))
    by_folder = None
    if depths:
        deepest = pl.max_horizontal([d for _, d in depths])
        for layer, depth in depths:
            test = (depth == deepest) & (depth >= 0)
            by_folder = (
                pl.when(test).then(pl.lit(layer)) if by_folder is None else by_folder.when(test).then(pl.lit(layer))
            )

    fallback = pl.when(folders.str.contains(r"/[^/]*mart[^/]*/")).then(pl.lit("mart")).otherwise(pl.lit("other"))
    prepared = nodes.select(
        pl.col("resource_type"),
        pl.col("name").str.to_lowercase().alias("_name"),
        (pl.lit("/") + pl.col("path").str.to_lowercase().str.replace(r"[^/]*$", "")).alias("_folders"),
    )
    per_folder = prepared.select("_folders").unique().with_columns(
        (by_folder.otherwise(None) if by_folder is not None else pl.lit(None, pl.String)).alias("_by_folder"),
        fallback.alias("_fallback"),
    )
    prepared = prepared.join(per_folder, on="_folders", how="left", maintain_order="left", nulls_equal=True)
    model_layer = pl.coalesce(
        ([by_prefix.otherwise(None)] if by_prefix is not None else []) + [pl.col("_by_folder"), pl.col("_fallback")]
    )

    rtype = pl.col("resource_type")
    layer = pl.when(rtype == "model").then(model_layer)
    for resource_type, fixed in _FIXED.items():
        layer = layer.when(rtype == resource_type).then(pl.lit(fixed))
    return prepared.select(layer.otherwise(None).cast(pl.String).alias("layer")).to_series()


def changed_layers(nodes: pl.DataFrame, layers: pl.Series) -> pl.DataFrame:
    """``(unique_id, layer)`` of the nodes whose stored ``layer`` differs from ``layers`` (the
    same nodes classified now): what a collect rewrites when only ``[layers]`` changed.

    The layer is computed when a collect reads a project (a new manifest, or the project's
    files), and a collect that finds the manifest unchanged reads nothing; classifying the
    stored nodes again (milliseconds) and comparing makes the configuration part of what is
    compared, however the store was made.

    Example:
        >>> nodes = pl.DataFrame({"unique_id": ["a", "b", "c"], "layer": ["staging", "other", None]})
        >>> changed_layers(nodes, pl.Series(["staging", "mart", None])).rows()
        [('b', 'mart')]
    """
    if nodes.is_empty():
        return pl.DataFrame(schema={"unique_id": pl.String, "layer": pl.String})
    now = layers.cast(pl.String).alias("_now")
    return (
        nodes.select("unique_id", pl.col("layer").cast(pl.String), now)
        .filter(pl.col("layer").ne_missing(pl.col("_now")))
        .select("unique_id", pl.col("_now").alias("layer"))
    )


def layer_rules_from_config(cfg: Mapping[str, Mapping]) -> tuple[LayerRule, ...]:
    """Layer rules from a configuration table; layers not named keep their defaults.

    Args:
        cfg: layer name -> ``{"folders": [...], "prefixes": [...]}`` (either key optional).
            Only ``source``, ``staging``, ``intermediate``, ``mart`` and ``export`` can be
            configured for models.

    Raises:
        ValueError: an unknown layer or key, or folders/prefixes that are not lists of
            non-empty strings; the message names the layer and what is expected.

    Example:
        >>> rules = layer_rules_from_config({"staging": {"prefixes": ["src_", "stg_"]}})
        >>> rules[0]
        LayerRule(layer='staging', folders=('staging',), prefixes=('src_', 'stg_'))
        >>> layer_rules_from_config({"marts": {}})
        Traceback (most recent call last):
        ...
        ValueError: unknown layer 'marts' (did you mean 'mart'?): layers are source, staging, intermediate, mart, export
    """
    rules = {rule.layer: rule for rule in DEFAULT_LAYERS}
    for layer, spec in cfg.items():
        if layer not in MODEL_LAYERS:
            close = difflib.get_close_matches(str(layer), MODEL_LAYERS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"unknown layer '{layer}'{hint}: layers are {', '.join(MODEL_LAYERS)}")
        if not isinstance(spec, Mapping):
            raise ValueError(f"layer '{layer}' must be a table with 'folders' and/or 'prefixes'")
        unknown = [k for k in spec if k not in ("folders", "prefixes")]
        if unknown:
            raise ValueError(f"layer '{layer}': unknown key '{unknown[0]}' (valid keys: folders, prefixes)")
        default = rules.get(layer, LayerRule(layer, (), ()))
        rules[layer] = LayerRule(
            layer,
            _names(layer, "folders", spec.get("folders", default.folders)),
            _names(layer, "prefixes", spec.get("prefixes", default.prefixes)),
        )
    return tuple(rules[layer] for layer in MODEL_LAYERS if layer in rules)


def _names(layer: str, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    raise ValueError(f"layer '{layer}': '{key}' must be a list of non-empty strings")
