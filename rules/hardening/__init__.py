"""Hardening: production consumers that depend on nodes nobody hardened for production."""
