"""The fast ordinal path of GRASP (mid-rank moments) equals the direct computation.

``irr_xrr`` computes ordinal IRR/XRR for many groupings at once from moments on each
column's own mid-ranks; here every column is checked against Krippendorff's alpha of the
group's own value counts and kappa_x between the group and the rest, computed one group
at a time from the coincidence-matrix definitions, and against the ``krippendorff``
package for the within-group alpha.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from labelaudit.stats.alpha import alpha_from_counts
from labelaudit.stats.counts import indicator_matrix, value_counts
from labelaudit.stats.crossrep import kappa_x_from_counts
from labelaudit.stats.grasp import irr_xrr


def _data(seed: int, n_items: int = 300, n_annotators: int = 40, n_values: int = 5):
    rng = np.random.default_rng(seed)
    items, anns = [], []
    for u in range(n_items):
        who = rng.choice(n_annotators, size=rng.integers(2, 7), replace=False)
        items += [u] * who.size
        anns += who.tolist()
    items, anns = np.array(items), np.array(anns)
    truth = rng.integers(0, n_values, n_items)
    values = np.clip(truth[items] + rng.integers(-1, 2, items.size), 0, n_values - 1)
    return items, values, anns


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ordinal_irr_xrr_equals_per_group_definitions(seed: int) -> None:
    items, values, anns = _data(seed)
    n_items, n_values, n_annotators = 300, 5, 40
    numeric = np.array([1.0, 2.0, 3.0, 5.0, 8.0])  # uneven: only the order matters
    indicator = indicator_matrix(items, values, anns, n_items, n_values, n_annotators)
    total = value_counts(items, values, n_items, n_values)
    rng = np.random.default_rng(seed + 10)
    # 8 columns: 3 groups of one grouping, then 5 random subsets of annotators
    codes = rng.integers(0, 3, n_annotators)
    membership = np.column_stack(
        [codes == g for g in range(3)] + [rng.random(n_annotators) < 0.4 for _ in range(5)]
    ).astype(float)
    irr, xrr = irr_xrr(indicator, membership, total, "ordinal", numeric)
    for k in range(membership.shape[1]):
        in_group = membership[anns, k] > 0
        mine = value_counts(items[in_group], values[in_group], n_items, n_values)
        rest = total - mine
        assert irr[k] == pytest.approx(alpha_from_counts(mine, "ordinal", numeric), abs=1e-12)
        reference = krippendorff.alpha(
            value_counts=mine[mine.sum(axis=1) >= 2], level_of_measurement="ordinal"
        )
        assert irr[k] == pytest.approx(reference, abs=1e-9)
        assert xrr[k] == pytest.approx(
            kappa_x_from_counts(mine, rest, "ordinal", numeric), abs=1e-12
        )
