"""labelaudit: audit labeling guidelines, rater pools and annotations."""

from __future__ import annotations

__version__ = "0.3.0"

__all__ = ["__version__", "audit"]


def audit(bundle_or_config=None, **options):
    """Run an audit and return an :class:`~labelaudit.result.AuditResult`.

    ``bundle_or_config`` is a bundle folder, a ``labelaudit.toml`` path or an
    :class:`~labelaudit.config.AuditConfig`; ``options`` override its settings
    (same names as the config keys, e.g. ``group_by=["region"]``, ``seed=1``).
    """
    from labelaudit.pipeline import run_audit

    return run_audit(bundle_or_config, **options)
