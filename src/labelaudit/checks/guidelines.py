"""Checks: guidelines (being written)."""
