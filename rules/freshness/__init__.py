"""Freshness: sources that stopped arriving, sources nobody watches, models past their SLA."""
