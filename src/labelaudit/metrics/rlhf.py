"""Analysis module: rlhf (being written)."""
