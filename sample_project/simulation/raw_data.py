"""Deterministic raw data for the alcohol marketplace, one simulated day at a time.

`load_day(con, day)` rewrites the `raw` schema of the warehouse so that it holds what the
upstream systems had delivered by the morning of simulated day `day` (1..7), including that
day's planted accidents. Everything comes from one seeded random generator, so two
regenerations produce the same rows.

Upstream systems and their accidents (see docs/sample_project.md):
  raw.stores, raw.skus          catalogue exports, reloaded every morning
  raw.orders, raw.order_items   the order system; one new day of orders every morning
  raw.inventory                 the daily inventory feed, one snapshot per store per day
  raw.promotions                loaded every morning; nothing in dbt reads it
day 2: a store of a new type ('grocery') appears in raw.stores (warn test)
day 3: the point-of-sale system sends unit_price 'N/A' (a cast in dbt errors)
day 4: the catalogue double-loads a SKU and an order line points at an unknown SKU
day 2, 4, 6: the small Juneau market sells nothing the day before (a test flips)
day 5: engineering renames raw.inventory to raw.store_inventory; the old table stays, frozen
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
from datetime import date, datetime, timedelta

SEED = 20261101
FIRST_DAY = date(2026, 11, 1)  # simulated day 1; dbt runs at 07:00 each day
HISTORY_DAYS = 7  # order history already present on day 1
RENAME_DAY = 5
BAD_PRICE_DAY = 3
DUPLICATE_SKU_DAY = 4
GROCERY_STORE_DAY = 2
QUIET_JUNEAU_DAYS = {2, 4, 6}

MARKETS = {  # market -> number of stores
    "seattle": 6,
    "portland": 5,
    "denver": 5,
    "austin": 4,
    "chicago": 4,
    "juneau": 1,
}
CATEGORIES = {  # category -> (possible volumes in ml, price range in dollars, spirits?)
    "red_wine": ([187, 375, 750, 1500], (9, 45), False),
    "white_wine": ([187, 375, 750], (8, 35), False),
    "sparkling": ([187, 375, 750], (10, 60), False),
    "beer": ([355, 473, 650], (2, 6), False),
    "seltzer": ([355], (2, 4), False),
    "whiskey": ([50, 375, 750, 1000, 1750], (18, 90), True),
    "vodka": ([50, 375, 750, 1750], (12, 40), True),
    "tequila": ([50, 375, 750], (20, 70), True),
    "gin": ([50, 750], (18, 45), True),
    "rum": ([50, 750, 1000], (12, 35), True),
}
SEASONS = ["holiday", "summer", "autumn"]
NAME_WORDS = ["Cascade", "Ridge", "Harbor", "Old", "North", "Copper", "Golden", "Stone",
              "River", "Juniper", "Cedar", "Bramble", "Lantern", "Summit", "Wild", "Oak"]


def day_date(day: int) -> date:
    return FIRST_DAY + timedelta(days=day - 1)


def load_time(day: int, minute: int) -> datetime:
    """Upstream loads land between 05:00 and 06:30 on the simulated day."""
    return datetime.combine(day_date(day), datetime.min.time()) + timedelta(hours=5, minutes=minute)


class World:
    """Every row of every day, built once from the seed."""

    def __init__(self, days: int = 7) -> None:
        rng = random.Random(SEED)
        self.days = days
        self.stores = []
        store_id = 100
        for market, count in MARKETS.items():
            for i in range(count):
                store_id += 1
                kind = "liquor" if rng.random() < 0.55 else "beer_wine"
                if market == "juneau":
                    kind = "liquor"
                name = f"{rng.choice(NAME_WORDS)} {'Liquors' if kind == 'liquor' else 'Beer & Wine'} {market.title()} #{i + 1}"
                opened = date(2019, 1, 1) + timedelta(days=rng.randrange(2000))
                self.stores.append((store_id, name, market, kind, opened.isoformat()))
        # the store that arrives on GROCERY_STORE_DAY with a store type nobody planned for
        self.grocery_store = (store_id + 1, "Fresh Corner Grocery Denver", "denver", "grocery", "2026-10-30")

        self.skus = []
        for sku_id in range(1, 101):
            category = rng.choice(list(CATEGORIES))
            volumes, (low, high), _ = CATEGORIES[category]
            volume = rng.choice(volumes)
            seasonal = rng.random() < 0.18
            season = rng.choice(SEASONS) if seasonal else None
            price = round(rng.uniform(low, high) * (volume / 750) ** 0.7, 2)
            price = max(price, 1.49)
            name = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_WORDS)} {category.replace('_', ' ').title()} {volume}ml"
            self.skus.append((sku_id, name, category, volume, seasonal, season, price))
        self.sku_by_id = {s[0]: s for s in self.skus}

        # popularity: a Zipf-like weight per SKU, nudged per market
        base = {s[0]: 1.0 / (rank + 1) ** 0.9 for rank, s in enumerate(rng.sample(self.skus, len(self.skus)))}
        self.popularity = {
            m: {sku: w * rng.uniform(0.5, 1.8) for sku, w in base.items()} for m in MARKETS
        }

        # each store carries a subset of the SKUs its licence allows
        self.assortment = {}
        for store in self.stores + [self.grocery_store]:
            allowed = [s[0] for s in self.skus if store[3] == "liquor" or not CATEGORIES[s[2]][2]]
            self.assortment[store[0]] = sorted(rng.sample(allowed, int(len(allowed) * 0.6)))

        # orders: HISTORY_DAYS of history before day 1, then one day of orders per simulated day
        self.orders, self.order_items = [], []
        order_id, item_id = 500000, 900000
        first_order_day = day_date(1) - timedelta(days=HISTORY_DAYS)
        for offset in range(HISTORY_DAYS + days - 1):
            order_day = first_order_day + timedelta(days=offset)
            loaded_on_day = offset - HISTORY_DAYS + 2  # orders of day d-1 arrive on day d
            for store in self.stores:
                market = store[2]
                if market == "juneau" and loaded_on_day in QUIET_JUNEAU_DAYS:
                    continue
                n_orders = rng.randint(2, 5) if market == "juneau" else rng.randint(10, 22)
                carried = self.assortment[store[0]]
                weights = [self.popularity[market][s] for s in carried]
                for _ in range(n_orders):
                    order_id += 1
                    at = datetime.combine(order_day, datetime.min.time()) + timedelta(
                        seconds=rng.randrange(8 * 3600, 23 * 3600))
                    status = rng.choices(["completed", "cancelled", "refunded"], [92, 5, 3])[0]
                    lines = rng.choices(carried, weights, k=rng.choice([1, 1, 2, 2, 3, 4]))
                    total = 0.0
                    for sku in dict.fromkeys(lines):
                        item_id += 1
                        qty = rng.choice([1, 1, 1, 2, 3, 6])
                        price = self.sku_by_id[sku][6]
                        total += qty * price
                        self.order_items.append((item_id, order_id, sku, qty, f"{price:.2f}", max(loaded_on_day, 1)))
                    customer = rng.randrange(1, 4000)
                    self.orders.append((order_id, customer, store[0], at, status, round(total, 2), max(loaded_on_day, 1)))

        self.promotions = [
            (i, rng.choice(self.skus)[0], rng.choice([10, 15, 20, 25]),
             (day_date(1) + timedelta(days=rng.randrange(-20, 10))).isoformat())
            for i in range(1, 16)
        ]

    def inventory(self, day: int):
        """The inventory feed snapshot for one day: every carried SKU of every store."""
        rng = random.Random(SEED * 100 + day)
        stores = self.stores + ([self.grocery_store] if day >= GROCERY_STORE_DAY else [])
        rows = []
        for store in stores:
            for sku in self.assortment[store[0]]:
                qty = rng.choice([0, 0, 1, 2, 4, 6, 8, 12, 24, 36])
                rows.append((store[0], sku, qty, day_date(day), load_time(day, rng.randrange(0, 20))))
        return rows


def _write(con, table: str, columns: str, rows) -> None:
    """Replace raw.<table> with `rows` (bulk-loaded through a CSV file; executemany is slow)."""
    cols = dict(c.strip().split(" ", 1) for c in columns.split(","))
    with tempfile.NamedTemporaryFile("w", newline="", suffix=".csv", delete=False) as f:
        csv.writer(f).writerows(rows)
    try:
        spec = ", ".join(f"'{k}': '{v}'" for k, v in cols.items())
        con.execute(f"create or replace table raw.{table} as select * from "
                    f"read_csv('{f.name}', header = false, columns = {{{spec}}})")
    finally:
        os.unlink(f.name)


def load_day(con, world: World, day: int) -> dict:
    """Rewrite schema `raw` to its state on the morning of `day`. Returns row counts."""
    con.execute("create schema if not exists raw")

    stores = list(world.stores)
    if day >= GROCERY_STORE_DAY:
        stores.append(world.grocery_store)
    _write(con, "stores", "store_id integer, store_name varchar, market varchar, store_type varchar, "
           "opened_on varchar, _loaded_at timestamp", [s + (load_time(day, 30),) for s in stores])

    skus = list(world.skus)
    if day == DUPLICATE_SKU_DAY:  # the catalogue loads SKU 42 twice, with a new price
        dup = list(world.sku_by_id[42])
        dup[6] = round(dup[6] * 1.1, 2)
        skus.append(tuple(dup))
    _write(con, "skus", "sku_id integer, sku_name varchar, category varchar, volume_ml integer, "
           "is_seasonal boolean, season varchar, list_price double, _loaded_at timestamp",
           [s + (load_time(day, 31),) for s in skus])

    _write(con, "orders", "order_id integer, customer_id integer, store_id integer, ordered_at timestamp, "
           "status varchar, order_total double, _loaded_at timestamp",
           [o[:6] + (load_time(o[6], 40),) for o in world.orders if o[6] <= day])

    items = [i for i in world.order_items if i[5] <= day]
    if day == BAD_PRICE_DAY:  # the point-of-sale system sends a placeholder for one price
        idx = next(n for n, i in enumerate(items) if i[5] == day)
        items[idx] = items[idx][:4] + ("N/A",) + items[idx][5:]
    if day == DUPLICATE_SKU_DAY:  # an order line for a SKU the catalogue does not know
        idx = next(n for n, i in enumerate(items) if i[5] == day)
        items[idx] = items[idx][:2] + (999,) + items[idx][3:]
    _write(con, "order_items", "order_item_id integer, order_id integer, sku_id integer, quantity integer, "
           "unit_price varchar, _loaded_at timestamp", [i[:5] + (load_time(i[5], 41),) for i in items])

    # the inventory feed; from RENAME_DAY on, engineering writes raw.store_inventory instead and
    # leaves raw.inventory behind, frozen at the last snapshot it received
    feed = [row for d in range(1, day + 1) for row in world.inventory(d)]
    columns = "store_id integer, sku_id integer, quantity_on_hand integer, feed_date date, _loaded_at timestamp"
    _write(con, "inventory", columns, [r for r in feed if r[3] < day_date(RENAME_DAY)])
    if day >= RENAME_DAY:
        _write(con, "store_inventory", columns, feed)

    _write(con, "promotions", "promotion_id integer, sku_id integer, discount_pct integer, starts_on varchar, "
           "_loaded_at timestamp", [p + (load_time(day, 45),) for p in world.promotions])

    return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for (t,) in con.execute("select table_name from information_schema.tables "
                                    "where table_schema = 'raw' order by 1").fetchall()}
