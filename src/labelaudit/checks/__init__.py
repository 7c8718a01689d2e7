"""Checks (metric tables -> findings). Importing this package registers all of them."""

from labelaudit.checks import (  # noqa: F401
    agreement,
    coverage,
    data,
    disagreement,
    guidelines,
    pool,
    process,
    rater_metadata,
    representation,
    rlhf,
)
