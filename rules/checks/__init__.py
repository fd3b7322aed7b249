"""Checks: dbt tests that failed and nodes that did not build in the latest run."""
