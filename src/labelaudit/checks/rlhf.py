"""Checks: rlhf (being written)."""
