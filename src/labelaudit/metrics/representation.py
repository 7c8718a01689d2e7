"""Analysis module: representation (being written)."""
