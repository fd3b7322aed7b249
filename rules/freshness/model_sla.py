"""FRS003 model-sla."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from rules._history import when
from rules._text import human_duration, label, meta_value, parse_duration
from rules.base import NodeRule, Option, Severity, Violation
from rules.context import Context

_TYPES = ("model", "snapshot", "seed")


class ModelSla(NodeRule):
    """A model has not been built successfully for longer than its SLA.

    What it does:
        For every model, snapshot or seed with an SLA, compares the time since its last
        successful build (the latest `success` result in the run history) with the SLA. The
        SLA comes from `meta.sla` (or `config.meta.sla`): `24h`, `2d`, `90m`, `1w`, or a
        number of hours; models without one use the `default_sla_hours` option when it is set.
        A node that has results but never a successful one is reported too.

    Why it matters:
        A model can fail quietly for days: each run errors or skips it, the old table stays in
        place, and its readers see numbers that stopped moving. An SLA turns "how old may this
        be?" into a check.

    Example:
        `fct_orders` has `meta: {sla: 24h}`; its last successful build finished on Monday at
        07:02 and it is now Wednesday 08:00, 2 days past, so the SLA is missed.

    Instead:
        Fix what keeps the model from building (see the build-error and
        skipped-by-upstream-failure findings), or give it an SLA its schedule can keep.

    Options:
        default_sla_hours: the SLA in hours of models without `meta.sla`; unset (the default)
            judges only models that declare one.
    """

    id = "FRS003"
    name = "model-sla"
    category = "freshness"
    severity = Severity.ERROR
    hint = "Fix what keeps the model from building, then rebuild it; or set an SLA (`meta.sla`) its schedule can keep."
    options = {
        "default_sla_hours": Option(None, "SLA in hours for models without meta.sla; unset: only models that declare one"),
    }

    def targets(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[str]:
        nodes = ctx.frames["nodes"].filter(
            pl.col("resource_type").is_in(list(_TYPES)) & pl.col("enabled").fill_null(True)
        )
        default = opts.get("default_sla_hours")
        if default is None:  # only nodes that declare an SLA: skip decoding everybody's meta
            declares = pl.lit(False)
            for column in ("meta", "config"):
                declares = declares | pl.col(column).str.contains('"sla"', literal=True).fill_null(False)
            nodes = nodes.filter(declares)
        self._sla: dict[str, tuple[Any, str]] = {}
        for uid, kind, meta, config in nodes.select("unique_id", "resource_type", "meta", "config").iter_rows():
            declared = meta_value(meta, config, "sla")
            if declared is not None:
                self._sla[uid] = (declared, "meta.sla")
            elif default is not None and kind == "model":
                self._sla[uid] = (default, "default_sla_hours")
        history = ctx.result_history.filter(pl.col("unique_id").is_in(list(self._sla)))
        last_ok = (
            history.filter(pl.col("status") == "success")
            .group_by("unique_id")
            .agg(pl.coalesce("completed_at", "generated_at").max().alias("last_ok"))
        )
        tried = history.group_by("unique_id").agg(pl.len().alias("results"))
        self._last_ok = dict(zip(last_ok["unique_id"].to_list(), last_ok["last_ok"].to_list()))
        self._tried = dict(zip(tried["unique_id"].to_list(), tried["results"].to_list()))
        return sorted(uid for uid in self._sla if uid in self._tried)

    def check_node(self, ctx: Context, node: str, opts: Mapping[str, Any]) -> Iterable[Violation]:
        declared, origin = self._sla[node]
        what = f"{node.split('.', 1)[0]} `{label(ctx, node)}`"
        try:
            sla = parse_duration(declared)
        except ValueError:
            yield Violation(
                node,
                f"{what} has {origin} = {declared!r}, which is not a duration like 24h, 2d or 90m",
                key="invalid-sla",
                severity=Severity.WARN,
                hint="Write the SLA as a number and a unit: `90m`, `24h`, `2d`, `1w`.",
            )
            return
        shown = f"{origin} {declared}" if origin == "meta.sla" else f"default_sla_hours {declared}"
        last_ok = self._last_ok.get(node)
        if last_ok is None:
            runs = self._tried[node]
            yield Violation(
                node,
                f"{what} has not built successfully in any of the {runs} collected run{'s' if runs != 1 else ''} "
                f"that included it (SLA {human_duration(sla)}, {shown})",
            )
            return
        age = (ctx.now - last_ok).total_seconds()
        if age > sla:
            yield Violation(
                node,
                f"{what} last built successfully {human_duration(age)} ago ({when(last_ok)}), "
                f"past its SLA of {human_duration(sla)} ({shown})",
            )
