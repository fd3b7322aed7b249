"""Layerinitis: business logic living in the last mile (reverse ETL, BI, app code, notebooks)
instead of the central dbt layer. The analysis these rules read is :mod:`console.layerinitis`."""
