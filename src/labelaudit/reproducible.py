"""Reproducible bytes: the run's timestamp from ``SOURCE_DATE_EPOCH`` when it is set.

The reproducible-builds convention: a build (here, an audit) that records a time takes
it from ``SOURCE_DATE_EPOCH`` (whole seconds since 1970, UTC), so the same inputs give
byte-identical findings.json, report.html, SARIF and JUnit files. A value that is not
a whole number is bad input, named before anything else runs (numpy's own f2py module
reads the variable at import and would otherwise fail with a bare ValueError).
"""

from __future__ import annotations

import datetime as dt
import os

from labelaudit.errors import InputError, Problem

VARIABLE = "SOURCE_DATE_EPOCH"


def run_timestamp() -> str:
    """The run's ``created_at`` (ISO 8601, UTC, whole seconds): the epoch if set, else now."""
    epoch = os.environ.get(VARIABLE)
    # an empty value is bad input too: numpy.f2py, which scipy imports, fails on it
    if epoch is None:
        when = dt.datetime.now(dt.UTC)
    else:
        try:
            seconds = int(epoch.strip())
            if seconds < 0:
                raise ValueError("before 1970")
            when = dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise InputError(
                [
                    Problem(
                        "environment",
                        f"{VARIABLE} must be a whole number of seconds since 1970, got {epoch!r}",
                        setting=VARIABLE,
                        fix=f"export {VARIABLE}=$(git log -1 --format=%ct), or unset it",
                    )
                ]
            ) from None
    return when.replace(microsecond=0).isoformat()
