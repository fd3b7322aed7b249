"""Warehouse query logs: Snowflake QUERY_HISTORY and ACCESS_HISTORY, BigQuery JOBS,
pg_stat_statements dumps, and plain CSVs of (time, user, query).

* :mod:`.formats`: the formats, recognised from a file's columns;
* :mod:`.load`: each file read with DuckDB's own readers into one normalised table;
* :mod:`.texts`: the relations a query text reads, parsed once per distinct text.

The phase that runs them in a collect is :mod:`collectors.querylog_phase`; who reads what is
judged by the federation rules (:mod:`rules.federation`).
"""
