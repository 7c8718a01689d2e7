"""Analysis module: process (being written)."""
