"""Checks: process (being written)."""
