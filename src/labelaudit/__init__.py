"""labelaudit: audit labeling guidelines, rater pools and annotations."""

from __future__ import annotations

from labelaudit.version import __version__

__all__ = ["__version__", "audit"]


def audit(bundle_or_config=None, *, progress: bool = False, **options):
    """Run an audit and return an :class:`~labelaudit.report.AuditReport`.

    ``bundle_or_config`` is a bundle folder, a ``labelaudit.toml`` path or an
    :class:`~labelaudit.config.AuditConfig`; ``options`` override its settings, with
    the config keys' names (an unknown name is an :class:`~labelaudit.errors.InputError`
    naming it). The common ones:

    - ``group_by``: attribute(s) to compare rater groups by, a name or a list
      (default: every categorical attribute);
    - ``target``: a ``target.yaml`` path or ``"preset:world-regions"``;
    - ``min_group_size`` (5): groups with fewer raters are suppressed;
    - ``audience``: ``"internal"`` or ``"vendor"`` (no per-annotator tables, no
      internal-only rules);
    - ``fail_on``: ``"high"``, ``"medium"`` or ``"low"``, the gate of
      :meth:`~labelaudit.result.AuditResult.verdict`;
    - ``seed`` (0), ``n_boot`` (1000), ``n_permutations`` (1000), ``ci_level`` (0.95);
    - ``select`` / ``ignore``: rule codes or categories; ``rules``: per-rule
      parameters, e.g. ``{"LA401": {"tau": 0.7}}``;
    - ``split_by``: one more report per value of this attribute;
    - ``engine`` (``"local"`` or ``"dask"``), ``kernel`` (``"auto"``, ``"numba"``,
      ``"numpy"``), ``quiet``.

    ``progress=True`` shows progress bars (widgets in a notebook) and one line per
    step; otherwise the audit prints nothing, and its steps are only ``logging``
    records on the ``labelaudit`` logger.

    >>> import labelaudit  # doctest: +SKIP
    >>> result = labelaudit.audit("bundle/", group_by="region", seed=1)  # doctest: +SKIP
    >>> result.metrics["agreement"].dtypes["alpha"]  # doctest: +SKIP
    dtype('float64')
    """
    from labelaudit.reproducible import run_timestamp

    run_timestamp()  # a malformed SOURCE_DATE_EPOCH is bad input, before scipy trips on it
    from labelaudit.pipeline import run_audit
    from labelaudit.progress import asked
    from labelaudit.report import AuditReport

    with asked(progress):
        return AuditReport.of(run_audit(bundle_or_config, **options))
