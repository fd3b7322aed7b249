"""Layer classification of a nodes frame, and layer rules from configuration."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from collectors.dbt_project import read_project
from collectors.layers import DEFAULT_LAYERS, LayerRule, classify_layers, layer_rules_from_config

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "dbt_project" / "shop"

CASES = [
    # resource_type, name, path, expected layer
    ("model", "stg_orders", "models/staging/stg_orders.sql", "staging"),
    ("model", "base_orders", "models/base_orders.sql", "staging"),
    ("model", "int_orders", "models/int_orders.sql", "intermediate"),
    ("model", "fct_orders", "models/fct_orders.sql", "mart"),
    ("model", "DIM_customers", "models/DIM_customers.sql", "mart"),  # prefixes ignore case
    ("model", "exp_top_items_salesforce", "models/marts/exp_top_items_salesforce.sql", "export"),  # prefix wins
    ("model", "stg_late", "models/marts/stg_late.sql", "staging"),
    ("model", "orders_enriched", "models/intermediate/orders_enriched.sql", "intermediate"),
    ("model", "orders", "models/Staging/orders.sql", "staging"),  # folders ignore case
    ("model", "crm_feed", "models/marts/exports/crm_feed.sql", "export"),  # the deepest folder wins
    ("model", "summary", "models/export/finance/summary.sql", "export"),
    ("model", "revenue", "models/marts_finance/revenue.sql", "mart"),  # a folder named like marts
    ("model", "revenue", "models/datamart/revenue.sql", "mart"),
    ("model", "misc", "models/misc.sql", "other"),
    ("model", "staging", "models/staging.sql", "other"),  # a file name is not a folder
    ("model", "x", None, "other"),
    ("source", "orders", "models/staging/_sources.yml", "source"),
    ("exposure", "crm", "models/exposures.yml", "exposure"),
    ("seed", "stg_codes", "seeds/stg_codes.csv", "seed"),
    ("snapshot", "orders_snapshot", "snapshots/orders_snapshot.sql", "snapshot"),
    ("test", "not_null_stg_orders_id", "models/staging/schema.yml", None),
    ("analysis", "stg_check", "analyses/stg_check.sql", None),
    ("metric", "revenue", "models/marts/metrics.yml", None),
]


def frame(rows) -> pl.DataFrame:
    return pl.DataFrame(
        {"resource_type": [r[0] for r in rows], "name": [r[1] for r in rows], "path": [r[2] for r in rows]},
        schema={"resource_type": pl.String, "name": pl.String, "path": pl.String},
    )


def test_default_layers():
    layers = classify_layers(frame(CASES))
    assert layers.name == "layer" and layers.dtype == pl.String
    assert list(zip([c[1] for c in CASES], layers.to_list(), strict=True)) == [(c[1], c[3]) for c in CASES]


def test_rules_are_configurable():
    rules = layer_rules_from_config(
        {
            "source": {"prefixes": ["src_"], "folders": ["raw"]},
            "staging": {"folders": ["cleaned"]},
            "export": {"prefixes": ["sync_"], "folders": ["outbound"]},
        }
    )
    assert [r.layer for r in rules] == ["source", "staging", "intermediate", "mart", "export"]
    assert rules[1] == LayerRule("staging", ("cleaned",), ("stg_", "base_"))  # prefixes kept
    got = classify_layers(
        frame(
            [
                ("model", "src_orders", "models/src_orders.sql", None),
                ("model", "orders", "models/raw/orders.sql", None),
                ("model", "orders", "models/cleaned/orders.sql", None),
                ("model", "orders", "models/staging/orders.sql", None),  # no longer a staging folder
                ("model", "sync_crm", "models/sync_crm.sql", None),
                ("model", "crm", "models/exports/crm.sql", None),
                ("model", "crm", "models/outbound/crm.sql", None),
            ]
        ),
        rules,
    )
    assert got.to_list() == ["source", "source", "staging", "other", "export", "other", "export"]


def test_no_rules_at_all():
    got = classify_layers(frame(CASES[:3] + CASES[-7:]), ())
    assert got.to_list() == ["other", "other", "other", "source", "exposure", "seed", "snapshot", None, None, None]


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (
            {"marts": {}},
            "unknown layer 'marts' (did you mean 'mart'?): layers are source, staging, intermediate, mart, export",
        ),
        ({"models": {}}, "unknown layer 'models': layers are source, staging, intermediate, mart, export"),
        ({"staging": ["stg_"]}, "layer 'staging' must be a table with 'folders' and/or 'prefixes'"),
        ({"staging": {"prefix": ["stg_"]}}, "layer 'staging': unknown key 'prefix' (valid keys: folders, prefixes)"),
        ({"mart": {"prefixes": "fct_"}}, "layer 'mart': 'prefixes' must be a list of non-empty strings"),
        ({"mart": {"folders": ["marts", ""]}}, "layer 'mart': 'folders' must be a list of non-empty strings"),
    ],
)
def test_bad_configuration(cfg, message):
    with pytest.raises(ValueError) as caught:
        layer_rules_from_config(cfg)
    assert str(caught.value) == message


def test_empty_configuration_is_the_default():
    assert layer_rules_from_config({}) == DEFAULT_LAYERS


def test_layers_of_a_real_project():
    nodes = read_project(SHOP)["nodes"]
    layers = dict(nodes.select("unique_id", "layer").iter_rows())
    assert layers["model.shop.stg_orders"] == "staging"
    assert layers["model.shop.int_orders"] == "intermediate"
    assert layers["model.shop.dim_customers.v2"] == "mart"
    assert layers["model.shop.fct_revenue"] == "mart"
    assert layers["model.shop.exp_customers_crm"] == "export"
    assert layers["source.shop.raw.orders"] == "source"
    assert layers["exposure.shop.crm_sync"] == "exposure"
    assert layers["seed.shop.country_codes"] == "seed"
    assert layers["test.shop.assert_revenue_positive"] is None


def test_fifty_thousand_nodes_scale_linearly():
    n = 50_000
    kinds = ["model"] * 7 + ["test", "source", "seed"]
    names = ["stg_a", "int_b", "fct_c", "report", "exp_d", "x", "y", "t", "s", "seed"]
    folders = [
        "staging",
        "intermediate",
        "marts",
        "marts/finance",
        "exports",
        "misc",
        "marts_x",
        "tests",
        "src",
        "seeds",
    ]
    nodes = pl.DataFrame(
        {
            "resource_type": [kinds[i % 10] for i in range(n)],
            "name": [f"{names[i % 10]}_{i}" for i in range(n)],
            "path": [f"models/{folders[i % 10]}/f{i % 97}/{names[i % 10]}_{i}.sql" for i in range(n)],
        }
    )
    classify_layers(nodes.head(10))  # warm up

    def best(frame: pl.DataFrame) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            classify_layers(frame)
            times.append(time.perf_counter() - started)
        return min(times)

    layers = classify_layers(nodes)
    assert layers.head(10).to_list() == [
        "staging",
        "intermediate",
        "mart",
        "mart",
        "export",
        "other",
        "mart",
        None,
        "source",
        "seed",
    ]
    # vectorised: 10 times the nodes cost well under 20 times the time of 5,000
    small, big = best(nodes.head(n // 10)), best(nodes)
    assert big < 20 * small, f"{big:.3f} s for {n} nodes, {small:.3f} s for {n // 10}"
