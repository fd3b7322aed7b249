"""The project's [layers] configuration reaches the naming and folder rules."""

from __future__ import annotations

from rules.base import Violation
from rules.structure._common import NAMING_OPTIONS, defaults
from rules.structure.model_naming_conventions import ModelNamingConventions
from tests.rules.helpers import make_context, node

LAYERS = {"staging": {"prefixes": ["src_"], "folders": ["sources"]}}


def _ctx(tmp_path, settings):
    return make_context(
        tmp_path,
        settings=settings,
        project=[{"name": "shop"}],
        nodes=[node("model.shop.src_orders", path="models/sources/src_orders.sql", package_name="shop", enabled=True)],
    )


def _run(ctx) -> list[Violation]:
    return list(ModelNamingConventions().check(ctx, defaults(NAMING_OPTIONS)))


def test_str024_fails_for_a_house_prefix_the_configuration_does_not_name(tmp_path):
    assert [v.node for v in _run(_ctx(tmp_path, {}))] == ["model.shop.src_orders"]


def test_str024_passes_for_the_prefix_configured_in_layers(tmp_path):
    assert _run(_ctx(tmp_path, {"layers": LAYERS})) == []
