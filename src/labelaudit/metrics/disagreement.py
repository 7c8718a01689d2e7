"""Analysis module: disagreement (being written)."""
