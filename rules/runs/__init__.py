"""Runs: what the history of dbt invocations shows (slower models, flaky tests, forgotten nodes)."""
