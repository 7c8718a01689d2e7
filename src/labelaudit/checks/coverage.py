"""Checks: coverage (being written)."""
