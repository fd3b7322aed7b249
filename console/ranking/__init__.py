"""Where to look first: priorities of findings, groups of repetitive ones, counts per rule.

Built once, in the core, for every face (each report format, ``console scores``, the terminal
UI): :func:`prioritise` ranks findings by what is at stake (:mod:`.stakes`, weights in
:mod:`.weights`, formula in :mod:`.priority` and docs/priority.md), :func:`group_findings`
folds a rule firing on many nodes, :func:`rule_counts` counts findings per rule.
"""

from console.ranking.groups import Group, group_findings
from console.ranking.priority import Ranking, prioritise, priority_of, rank_key
from console.ranking.statistics import RuleCount, rule_counts
from console.ranking.weights import PriorityWeights, priority_weights

__all__ = [
    "Group", "PriorityWeights", "Ranking", "RuleCount", "group_findings", "prioritise", "priority_of",
    "priority_weights", "rank_key", "rule_counts",
]
