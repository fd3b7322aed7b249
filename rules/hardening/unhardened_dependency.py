"""HRD001 unhardened-production-dependency."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from console.errors import InputError
from rules._production import path_down, production_trees
from rules._text import chain, label
from rules.base import Option, Rule, Severity, Violation
from rules.context import Context

_REQUIREMENTS = ("tests", "owner", "contract")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class UnhardenedProductionDependency(Rule):
    """A production exposure depends on a model with no tests, no owner or no contract.

    What it does:
        Walks upstream from every production exposure (types in `production.exposure_types`,
        default application and ml; names in `production.exposures`; maturities in
        `production.maturity`; or `meta.production: true`) and reports each model it depends
        on, at any distance, that lacks what `require` asks for: data tests, an owner
        (`meta.owner` or a group), an enforced contract. Contracts are asked of the models
        within `contract_depth` of the exposure (1: its direct parents), since the contract is
        the interface a consumer reads. One finding per model, on the model, naming the
        production exposures that rest on it (so a large DAG gives at most one finding per
        model); when the nearest one is not a direct child, the message shows the path.

    Why it matters:
        Data systems tend towards production: a model written for a quick analysis ends up
        feeding an application, and nobody goes back to harden it. Then a NULL or a renamed
        column breaks the app, and there is no test to catch it, no contract to refuse it and
        no owner to call.

    Example:
        `retailer_app` (an application) reads `exp_retailer_app_skus`, a model with no tests,
        no owner and no contract, built in an afternoon for a demo.

    Instead:
        Give the model an owner (`meta.owner` or a group), tests on its key and the columns
        the consumer relies on, and for the models the exposure reads directly an enforced
        contract (`contract: {enforced: true}` with column data types). If the consumer is not
        production, say so in the configuration (`production.exposure_types`).

    Options:
        require: which of tests, owner and contract to require (default: all three).
        contract_depth: require contracts of models at most this far from the exposure
            (1: direct parents, the default; 0: at any distance).
    """

    id = "HRD001"
    name = "unhardened-production-dependency"
    category = "hardening"
    severity = Severity.WARN
    hint = "Give the model an owner (meta.owner or a group), tests on the columns the consumer uses, and, where the exposure reads it directly, an enforced contract."
    options = {
        "require": Option(list(_REQUIREMENTS), "which of tests, owner, contract a production dependency needs"),
        "contract_depth": Option(1, "require contracts of models at most this far from the exposure; 0: any distance"),
    }

    def check(self, ctx: Context, opts: Mapping[str, Any]) -> Iterable[Violation]:
        require = [r for r in _REQUIREMENTS if r in set(opts["require"])]
        unknown = sorted(set(opts["require"]) - set(_REQUIREMENTS))
        if unknown:
            raise InputError(None, f"`require` takes tests, owner and contract, not {', '.join(map(repr, unknown))}")
        depth = int(opts["contract_depth"])
        trees = production_trees(ctx)
        if not trees or not require:
            return
        models = ctx.frames["nodes"].filter(pl.col("resource_type") == "model")
        tested = set(ctx.frames["tests"]["attached_node"].drop_nulls().to_list())
        facts = {
            uid: (uid in tested, bool(owner or group), bool(contract), materialized == "ephemeral", path)
            for uid, owner, group, contract, materialized, path in models.select(
                "unique_id", "owner", "group_name", "contract_enforced", "materialized", "path"
            ).iter_rows()
        }
        # one finding per model, naming every production exposure that rests on it
        needs: dict[str, list[str]] = {}  # model -> what it lacks, in requirement order
        consumers: dict[str, list[tuple[int, str, Any, list[str]]]] = {}
        for exposure, via in trees:
            for model in (m for m in via if m in facts):
                has_tests, has_owner, has_contract, ephemeral, _ = facts[model]
                route = path_down(via, model)
                missing = set(needs.get(model, ()))
                if "tests" in require and not has_tests:
                    missing.add("tests")
                if "owner" in require and not has_owner:
                    missing.add("owner")
                if "contract" in require and not has_contract and not ephemeral and (depth == 0 or len(route) - 1 <= depth):
                    missing.add("contract")
                if missing:
                    needs[model] = [r for r in _REQUIREMENTS if r in missing]
                    consumers.setdefault(model, []).append((len(route), exposure.name, exposure, route))
        for model in sorted(needs):
            users = sorted(consumers[model], key=lambda u: (u[0], u[1]))
            nearest = users[0]
            described = [u[2].described for u in users]
            lacks = _and(["no " + n for n in needs[model]])
            if len(described) == 1:
                message = f"`{label(ctx, model)}` has {lacks}, yet exposure {described[0]} depends on it"
            else:
                shown = described[:3] + ([f"{len(described) - 3} more"] if len(described) > 3 else [])
                message = (
                    f"`{label(ctx, model)}` has {lacks}, yet {len(described)} production exposures "
                    f"depend on it: {_and(shown)}"
                )
            if nearest[0] > 2:
                message += f" (nearest via {chain(ctx, nearest[3])})"
            yield Violation(model, message, path=facts[model][4])
