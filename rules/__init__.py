"""Rules judge the store and yield findings.

* :mod:`rules.base` - what a rule is (:class:`~rules.base.Rule`, :class:`~rules.base.NodeRule`)
  and what it produces (:class:`~rules.base.Violation`, :class:`~rules.base.Finding`).
* :mod:`rules.context` - what a rule may read: the store's frames and the graph.
* :mod:`rules.registry` - every rule, found in ``rules/<category>/`` (one rule per file).
* :mod:`rules.engine` - runs the selected rules over a context and applies configuration:
  options, severity overrides and exceptions.
"""
