"""Analyses (bundle -> metric tables). Importing this package registers all of them."""
