"""Layerinitis: business logic that lives outside the central dbt layer, judged.

One core, pure functions of a :class:`rules.context.Context` (each cached on it), used alike by
the ``layerinitis`` rules, ``console hotspots``, the report and the terminal UI:

* :mod:`.items` - the last-mile items with their logic (from ``lastmile_artifacts`` and
  ``logic_facts``) and the places dbt models hold business expressions;
* :mod:`.resolve` - what each item reads, resolved to dbt nodes (:mod:`console.relations`),
  and which reads bypass the central layer;
* :mod:`.consumers` - which declared exposure each item is, and how critical it is;
* :mod:`.duplicates` - the same business rule implemented in several places;
* :mod:`.homes` - where an item's logic belongs (the export or mart it reads, or a new export);
* :mod:`.weights` - the hotspot score's weights (``[hotspots]``) and the time-to-live;
* :mod:`.hotspots` - items and dbt nodes ranked, each with why and where its logic belongs;
* :mod:`.render` - ``console hotspots``' text, Markdown and JSON.

The formulas and their reasons are in ``docs/layerinitis.md``.
"""

from __future__ import annotations

from console.layerinitis.duplicates import DuplicateRule, Place, duplicate_rules
from console.layerinitis.hotspots import Hotspot, HotspotWeights, hotspots
from console.layerinitis.items import Expression, Item, items
from console.layerinitis.resolve import Read, bypassing_reads, relation_index

__all__ = [
    "DuplicateRule", "Expression", "Hotspot", "HotspotWeights", "Item", "Place", "Read",
    "bypassing_reads", "duplicate_rules", "hotspots", "items", "relation_index",
]
