"""Contested-items permutation baseline, checked against oracles that share no code with it.

- the observed counts against the definition (unique pluralities counted with
  ``collections.Counter``), on random inputs;
- the expected share and p-value against the exact permutation distribution: on tiny
  inputs every within-item relabelling is enumerated with ``itertools`` and the Monte
  Carlo values must lie within a stated number of standard errors of the exact ones;
- the Besag-Clifford rule against runs without stopping on the same draws (a stopped
  group's numbers are those of the first ``l`` permutations, and the ``l``-th is the one
  that reached ``stop_after``);
- properties: the numba and numpy kernels give identical numbers and leave the generator
  in the same state, and a second call on one generator continues the first one's draws.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from labelaudit.stats import majority as mj
from labelaudit.stats import majority_permutation as mp
from labelaudit.stats.majority_kernels import permuted_flip_counts

KERNELS = ["numba", "numpy"]


def _unique_plurality(votes: Counter):
    """The value chosen most often, when no other value is chosen as often; else None."""
    votes = Counter({v: c for v, c in votes.items() if c > 0})
    if not votes:
        return None
    top = max(votes.values())
    leaders = [v for v, c in votes.items() if c == top]
    return leaders[0] if len(leaders) == 1 else None


def _flips_by_definition(items, values, groups, pooled, n_groups, min_group_judgments):
    """Items compared and flipped per group: every (group, item) cell, one at a time."""
    pooled_major = [_unique_plurality(Counter(dict(enumerate(row)))) for row in pooled.tolist()]
    cells: defaultdict[tuple[int, int], Counter] = defaultdict(Counter)
    for i, v, g in zip(items.tolist(), values.tolist(), groups.tolist(), strict=True):
        if g >= 0:
            cells[g, i][v] += 1
    compared, flipped = [0] * n_groups, [0] * n_groups
    for (g, i), votes in cells.items():
        mine = _unique_plurality(votes)
        if votes.total() >= min_group_judgments and None not in (mine, pooled_major[i]):
            compared[g] += 1
            flipped[g] += mine != pooled_major[i]
    return compared, flipped


def _exact_null(case: int, min_group_judgments: int):
    """Exact permutation distribution of TINY[case]: every distinct arrangement of each
    item's grouped values over its grouped judgments (all equally likely under a uniform
    shuffle), crossed over the items.

    Returns, per group, None (no observed share) or P(the group compares any item) and,
    given that, the mean share and P(share >= observed), as fractions, and the share's
    standard deviation.
    """
    key = (case, min_group_judgments)
    if key in _EXACT:
        return _EXACT[key]
    items, values, groups, pooled, n_groups = TINY[case]
    args = (groups, pooled, n_groups, min_group_judgments)
    obs_c, obs_f = _flips_by_definition(items, values, *args)
    observed = [Fraction(f, c) if c else None for c, f in zip(obs_c, obs_f, strict=True)]
    slots = [np.flatnonzero((items == i) & (groups >= 0)) for i in np.unique(items)]
    arrangements = [sorted(set(itertools.permutations(values[s].tolist()))) for s in slots]
    shares: list[list[Fraction | None]] = []
    for arrangement in itertools.product(*arrangements):
        v = values.copy()
        for s, vals in zip(slots, arrangement, strict=True):
            v[s] = vals
        c, f = _flips_by_definition(items, v, *args)
        shares.append([Fraction(fg, cg) if cg else None for cg, fg in zip(c, f, strict=True)])
    out = []
    for g in range(n_groups):
        seen = [row[g] for row in shares if row[g] is not None]
        if not seen or observed[g] is None:
            out.append(None)
            continue
        mean = sum(seen, Fraction(0)) / len(seen)
        var = sum(((x - mean) ** 2 for x in seen), Fraction(0)) / len(seen)
        tail = Fraction(sum(x >= observed[g] for x in seen), len(seen))
        out.append((Fraction(len(seen), len(shares)), mean, tail, math.sqrt(var)))
    _EXACT[key] = out
    return out


_EXACT: dict = {}


def _case(seed: int):
    rng = np.random.default_rng(seed)
    n_items, k, g = int(rng.integers(1, 40)), int(rng.integers(2, 6)), int(rng.integers(1, 5))
    n = int(rng.integers(1, 500))
    items, values = rng.integers(0, n_items, n), rng.integers(0, k, n)
    groups = rng.integers(-1, g, n)  # -1: annotators without the attribute
    pooled = mj.label_counts(items, values, n_items, k)
    if seed % 2:  # judgments outside this unit's coding can only add to the pooled counts
        pooled = pooled + rng.integers(0, 2, pooled.shape)
    return items, values, groups, pooled, g


@pytest.mark.parametrize("seed", range(40))
def test_observed_counts_follow_the_definition(seed):
    items, values, groups, pooled, g = _case(seed)
    mg = 1 + seed % 3
    res = mp.flips_permutation_baseline(items, values, groups, pooled, n_groups=g,
                                        n_resamples=seed % 2, min_group_judgments=mg)  # fmt: skip
    want_c, want_f = _flips_by_definition(items, values, groups, pooled, g, mg)
    assert res.n_compared.tolist() == want_c
    assert res.n_flipped.tolist() == want_f


def test_definition_by_hand():
    # item 0: group 0 says 1, 1; group 1 says 0, 0, 1; an unknown annotator says 0.
    # Pooled: 0 x3, 1 x3 -> a tie, so no cell of item 0 compares. Item 1: group 0 says
    # 2, 2, 0 (majority 2), group 1 says 0 (one judgment, below 2); pooled 2 x2, 0 x2 ->
    # tie again, plus two 0s from outside the unit -> pooled 0: group 0 compares, flips.
    items = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    values = np.array([1, 1, 0, 0, 1, 0, 2, 2, 0, 0])
    groups = np.array([0, 0, 1, 1, 1, -1, 0, 0, 0, 1])
    pooled = mj.label_counts(items, values, 2, 3) + np.array([[0, 0, 0], [2, 0, 0]])
    assert _flips_by_definition(items, values, groups, pooled, 2, 2) == ([1, 0], [1, 0])
    res = mp.flips_permutation_baseline(items, values, groups, pooled, n_groups=2,
                                        n_resamples=0)  # fmt: skip
    assert res.n_compared.tolist() == [1, 0] and res.n_flipped.tolist() == [1, 0]


def _with_pooled(items, values, groups, outside, n_groups):
    """A tiny case; ``outside``: (items, values) counts of judgments outside the groups."""
    items, values, groups = np.array(items), np.array(values), np.array(groups)
    outside = np.array(outside)
    pooled = mj.label_counts(items, values, outside.shape[0], outside.shape[1]) + outside
    return items, values, groups, pooled, n_groups


TINY = [
    # The docstring case: one item, group 0 says 1, 1, group 1 says 0, 0, one more 0
    # outside the groups (pooled 0). Group 0 gets two of the four grouped judgments: of
    # the 6 ways, (1, 1) flips, (0, 0) does not, the 4 mixed ones tie (not compared):
    # P(compared) = 2/6, E = 1/2, P(share >= 1 | compared) = 1/2; group 1 the same,
    # with P(share >= 0 | compared) = 1.
    _with_pooled([0] * 4, [1, 1, 0, 0], [0, 0, 1, 1], [[1, 0]], 2),
    # Three items, three judgments per group on each (binary: a majority always exists);
    # pooled 0, 1, 0 with the outside votes. Observed shares 1/3 and 2/3; C(6, 3) = 20
    # arrangements per item, 8000 in all.
    _with_pooled([0] * 6 + [1] * 6 + [2] * 6,
                 [1, 1, 1, 0, 0, 0] + [1, 1, 0, 1, 0, 0] + [0, 0, 1, 0, 1, 1],
                 [0, 0, 0, 1, 1, 1] * 3, [[2, 0], [0, 1], [1, 0]], 2),
    # Three values, three groups of unequal sizes (group 2 has one judgment per item:
    # it compares only with min_group_judgments = 1); pooled 2, 1, 1 with the outside
    # votes. Observed: group 0 flips item 0 (share 1), group 1 agrees on item 2 (0, with
    # min_group_judgments = 1), group 2 flips item 2 of 3 (1/3); 30 * 30 * 12 arrangements.
    _with_pooled([0] * 5 + [1] * 5 + [2] * 4,
                 [0, 0, 1, 2, 2] + [2, 2, 0, 1, 1] + [0, 1, 1, 2],
                 [0, 0, 1, 1, 2] + [1, 0, 0, 1, 2] + [0, 0, 1, 2],
                 [[0, 0, 1], [0, 1, 0], [0, 0, 0]], 3),
]  # fmt: skip


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", range(len(TINY)))
@pytest.mark.parametrize("min_group_judgments", [1, 2])
def test_mean_and_p_value_match_exact_enumeration(kernel, case, min_group_judgments):
    items, values, groups, pooled, n_groups = TINY[case]
    exact = _exact_null(case, min_group_judgments)
    if case == 0:
        assert exact[0][:3] == (Fraction(1, 3), Fraction(1, 2), Fraction(1, 2))
        assert exact[1][:3] == (Fraction(1, 3), Fraction(1, 2), Fraction(1))
    n = 20_000
    res = mp.flips_permutation_baseline(items, values, groups, pooled, n_groups=n_groups,
                                        n_resamples=n, seed=case, kernel=kernel,
                                        min_group_judgments=min_group_judgments)  # fmt: skip
    for g, ex in enumerate(exact):
        if ex is None:  # no observed share: no test
            assert np.isnan(res.p_value[g])
            continue
        p_cmp, mean, tail, sd = ex
        seen = float(p_cmp) * n
        # 5 standard errors of a mean of `seen` draws; the p-value's (1 + b) / (1 + l)
        # adds at most 1 / l to the tail's estimate
        assert abs(res.expected[g] - float(mean)) <= 5 * sd / math.sqrt(seen) + 1e-12
        tail_se = math.sqrt(float(tail * (1 - tail)) / seen)
        assert abs(res.p_value[g] - float(tail)) <= 5 * tail_se + 2 / seen
        assert res.n_resamples[g] == n


def test_enumeration_cases_are_not_degenerate():
    """The tiny cases test something: exact means and tails strictly inside (0, 1)."""
    inner = [
        ex is not None and 0 < ex[1] < 1 and 0 < ex[2] < 1
        for case in range(len(TINY))
        for mg in (1, 2)
        for ex in _exact_null(case, mg)
    ]
    assert sum(inner) >= 6, inner


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stop_after", [1, 3, 10])
def test_early_stop_reports_the_first_permutations_that_reach_stop_after(kernel, stop_after):
    """Besag-Clifford: a group that stops after l permutations reports exactly what a run of
    l permutations without stopping reports for it, except p = h / (permutations where it
    compared); the run of l - 1 permutations is one hit short, so p = h / that count too."""
    stopped_some = 0
    for seed in range(40):
        items, values, groups, pooled, g = _case(seed)
        kw = {"n_groups": g, "min_group_judgments": 1 + seed % 3, "kernel": kernel}
        n = [5, 60, 200][seed % 3]
        res = mp.flips_permutation_baseline(items, values, groups, pooled, n_resamples=n,
                                            seed=seed, stop_after=stop_after, **kw)  # fmt: skip
        tested = np.isfinite(res.p_value)
        for grp in np.flatnonzero(tested):
            used = int(res.n_resamples[grp])
            full = mp.flips_permutation_baseline(items, values, groups, pooled, n_resamples=used,
                                                 seed=seed, **kw)  # fmt: skip
            assert res.expected[grp] == full.expected[grp], f"seed {seed}"
            if used == n and res.p_value[grp] == full.p_value[grp]:
                continue  # never stopped: the same (1 + b) / (1 + l) as without stopping
            stopped_some += 1
            seen = round(stop_after / res.p_value[grp])
            assert stop_after / seen == res.p_value[grp] and seen <= used
            assert full.p_value[grp] == pytest.approx((1 + stop_after) / (1 + seen), rel=1e-12)
            if used > 1:
                short = mp.flips_permutation_baseline(items, values, groups, pooled,
                                                      n_resamples=used - 1, seed=seed, **kw)  # fmt: skip
                assert short.p_value[grp] == pytest.approx(stop_after / seen, rel=1e-12)
        if tested.any() and res.n_resamples.max() < n:  # draws end with the last tested group
            assert res.n_resamples.max() == res.n_resamples[tested].max()
    assert stopped_some > 10


@pytest.mark.parametrize("stop_after", [None, 1, 3, 10])
def test_kernels_give_identical_baselines_on_random_inputs(stop_after):
    for seed in range(40):
        items, values, groups, pooled, g = _case(seed)
        kw = {"n_groups": g, "n_resamples": [0, 1, 7, 60][seed % 4],
              "min_group_judgments": 1 + seed % 3, "stop_after": stop_after}  # fmt: skip
        a_rng, b_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        a = mp.flips_permutation_baseline(items, values, groups, pooled, seed=a_rng,
                                          kernel="numba", **kw)  # fmt: skip
        b = mp.flips_permutation_baseline(items, values, groups, pooled, seed=b_rng,
                                          kernel="numpy", **kw)  # fmt: skip
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y, err_msg=f"seed {seed}")
        if stop_after is None:  # the same draws, so the generator ends in the same state
            assert a_rng.bit_generator.state == b_rng.bit_generator.state


@pytest.mark.parametrize("kernel", KERNELS)
def test_a_second_call_continues_the_first_calls_draws(kernel):
    """No draw is wasted or held back: 30 + 50 permutations on one generator leave it where
    80 leave it, and (every group compares every time here) the means combine exactly."""
    rng = np.random.default_rng(3)
    items = np.repeat(np.arange(12), 6)
    groups = np.tile([0, 0, 0, 1, 1, 1], 12)
    values = rng.integers(0, 2, items.size)
    pooled = mj.label_counts(items, values, 12, 2) + np.array([1, 0])  # no pooled ties
    kw = {"n_groups": 2, "kernel": kernel, "min_group_judgments": 1}
    one = np.random.default_rng(5)
    first = mp.flips_permutation_baseline(items, values, groups, pooled, n_resamples=30,
                                          seed=one, **kw)  # fmt: skip
    second = mp.flips_permutation_baseline(items, values, groups, pooled, n_resamples=50,
                                           seed=one, **kw)  # fmt: skip
    both = np.random.default_rng(5)
    whole = mp.flips_permutation_baseline(items, values, groups, pooled, n_resamples=80,
                                          seed=both, **kw)  # fmt: skip
    assert one.bit_generator.state == both.bit_generator.state
    np.testing.assert_allclose(whole.expected * 80, first.expected * 30 + second.expected * 50,
                               rtol=1e-12)  # fmt: skip
    assert whole.expected.min() > 0 and whole.expected.max() < 1
    # an integer seed is the generator it seeds
    again = mp.flips_permutation_baseline(items, values, groups, pooled, n_resamples=30,
                                          seed=5, **kw)  # fmt: skip
    for x, y in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, y)


def test_kernels_count_the_same_permutations():
    rng = np.random.default_rng(4)
    items, values = rng.integers(0, 50, 600), rng.integers(0, 3, 600)
    groups = rng.integers(-1, 3, 600)
    pooled = mj.label_counts(items, values, 50, 3)
    lay = mp._shuffle_layout(items, values, groups, pooled, 3, 2)
    a_rng, b_rng = np.random.default_rng(9), np.random.default_rng(9)
    a = permuted_flip_counts(a_rng, 25, np.ones(3, dtype=bool), *lay.kernel_args())
    b = mp._numpy_flip_counts(b_rng, 25, lay)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a_rng.bit_generator.state == b_rng.bit_generator.state
    assert a[0].sum() > 0 and a[1].sum() > 0


@pytest.mark.parametrize("kernel", KERNELS)
def test_early_stop_follows_besag_clifford(kernel):
    # group 0 never flips: every permuted share is >= 0, so it stops after exactly 10
    # permutations with p = 10 / 10; group 1 flips item 0 only under half the shuffles
    items = np.repeat(np.arange(30), 4)
    values = np.tile([0, 0, 0, 1], 30)
    groups = np.tile([0, 0, 1, 1], 30)
    pooled = mj.label_counts(items, values, 30, 2)
    res = mp.flips_permutation_baseline(
        items, values, groups, pooled, n_groups=2, n_resamples=200, seed=1,
        stop_after=10, kernel=kernel,
    )  # fmt: skip
    assert res.p_value[0] == 1.0
    assert res.n_resamples[0] == 10
    assert res.n_resamples[1] == 10  # stops with group 0: its share is 0 as well
    full = mp.flips_permutation_baseline(
        items, values, groups, pooled, n_groups=2, n_resamples=200, seed=1, kernel=kernel
    )
    assert full.n_resamples.tolist() == [200, 200]
    assert full.p_value[0] == 1.0


def test_unknown_kernel_is_rejected():
    items, values, groups, pooled, g = _case(0)
    with pytest.raises(ValueError, match="kernel"):
        mp.flips_permutation_baseline(
            items, values, groups, pooled, n_groups=g, n_resamples=5, kernel="gpu"
        )
    with pytest.raises(ValueError, match="stop_after"):
        mp.flips_permutation_baseline(
            items, values, groups, pooled, n_groups=g, n_resamples=5, stop_after=0
        )


@pytest.mark.parametrize("held", [False, True])
@pytest.mark.parametrize("bitgen", [np.random.PCG64, np.random.Philox])
def test_kernel_draws_like_generator_permuted(held, bitgen):
    # a 32-bit half held back by the generator before the call, and another bit generator
    rng = np.random.default_rng(8)
    items, values = rng.integers(0, 60, 700), rng.integers(0, 4, 700)
    groups = rng.integers(-1, 4, 700)
    pooled = mj.label_counts(items, values, 60, 4)
    lay = mp._shuffle_layout(items, values, groups, pooled, 4, 2)
    a_rng, b_rng = np.random.Generator(bitgen(5)), np.random.Generator(bitgen(5))
    if held:
        a_rng.integers(0, 2**32, dtype=np.uint32)
        b_rng.integers(0, 2**32, dtype=np.uint32)
    a = permuted_flip_counts(a_rng, 6, np.ones(4, dtype=bool), *lay.kernel_args())
    b = mp._numpy_flip_counts(b_rng, 6, lay)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # the next 32-bit draws (a held half first) and doubles are the same
    np.testing.assert_array_equal(
        a_rng.integers(0, 2**32, 3, dtype=np.uint32), b_rng.integers(0, 2**32, 3, dtype=np.uint32)
    )
    assert a_rng.random() == b_rng.random()


def test_inactive_groups_are_skipped_without_changing_the_stream():
    rng = np.random.default_rng(4)
    items, values = rng.integers(0, 50, 600), rng.integers(0, 3, 600)
    groups = rng.integers(-1, 3, 600)
    pooled = mj.label_counts(items, values, 50, 3)
    lay = mp._shuffle_layout(items, values, groups, pooled, 3, 2)
    some = np.array([True, False, True])
    a_rng, b_rng = np.random.default_rng(9), np.random.default_rng(9)
    a = permuted_flip_counts(a_rng, 20, some, *lay.kernel_args())
    b = permuted_flip_counts(b_rng, 20, np.ones(3, dtype=bool), *lay.kernel_args())
    np.testing.assert_array_equal(a[0][:, some], b[0][:, some])
    np.testing.assert_array_equal(a[1][:, some], b[1][:, some])
    assert not a[0][:, 1].any()
    assert a_rng.bit_generator.state == b_rng.bit_generator.state


@pytest.mark.parametrize("n_keys", [50, 10**9])  # dense count, and np.unique for huge ranges
def test_cells_numbers_keys_like_unique(n_keys):
    key = np.random.default_rng(0).integers(0, 50, 400) * (n_keys // 50)
    cells, cell_of = mp._cells(key, n_keys)
    want_cells, want_of = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(cells, want_cells)
    np.testing.assert_array_equal(cell_of, want_of)


def test_attributes_in_two_threads_give_the_sequential_tables(tmp_path, monkeypatch):
    """Baselines of all (unit, attribute) pairs run side by side: same tables as one at a time."""
    from labelaudit.analyses import disagreement as dis
    from labelaudit.pipeline import load_bundle, resolve_config
    from labelaudit.sample.generate import write_sample_bundle

    cfg = resolve_config(write_sample_bundle(tmp_path / "demo", seed=0), quiet=True)
    bundle = load_bundle(cfg)
    assert len(dis.audited_attributes(bundle, cfg)) >= 2  # the threads really run
    threaded = dis.disagreement(bundle, cfg).tables
    together = dis._contested_baselines

    def one_at_a_time(b, units, attrs, conf):
        return {
            (u, a): together(b, [unit], [a], conf)[0, a]
            for u, unit in enumerate(units)
            for a in attrs
        }

    monkeypatch.setattr(dis, "_contested_baselines", one_at_a_time)
    sequential = dis.disagreement(bundle, cfg).tables
    assert len(threaded["contested_items"]) > 0
    for name, table in sequential.items():
        pd.testing.assert_frame_equal(threaded[name], table, check_exact=True)
