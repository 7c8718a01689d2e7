"""Checks: disagreement (being written)."""
