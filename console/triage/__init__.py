"""Triage: root causes, blast radius, what changed, recent runs and the commands to rerun.

Pure functions of a :class:`rules.context.Context`, the report's findings and a few extra
frames (:func:`console.triage.extras.load_extras`, the one store read); no textual, no files.
``console triage`` and the terminal UI's Triage screen render the same records
(:mod:`console.triage.model`). Modules, in the order a triage runs them:

* :mod:`.signals`: what is wrong with each node (results, freshness, warehouse findings);
* :mod:`.root_cause`: the first broken nodes upstream;
* :mod:`.blast`: everything downstream, most critical first;
* :mod:`.changes`: checksum changes and SQL diffs since the last green run;
* :mod:`.rerun`: the dbt commands to run;
* :mod:`.core`: :class:`Triage`, which puts them together for a node or the latest run.
"""

from console.triage.core import Triage
from console.triage.extras import Extras, load_extras
from console.triage.lookup import find_node

__all__ = ["Extras", "Triage", "find_node", "load_extras"]
