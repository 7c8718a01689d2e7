"""Checks (metric tables -> findings). Importing this package registers all of them."""
