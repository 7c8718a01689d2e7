"""Checks: data (inputs the audit survives)."""
