"""Analysis module: guidelines (being written)."""
