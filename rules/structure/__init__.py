"""Structure rules: the rule set of dbt-project-evaluator (modeling, testing, documentation,
structure, performance and governance), with its meaning and default thresholds.

Every rule reads the project through :mod:`rules.structure._common`, which builds the shared
views (nodes in scope, the lineage without tests, layers) once per context.
"""
