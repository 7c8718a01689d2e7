"""Analysis module: coverage (being written)."""
