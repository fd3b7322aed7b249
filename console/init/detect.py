"""What ``console init`` reads off a project: its layers and its production exposure types.

**Layers.** For each model layer (staging, intermediate, mart, export) a list of folder names
and name prefixes that teams use for it (:data:`FOLDER_NAMES`, :data:`PREFIXES`). A folder is
chosen when some model lies under a folder of that name; a prefix when some model's name
starts with it. Then the project's own habits join in: a prefix (the name up to and with its
first ``_``) carried by at least half of the models in a layer's chosen folders, and by at
least :data:`MIN_PREFIX_MODELS` of them, is added to that layer, so ``s_orders`` in
``models/staging`` teaches the console that ``s_`` means staging. A prefix goes to one layer
only (the one with the most models carrying it). A layer with nothing found is left out, and
the console's defaults (collectors/layers.py) apply to it.

**Production.** The exposure types the project declares, with their counts. ``application``
and ``ml`` count as production, as by default; when the project declares neither but has
exposures of maturity ``high``, those count (``maturity = ["high"]``). Other types are named
in the explanation so a team can add them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

import polars as pl

LAYERS = ("staging", "intermediate", "mart", "export")
FOLDER_NAMES = {
    "staging": ("staging", "stg", "base", "sources", "raw", "landing"),
    "intermediate": ("intermediate", "int", "transform", "transforms", "prep", "enriched"),
    "mart": ("marts", "mart", "core", "reporting", "analytics", "presentation", "dwh", "warehouse"),
    "export": ("exports", "export", "reverse_etl", "outputs", "activation", "syncs"),
}
PREFIXES = {
    "staging": ("stg_", "base_", "src_", "raw_"),
    "intermediate": ("int_", "prep_"),
    "mart": ("fct_", "dim_", "fact_", "mart_", "agg_", "rpt_", "obt_"),
    "export": ("exp_", "export_", "rev_etl_", "sync_"),
}
PRODUCTION_TYPES = ("application", "ml")
MIN_PREFIX_MODELS = 3


@dataclass(frozen=True)
class LayerChoice:
    """One layer as init writes it, with the counts that justify it.

    Attributes:
        layer: staging, intermediate, mart or export.
        folders: (folder name, models under it) chosen.
        prefixes: (prefix, models carrying it) chosen.
    """

    layer: str
    folders: tuple[tuple[str, int], ...]
    prefixes: tuple[tuple[str, int], ...]

    def why(self) -> str:
        """``staging: folders staging (12 models); prefixes stg_ (11 models)``."""
        parts = []
        if self.folders:
            parts.append("folders " + ", ".join(f"{f} ({_models(n)})" for f, n in self.folders))
        if self.prefixes:
            parts.append("prefixes " + ", ".join(f"{p} ({_models(n)})" for p, n in self.prefixes))
        return f"{self.layer}: " + "; ".join(parts)


@dataclass(frozen=True)
class ProductionChoice:
    """The production exposure types chosen, and what the project declares."""

    exposure_types: tuple[str, ...]
    maturity: tuple[str, ...]
    declared: tuple[tuple[str, int], ...]

    def why(self) -> str:
        declared = ", ".join(f"{t} ({n})" for t, n in self.declared) or "no exposures"
        chosen = ", ".join(self.exposure_types) or "no type"
        extra = f"; maturity {', '.join(self.maturity)} counts too" if self.maturity else ""
        others = [t for t, _ in self.declared if t not in self.exposure_types]
        hint = f"; {', '.join(others)} left out: add them to exposure_types if they are production" if others else ""
        return f"production: {chosen}{extra} (the project declares {declared}){hint}"


def _models(n: int) -> str:
    return f"{n} model" + ("" if n == 1 else "s")


def _prefix(name: str) -> str | None:
    head, sep, _ = name.partition("_")
    return f"{head}_" if sep and head else None


def detect_layers(nodes: pl.DataFrame) -> list[LayerChoice]:
    """The layers the project's models show (see the module docstring).

    Example:
        >>> nodes = pl.DataFrame({"resource_type": ["model"] * 4,
        ...     "name": ["s_orders", "s_items", "s_stores", "fct_sales"],
        ...     "path": ["models/staging/a.sql", "models/staging/b.sql", "models/staging/c.sql", "models/core/d.sql"]})
        >>> [c.why() for c in detect_layers(nodes)]
        ['staging: folders staging (3 models); prefixes s_ (3 models)', 'mart: folders core (1 model); prefixes fct_ (1 model)']
    """
    models = nodes.filter(pl.col("resource_type") == "model").select("name", "path")
    rows = [(str(name or ""), [p.lower() for p in PurePosixPath(str(path or "")).parent.parts]) for name, path in models.iter_rows()]
    folder_counts: Counter[str] = Counter()
    prefix_counts: Counter[str] = Counter()
    for name, folders in rows:
        folder_counts.update(set(folders))
        p = _prefix(name.lower())
        if p:
            prefix_counts[p] += 1
    chosen_folders = {
        layer: tuple((f, folder_counts[f]) for f in FOLDER_NAMES[layer] if folder_counts[f]) for layer in LAYERS
    }
    chosen_prefixes: dict[str, dict[str, int]] = {
        layer: {p: prefix_counts[p] for p in PREFIXES[layer] if prefix_counts[p]} for layer in LAYERS
    }
    # the project's own prefixes, learnt from the models inside each layer's folders
    claims: dict[str, tuple[str, int]] = {}
    known = {p for ps in PREFIXES.values() for p in ps}
    for layer in LAYERS:
        names = {f for f, _ in chosen_folders[layer]}
        inside = [name.lower() for name, folders in rows if names & set(folders)]
        local = Counter(p for p in map(_prefix, inside) if p)
        for p, n in local.items():
            if p in known or n < MIN_PREFIX_MODELS or n * 2 < len(inside):
                continue
            if n > claims.get(p, ("", 0))[1]:
                claims[p] = (layer, n)
    for p, (layer, _) in claims.items():
        chosen_prefixes[layer][p] = prefix_counts[p]
    out = []
    for layer in LAYERS:
        prefixes = tuple(sorted(chosen_prefixes[layer].items(), key=lambda kv: (-kv[1], kv[0])))
        if chosen_folders[layer] or prefixes:
            out.append(LayerChoice(layer, chosen_folders[layer], prefixes))
    return out


def detect_production(nodes: pl.DataFrame) -> ProductionChoice:
    """The production exposure types (see the module docstring).

    Example:
        >>> nodes = pl.DataFrame({"resource_type": ["exposure"] * 3, "exposure_type": ["application", "dashboard", "dashboard"],
        ...                       "maturity": ["high", "high", None]})
        >>> detect_production(nodes).why()
        'production: application (the project declares dashboard (2), application (1)); dashboard left out: add them to exposure_types if they are production'
    """
    exposures = nodes.filter(pl.col("resource_type") == "exposure")
    declared = Counter(str(t or "unknown") for t in exposures["exposure_type"].to_list()) if exposures.height else Counter()
    types = tuple(t for t in PRODUCTION_TYPES if declared[t])
    maturity: tuple[str, ...] = ()
    if not types and exposures.height and "high" in exposures["maturity"].to_list():
        maturity = ("high",)
    if not types and not maturity:
        types = PRODUCTION_TYPES  # nothing to learn from: keep the defaults, written out
    return ProductionChoice(types, maturity, tuple(sorted(declared.items(), key=lambda kv: (-kv[1], kv[0]))))
