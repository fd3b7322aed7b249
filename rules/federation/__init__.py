"""Federation rules: who reads the project's outputs, from the warehouse's query logs.

Every rule reads :func:`rules.federation._consumers.federation`, built once per context from
the store's ``query_consumers`` (the collect's sum of the query logs) and the exposures.
"""
