"""Health scores from 0 to 10: every model and source, folder, owner and the project.

:func:`score_nodes` computes them from a Context and the findings (formula in
:mod:`.compute` and docs/scores.md, weights in :mod:`.weights`); :mod:`.history` records
them per collect and reads their trend. ``console report --format json`` carries them and
``console scores`` lists them, worst first.
"""

from console.scores.compute import NO_OWNER, GroupScore, NodeScore, Scores, score_nodes
from console.scores.weights import ScoreWeights, score_weights

__all__ = ["NO_OWNER", "GroupScore", "NodeScore", "ScoreWeights", "Scores", "score_nodes", "score_weights"]
