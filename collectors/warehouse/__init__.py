"""The warehouse itself: what it holds, beside what dbt believes (one module per engine).

* :mod:`.target` - which warehouse, named without secrets; ``--warehouse`` values.
* :mod:`.profiles` - the project's dbt profile, found and rendered as dbt does.
* :mod:`.duckdb_engine`, :mod:`.postgres_engine`, :mod:`.snowflake_engine`,
  :mod:`.bigquery_engine` - ``read(target, plan)``: relations, columns, row counts and sizes
  from the engine's catalogue, freshness of sources from the data, opt-in NULL counts.
* :mod:`._common` - the plan, the result, bounded queries built with sqlglot.

:func:`read_warehouse` picks the engine module; :mod:`collectors.warehouse_phase` is the
collect's phase that calls it and hands the frames to the write transaction. Engine modules
import their drivers lazily: the Snowflake and BigQuery connectors are optional extras.
"""

from __future__ import annotations

import importlib

from collectors.warehouse._common import DriverMissing, FreshnessRequest, Plan, WarehouseRead, WarehouseUnavailable
from collectors.warehouse.target import ENGINES, WarehouseTarget

__all__ = ["ENGINES", "DriverMissing", "FreshnessRequest", "Plan", "WarehouseRead", "WarehouseTarget", "WarehouseUnavailable", "read_warehouse"]


def read_warehouse(target: WarehouseTarget, plan: Plan) -> WarehouseRead:
    """Read ``target`` with the engine module of its engine.

    Raises:
        WarehouseUnavailable: the warehouse cannot be read at all (one line, no secret).
    """
    module = importlib.import_module(f"collectors.warehouse.{target.engine}_engine")
    return module.read(target, plan)
