"""Analyses (bundle -> metric tables). Importing this package registers all of them."""

from labelaudit.analyses import (  # noqa: F401
    agreement,
    coverage,
    disagreement,
    guidelines,
    process,
    rater_metadata,
    representation,
    rlhf,
)
