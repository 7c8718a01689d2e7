"""labelaudit: audit labeling guidelines, rater pools and annotations."""

from __future__ import annotations

from labelaudit.version import __version__

__all__ = ["__version__", "audit"]


def audit(bundle_or_config=None, **options):
    """Run an audit and return an :class:`~labelaudit.report.AuditReport`.

    ``bundle_or_config`` is a bundle folder, a ``labelaudit.toml`` path or an
    :class:`~labelaudit.config.AuditConfig`; ``options`` override its settings
    (same names as the config keys, e.g. ``group_by=["region"]``, ``seed=1``).
    """
    from labelaudit.config import created_at

    created_at()  # a malformed SOURCE_DATE_EPOCH is bad input, before scipy trips on it
    from labelaudit.pipeline import run_audit
    from labelaudit.report import AuditReport

    return AuditReport.of(run_audit(bundle_or_config, **options))
