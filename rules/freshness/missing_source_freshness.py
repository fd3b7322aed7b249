"""FRS002 missing-source-freshness."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._production import path_down, production_trees
from rules._text import chain, enumerate_names, label, load_json
from rules.base import Rule, Severity, Violation
from rules.context import Context


def has_freshness(freshness: Any) -> bool:
    """Whether a source's freshness column sets a warn_after or an error_after count.

    Example:
        >>> has_freshness('{"warn_after": {"count": 24, "period": "hour"}, "error_after": null}')
        True
        >>> has_freshness({"warn_after": {"count": None, "period": None}}), has_freshness(None)
        (False, False)
    """
    data = load_json(freshness) or {}
    return any(isinstance(data.get(k), dict) and data[k].get("count") is not None for k in ("warn_after", "error_after"))


class MissingSourceFreshness(Rule):
    """A source that feeds a production exposure has no freshness check.

    What it does:
        Finds every source upstream (at any distance) of a production exposure that sets
        neither `warn_after` nor `error_after`, and names the exposures it feeds with the path
        from the source to the first of them. Production exposures are those of the types in
        `production.exposure_types` (default: application, ml), those named in
        `production.exposures`, those whose maturity is in `production.maturity`, and those
        with `meta.production: true`.

    Why it matters:
        Without a freshness check nobody notices when the loader stops: dbt keeps building
        on the last rows it got, and the application shows yesterday's stock as today's.

    Example:
        `retailer_app` reads `exp_retailer_app_skus`, built from `marketplace.skus`; the
        source is declared without `freshness`, so a stopped catalogue export goes unseen.

    Instead:
        Give the source (or its whole source block) a `loaded_at_field` and a `freshness`
        with `warn_after` and `error_after`, and run `dbt source freshness` before each build.
    """

    id = "FRS002"
    name = "missing-source-freshness"
    category = "freshness"
    severity = Severity.WARN
    hint = "Add `loaded_at_field` and `freshness: {warn_after: ..., error_after: ...}` to the source and run `dbt source freshness` on schedule."

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        sources = ctx.frames["nodes"].filter(pl.col("resource_type") == "source")
        unwatched = {
            uid for uid, fresh in zip(sources["unique_id"].to_list(), sources["freshness"].to_list()) if not has_freshness(fresh)
        }
        if not unwatched:
            return
        feeds: dict[str, list[tuple[str, list[str]]]] = {}
        for exposure, via in production_trees(ctx):
            for source in unwatched.intersection(via):
                feeds.setdefault(source, []).append((exposure.name, path_down(via, source)))
        for source in sorted(feeds):
            exposures = feeds[source]
            first_path = min(exposures, key=lambda e: (len(e[1]), e[0]))[1]
            count = len(exposures)
            yield Violation(
                source,
                f"source `{label(ctx, source)}` has no freshness check but feeds "
                f"{count} production exposure{'s' if count > 1 else ''} "
                f"({enumerate_names([e[0] for e in exposures])}): {chain(ctx, first_path)}",
            )
