"""Execution engines.

The default ``local`` engine lives in :mod:`labelaudit.bundle.load` and never imports
Dask. ``--engine dask`` (:mod:`labelaudit.engine.dask_engine`) reads and normalises the
judgments per Parquet partition on a Dask cluster and merges them on the client;
everything after the merge is the local code, so results are identical.
"""
