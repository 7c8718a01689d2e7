"""Analysis module: agreement (being written)."""
