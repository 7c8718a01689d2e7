"""Checks: representation (being written)."""
