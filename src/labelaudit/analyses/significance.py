"""Group tests in analyses: the run's settings for the significance engine, canonical
order, minimum support, and the columns every tested row carries.

Every group-vs-rest contrast goes through :func:`labelaudit.stats.significance.run_contrasts`
with the run's ``n_permutations``, ``max_permutations``, ``early_stop`` and seed; this
module turns the engine's results into the columns of a metric table row (``p_value``,
``p_adjusted``, ``n_permutations``, ``family_size``) and the families into facts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.stats.kernel import concurrent_kernels
from labelaudit.stats.rater_sums import RateGap
from labelaudit.stats.significance import Contrast, ContrastResult, Family, run_contrasts

#: Besag-Clifford early stopping: a test stops once its tail holds this many permuted
#: values at least as extreme as observed
STOP_AFTER = 10
#: the support a rule may ask of a tested group, by parameter name
SUPPORT = ("min_annotators", "min_items", "min_judgments")


def id_order(ids: np.ndarray, codes: np.ndarray | None = None) -> np.ndarray:
    """``codes`` (default: all positions of ``ids``) sorted by their id, as strings.

    Random draws are made over this order, so a relabelling or a resampled item does
    not depend on the order rows arrived in.

    Examples
    --------
    >>> id_order(np.array(["b", "a", "c"], dtype=object)).tolist()
    [1, 0, 2]
    >>> id_order(np.array(["b", "a", "c"], dtype=object), np.array([2, 0])).tolist()
    [0, 2]
    """
    ids = np.asarray(ids, dtype=object)
    codes = np.arange(ids.size) if codes is None else np.asarray(codes, dtype=np.int64)
    keys = np.array([str(i) for i in ids[codes]], dtype=object)
    return codes[np.argsort(keys, kind="stable")]


def strata_for(bundle: Bundle, cfg: AuditConfig, attribute: str) -> np.ndarray | None:
    """Stratum code per annotator for relabelling ``attribute`` (None: not stratified).

    An attribute is never shuffled within its own levels (nor an intersection with it).
    """
    strat = cfg.stratify_by
    if not strat or bundle.annotators is None or strat not in bundle.annotators.columns:
        return None
    return None if strat in attribute.split("×") else bundle.group_codes(strat)[0]


def shown_groups(bundle: Bundle, attribute: str, labels: Sequence[str]) -> np.ndarray:
    """Per group of ``attribute``, whether the privacy plan lets it be shown at all.

    A group no output shows is not tested: its result could not be released, and testing
    it would only make the family (and the correction for the groups that are shown)
    larger than the tables a reader sees.
    """
    hidden = bundle.hidden_groups(attribute)
    return np.array([name not in hidden for name in labels], dtype=bool)


def rate_gap_contrast(
    key: str, family: str, sides: str, codes: np.ndarray, order: np.ndarray,
    n: np.ndarray, hits: np.ndarray, tested: np.ndarray, strata: np.ndarray | None,
) -> Contrast:  # fmt: skip
    """Each group's rate of ``hits`` per judgment minus everyone else's, one column a group.

    ``n`` and ``hits`` are per annotator (aligned with ``codes``); ``tested`` per group.
    """
    g = tested.size
    stat = RateGap(n, hits, g)
    return Contrast(key, codes, order, stat, [family] * g, [sides] * g, tested, strata, stat.block)


def supported(rulebook: Rulebook, code: str, **counts: float) -> bool:
    """Whether a group has the support rule ``code`` asks for (its min_* parameters).

    ``counts`` gives ``n_annotators``, ``n_items`` and/or ``n_judgments``; a minimum the
    rule does not define is not checked.
    """
    params = rulebook.params.get(code, {})
    for name in SUPPORT:
        have = counts.get("n_" + name.removeprefix("min_"))
        if name in params and have is not None and have < params[name]:
            return False
    return True


def run_tests(
    contrasts: Sequence[Contrast], alphas: Mapping[str, float], cfg: AuditConfig
) -> tuple[list[ContrastResult], dict[str, Family]]:
    """Run ``contrasts`` with the run's permutation settings (nothing when n_permutations is 0)."""
    if cfg.n_permutations < 1:
        for c in contrasts:
            c.tested = np.zeros(len(c.family), dtype=bool)
    return run_contrasts(
        contrasts, alphas, n_permutations=max(cfg.n_permutations, 1),
        max_permutations=cfg.max_permutations,
        stop_after=STOP_AFTER if cfg.early_stop else None, seed=cfg.seed,
        workers=test_workers(cfg),
    )  # fmt: skip


def test_workers(cfg: AuditConfig) -> int:
    """Threads for the contrasts: ``workers`` (0: one per CPU this process may use), one
    when the kernels cannot run in several threads at once (numba's workqueue layer)."""
    if not concurrent_kernels(cfg.kernel):
        return 1
    if cfg.workers > 0:
        return cfg.workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


#: a contrast and, per column, the row its result goes into (None: no row)
Pending = tuple[Contrast, Sequence["dict | None"]]


def test_rows(
    pending: Sequence[Pending], alphas: Mapping[str, float], cfg: AuditConfig,
    null_column: str | None = None,
) -> dict[str, Family]:  # fmt: skip
    """Run the contrasts and write each column's test columns into its row.

    ``null_column``: a row that has this column also gets the column's mean permuted
    statistic there (a chance baseline, e.g. ``expected_share``).
    """
    results, families = run_tests([c for c, _ in pending], alphas, cfg)
    for (_, rows), res in zip(pending, results, strict=True):
        for j, row in enumerate(rows):
            if row is None:
                continue
            row.update(test_columns(res, j))
            if null_column is not None and null_column in row:
                row[null_column] = float(res.null_mean[j])
    return families


def test_columns(result: ContrastResult, j: int) -> dict[str, float | int]:
    """The columns of column ``j``'s row: p_value, p_adjusted, n_permutations, family_size."""
    return {
        "p_value": float(result.p_value[j]),
        "p_adjusted": float(result.p_adjusted[j]),
        "n_permutations": int(result.n_permutations[j]),
        "family_size": int(result.family_size[j]),
    }


def family_facts(families: Mapping[str, Family]) -> dict[str, dict]:
    """The families of an analysis for ``facts`` (LA104 and the methods notes read them)."""
    return {
        name: {
            "size": f.size, "alpha": f.alpha, "significant": f.n_significant,
            "unresolved": f.n_unresolved, "max_permutations_used": f.max_permutations_used,
        }
        for name, f in families.items()
    }  # fmt: skip
