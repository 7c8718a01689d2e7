"""Checks: agreement (being written)."""
