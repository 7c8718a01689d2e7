"""GRASP and group-vs-rest alpha under relabellings: kernels against each other,
statistics and p-values against oracles that share no code with the test.

- the kernels' statistics equal :func:`irr_xrr` (one sparse @ dense product of the
  indicator with one-hot memberships, then closed forms per level), their coincidence
  sums equal per-group coincidence matrices, and the rest's coincidences equal those of
  the rest's per-item counts; the engine gives identical p-values and permutation counts
  with either kernel, on random data with missing group codes, strata, groups absent from
  items and groups with one judgment on an item;
- IRR and the rest's alpha against the ``krippendorff`` package, and a hand-computed
  IRR / XRR / GAI case;
- p-values of GAI and of the within-minus-rest difference against the exact permutation
  distribution: on tiny inputs (4-10 annotators) every distinct relabelling is
  enumerated with ``itertools``, and the Monte Carlo p-value must lie within a stated
  number of standard errors of the exact one;
- the Besag-Clifford rule against runs without stopping on the same draws.
"""

from __future__ import annotations

import itertools
import math
import sys

import krippendorff
import numpy as np
import pytest

from labelaudit.stats.alpha import coincidences
from labelaudit.stats.counts import indicator_matrix, value_counts
from labelaudit.stats.grasp import _one_hot, association_index, irr_xrr
from labelaudit.stats.grasp_kernels import grasp_sums
from labelaudit.stats.grasp_statistic import GraspJudgments, GraspStatistic, judgments_by_item
from labelaudit.stats.significance import Contrast, draw_assignments, run_contrasts

LEVELS = ["nominal", "ordinal", "interval", "ratio"]
KERNELS = ["numba", "numpy"]


def permute_codes(codes, rng, strata=None):
    return draw_assignments(codes, np.arange(codes.size), rng, 1, strata)[0]


def _run(indicator, codes, n_groups, total, level, numeric, *, kernel="auto", seed=0,
         strata=None, test=None, n_permutations=1000, stop_after=10, early_stop=True,
         max_permutations=None, diff=False):  # fmt: skip
    """GAI (or, with ``diff``, within-minus-rest alpha) tested by the engine, one contrast."""
    stat = GraspStatistic(GraspJudgments(indicator, total, level, numeric, kernel=kernel),
                          n_groups, 0.05)  # fmt: skip
    tested = np.ones(n_groups, dtype=bool) if test is None else np.asarray(test, dtype=bool)
    cols = np.concatenate([np.zeros(n_groups, bool), tested]) if diff else np.concatenate(
        [tested, np.zeros(n_groups, bool)])  # fmt: skip
    c = Contrast("grasp", np.asarray(codes), np.arange(len(codes)), stat,
                 ["F"] * (2 * n_groups), ["two-sided"] * (2 * n_groups), cols, strata)  # fmt: skip
    (r,), _ = run_contrasts([c], {"F": 0.05}, n_permutations=n_permutations,
                            max_permutations=max_permutations or n_permutations,
                            stop_after=stop_after if early_stop else None, seed=seed)  # fmt: skip
    at = slice(n_groups, None) if diff else slice(0, n_groups)
    return r.observed[at], r.p_value[at], r.n_permutations[at]


def _data(seed: int, n_items: int = 120, n_annotators: int = 40, n_values: int = 4,
          per_item: tuple[int, int] = (2, 9)):  # fmt: skip
    """Random judgments (2-8 per item by default, so groups often have 0 or 1 on an
    item; many per item take the kernel's per-group count path instead of its pair
    walk), a planted group that reads a quarter of the items differently, missing codes
    and strata."""
    rng = np.random.default_rng(seed)
    items, anns = [], []
    for u in range(n_items):
        who = rng.choice(n_annotators, size=rng.integers(*per_item), replace=False)
        items += [u] * who.size
        anns += who.tolist()
    items, anns = np.array(items), np.array(anns)
    codes = rng.integers(-1, 4, n_annotators)
    codes[:8] = 0
    truth = rng.integers(0, n_values, n_items)
    values = np.clip(truth[items] + rng.integers(-1, 2, items.size), 0, n_values - 1)
    flip = (codes[anns] == 0) & (items < n_items // 4)
    values = np.where(flip, n_values - 1 - values, values)
    indicator = indicator_matrix(items, values, anns, n_items, n_values, n_annotators)
    total = value_counts(items, values, n_items, n_values)
    numeric = np.sort(rng.choice(np.arange(1.0, 20.0), n_values, replace=False))
    strata = rng.integers(0, 2, n_annotators)
    return items, values, anns, indicator, total, codes, numeric, strata


def test_judgments_by_item_recovers_the_judgments():
    items, values, anns, indicator, total, *_ = _data(0)
    offsets, ann, val = judgments_by_item(indicator, total.shape[1])
    got = sorted(zip(np.repeat(np.arange(total.shape[0]), np.diff(offsets)), ann, val, strict=True))
    assert got == sorted(zip(items.tolist(), anns.tolist(), values.tolist(), strict=True))
    # a cell counting two judgments gives two of them
    m = indicator_matrix(np.array([0, 0, 0]), np.array([1, 1, 0]), np.array([2, 2, 1]), 1, 2, 3)
    assert [a.tolist() for a in judgments_by_item(m, 2)] == [[0, 3], [1, 2, 2], [0, 1, 1]]


@pytest.mark.parametrize("per_item", [(2, 9), (20, 40), (2, 40)])
def test_kernel_sums_equal_per_group_coincidences(per_item):
    items, values, anns, indicator, total, codes, *_ = _data(1, per_item=per_item)
    offsets, ann, val = judgments_by_item(indicator, total.shape[1])
    n_items, nv = total.shape
    m_max = int(np.diff(offsets).max())
    m = np.arange(m_max + 1.0)
    w_in = np.where(m >= 2, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    mx, my = m[:, None], m[None, :]
    w_cross = np.where((mx >= 1) & (my >= 1), (mx + my) / np.maximum(mx * my, 1.0), 0.0)
    perms = np.stack([codes, permute_codes(codes, np.random.default_rng(0))])
    o, cross, nc, xb, yb, ro = grasp_sums(offsets, ann, val, perms, 4, nv, w_in, w_cross, True)
    assert grasp_sums(offsets, ann, val, perms, 4, nv, w_in, w_cross, False)[5].shape[1] == 0
    for p, pc in enumerate(perms):
        for g in range(4):
            sel = pc[anns] == g
            x = value_counts(items[sel], values[sel], n_items, nv)
            y = total - x
            np.testing.assert_allclose(o[p, g], coincidences(x), rtol=1e-13, atol=1e-12)
            np.testing.assert_allclose(coincidences(total) + ro[p, g], coincidences(y),
                                       rtol=1e-13, atol=1e-12)  # fmt: skip
            np.testing.assert_array_equal(nc[p, g], x[x.sum(axis=1) >= 2].sum(axis=0))
            both = (x.sum(axis=1) >= 1) & (y.sum(axis=1) >= 1)
            np.testing.assert_array_equal(xb[p, g], x[both].sum(axis=0))
            np.testing.assert_array_equal(yb[p, g], y[both].sum(axis=0))
            mxu, myu = x.sum(axis=1)[both], y.sum(axis=1)[both]
            want = np.einsum("u,uc,ud->cd", (mxu + myu) / (mxu * myu), x[both], y[both])
            np.testing.assert_allclose(cross[p, g], want, rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("per_item", [(2, 9), (25, 40)])
@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("level", LEVELS)
def test_kernel_statistics_equal_irr_xrr(level, kernel, per_item):
    _, _, _, indicator, total, codes, numeric, strata = _data(2, per_item=per_item)
    rng = np.random.default_rng(3)
    perms = np.stack([codes] + [permute_codes(codes, rng, strata) for _ in range(7)])
    data = GraspJudgments(indicator, total, level, numeric, kernel=kernel)
    stat = GraspStatistic(data, 4, 0.05)
    out = stat(perms, np.arange(8))
    members = np.hstack([_one_hot(p, 4) for p in perms])
    ref_irr, ref_xrr = irr_xrr(indicator, members, total, level, numeric)
    rest_irr, _ = irr_xrr(indicator, 1.0 - members, total, level, numeric)
    np.testing.assert_allclose(out[:, :4].ravel(), association_index(ref_irr, ref_xrr, 0.05),
                               rtol=1e-11, atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(out[:, 4:].ravel(), ref_irr - rest_irr, rtol=1e-11, atol=1e-12)
    irr, xrr, rest = stat.figures(codes)
    np.testing.assert_allclose(irr, ref_irr[:4], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(xrr, ref_xrr[:4], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(rest, rest_irr[:4], rtol=1e-12, atol=1e-13)
    assert np.isfinite(irr).all() and np.isfinite(xrr).all()
    # a group nobody belongs to is undefined, as in the reference
    irr5, xrr5, _ = GraspStatistic(data, 5, 0.05).figures(perms[0])
    assert np.isnan(irr5[4]) and np.isnan(xrr5[4])


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    "options",
    [
        {"n_permutations": 300},
        {"n_permutations": 200, "early_stop": False},
        {"n_permutations": 250, "stratify": True},
        {"n_permutations": 150, "test": [True, False, True, True]},
        {"n_permutations": 120, "stop_after": 3, "diff": True},
        {"n_permutations": 100, "max_permutations": 800, "diff": True},
    ],
)
def test_engine_gives_identical_results_with_either_kernel(level, options):
    _, _, _, indicator, total, codes, numeric, strata = _data(4)
    opts = dict(options)
    if opts.pop("stratify", False):
        opts["strata"] = strata
    a, b = (_run(indicator, codes, 4, total, level, numeric, seed=7, kernel=kernel, **opts)
            for kernel in KERNELS)  # fmt: skip
    if not opts.get("diff"):
        assert a[1][0] < 0.05  # the planted group is found: not all p-values are 1
    np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])
    if "test" in opts:
        assert np.isnan(a[1][1]) and a[2][1] == 0


@pytest.mark.parametrize("level", LEVELS)
def test_irr_and_rest_alpha_equal_the_krippendorff_package(level):
    items, values, anns, indicator, total, codes, numeric, _ = _data(3)
    irr, _, rest = GraspStatistic(GraspJudgments(indicator, total, level, numeric), 4,
                                  0.05).figures(codes)  # fmt: skip
    for g in range(4):
        sel = codes[anns] == g
        for got, pick in ((irr[g], sel), (rest[g], ~sel)):
            counts = value_counts(items[pick], values[pick], *total.shape)
            want = krippendorff.alpha(value_counts=counts[counts.sum(axis=1) >= 2],
                                      value_domain=numeric, level_of_measurement=level)  # fmt: skip
            assert got == pytest.approx(want, abs=1e-9), g


def _hand_case():
    """Four annotators, two groups of two, four items, values 0 / 1 (rows: items)."""
    #        A = {0, 1}   B = {2, 3}
    table = [
        [0, 0, 0, 0],  # both groups 0, 0
        [1, 1, 1, 1],  # both 1, 1
        [0, 1, 1, 1],  # A splits, B 1, 1
        [1, 1, 0, 1],
    ]  # A 1, 1, B splits
    items, anns = np.repeat(np.arange(4), 4), np.tile(np.arange(4), 4)
    values = np.array(table).ravel()
    return items, values, anns, indicator_matrix(items, values, anns, 4, 2, 4), value_counts(
        items, values, 4, 2)  # fmt: skip


def test_hand_computed_irr_xrr_gai():
    # IRR(A): pairs within A per item: (0,0), (1,1), (0,1), (1,1); coincidences
    #   o_00 = 2, o_11 = 4, o_01 = o_10 = 1, n = 8, margins (3, 5):
    #   alpha = 1 - (n - 1) D_o / D_e = 1 - 7 * 2 / (8^2 - 3^2 - 5^2) = 1 - 14/30 = 8/15.
    # XRR(A): every item has m_A = m_B = 2 (weight (2 + 2) / (2 * 2) = 1); cross pairs
    #   that disagree: item 2 (0 vs 1, 1) 2, item 3 (1, 1 vs 0) 2: D_o = 4 / (8 + 8);
    #   margins A (3, 5), B (3, 5): D_e = (8 * 8 - 3 * 3 - 5 * 5) / (8 * 8) = 30/64;
    #   kappa_x = 1 - (1/4) / (30/64) = 1 - 16/30 = 7/15.  GAI = (8/15) / (7/15) = 8/7.
    # B mirrors A (its split item 3 against A's split item 2): the same three numbers.
    # The rest of A is B: its alpha is IRR(B) = 8/15, so both differences are 0.
    items, values, anns, indicator, total = _hand_case()
    for kernel in KERNELS:
        data = GraspJudgments(indicator, total, "nominal", [0, 1], kernel=kernel)
        stat = GraspStatistic(data, 2, 0.05)
        irr, xrr, rest = stat.figures(np.array([0, 0, 1, 1]))
        np.testing.assert_allclose(irr, [8 / 15, 8 / 15], rtol=1e-12)
        np.testing.assert_allclose(xrr, [7 / 15, 7 / 15], rtol=1e-12)
        np.testing.assert_allclose(rest, [8 / 15, 8 / 15], rtol=1e-12)
        got = stat(np.array([[0, 0, 1, 1]]), np.arange(4))[0]
        np.testing.assert_allclose(got, [8 / 7, 8 / 7, 0.0, 0.0], rtol=1e-12, atol=1e-15)
    reference = krippendorff.alpha(reliability_data=[values[anns == 0], values[anns == 1]],
                                   level_of_measurement="nominal")  # fmt: skip
    assert reference == pytest.approx(8 / 15, abs=1e-12)


def _relabellings(codes, strata):
    """Every distinct assignment of the present codes, within strata (equally likely)."""
    strata = np.zeros(codes.size, dtype=int) if strata is None else strata
    blocks = [np.flatnonzero((strata == s) & (codes >= 0)) for s in np.unique(strata)]
    for parts in itertools.product(
        *(sorted(set(itertools.permutations(codes[b].tolist()))) for b in blocks)
    ):
        out = codes.copy()
        for b, part in zip(blocks, parts, strict=True):
            out[b] = part
        yield out


def _exact_two_sided(indicator, codes, n_groups, total, level, numeric, strata, diff=False):
    """Exact p = min(1, 2 min(P(T >= t), P(T <= t))) over every relabelling with a defined
    statistic T (GAI, or within minus rest alpha with ``diff``; values within 1e-9 of the
    observed count as equal), per group, and the share of relabellings with a defined T."""

    def statistic(labellings):
        members = np.hstack([_one_hot(lab, n_groups) for lab in labellings])
        irr, xrr = irr_xrr(indicator, members, total, level, numeric)
        if diff:
            rest, _ = irr_xrr(indicator, 1.0 - members, total, level, numeric)
            return (irr - rest).reshape(len(labellings), n_groups)
        return association_index(irr, xrr, 0.05).reshape(len(labellings), n_groups)

    null = statistic(list(_relabellings(codes, strata)))
    observed = statistic([codes])[0]
    out = []
    for g in range(n_groups):
        x = null[:, g][np.isfinite(null[:, g])]
        tie = 1e-9 * max(1.0, abs(observed[g]))
        hi, lo = np.mean(x >= observed[g] - tie), np.mean(x <= observed[g] + tie)
        out.append((min(1.0, 2 * min(hi, lo)), min(hi, lo), x.size / null.shape[0]))
    return observed, out


def _tiny_grasp(seed: int, n_annotators: int, codes, strata=None, level="ordinal", planted=True):
    """Every annotator judges 30 items on 4 values; group 0 reads a third of them its way
    (``planted``) or nobody does."""
    rng = np.random.default_rng(seed)
    codes = np.array(codes)
    items = np.repeat(np.arange(30), n_annotators)
    anns = np.tile(np.arange(n_annotators), 30)
    truth = rng.integers(0, 4, 30)
    values = np.clip(truth[items] + rng.integers(-1, 2, items.size), 0, 3)
    values = np.where((codes[anns] == 0) & (items < 10 * planted), 3 - values, values)
    indicator = indicator_matrix(items, values, anns, 30, 4, n_annotators)
    numeric = np.array([1.0, 2.0, 3.0, 5.0])
    strata = None if strata is None else np.array(strata)
    return indicator, codes, value_counts(items, values, 30, 4), level, numeric, strata


TINY = [
    # 8 annotators, groups of 3, 3, 2: 8! / (3! 3! 2!) = 560 relabellings
    _tiny_grasp(0, 8, [0, 0, 0, 1, 1, 1, 2, 2]),
    _tiny_grasp(1, 8, [0, 1, 0, 1, 2, 1, 0, 2], level="nominal"),
    # 6 annotators, 3 + 3: 20 relabellings (p-values are multiples of 1/10)
    _tiny_grasp(2, 6, [0, 0, 0, 1, 1, 1], level="interval"),
    # a missing code and two strata: 5! / (2! 3!) * 4! / (2! 2!) = 60 relabellings
    _tiny_grasp(6, 10, [0, 0, 1, 1, 1, 0, 0, 1, 1, -1], strata=[0] * 5 + [1] * 5),
    # no planted group: p-values in the middle of (0, 1); 8! / (4! 4!) = 70 relabellings
    _tiny_grasp(4, 8, [0, 0, 0, 0, 1, 1, 1, 1], level="nominal", planted=False),
    _tiny_grasp(5, 8, [0, 1, 1, 0, 2, 2, 1, 0], level="ratio", planted=False),
]


@pytest.mark.parametrize("diff", [False, True])
@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", range(len(TINY)))
def test_p_values_match_exact_enumeration(kernel, case, diff):
    indicator, codes, total, level, numeric, strata = TINY[case]
    n_groups = int(codes.max()) + 1
    observed, exact = _exact_two_sided(indicator, codes, n_groups, total, level, numeric,
                                       strata, diff)  # fmt: skip
    n = 4000
    got, p_values, _ = _run(indicator, codes, n_groups, total, level, numeric, n_permutations=n,
                            seed=case, strata=strata, early_stop=False, kernel=kernel,
                            diff=diff)  # fmt: skip
    np.testing.assert_allclose(got, observed, rtol=1e-10, atol=1e-12)
    for g, (p, tail, defined) in enumerate(exact):
        if not np.isfinite(observed[g]):  # statistic undefined: not tested
            assert np.isnan(p_values[g])
            continue
        valid = defined * n
        # the smaller tail within 5 standard errors, doubled; (1 + b) / (1 + l) adds 1 / l
        se = math.sqrt(tail * (1 - tail) / valid)
        assert abs(p_values[g] - p) <= 2 * (5 * se + 1 / valid) + 1e-12, (g, p)
    if case < 4 and not diff:
        assert exact[0][0] < 0.2  # the planted group stands out


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stop_after", [1, 3, 10])
def test_early_stop_reports_the_permutation_that_reached_stop_after(kernel, stop_after):
    """A test that stops (Besag-Clifford) has its smaller tail reach h exactly at the
    permutation l where it stops, so p = min(1, 2 h / v), v its permutations with a
    defined GAI; the same draws without stopping give min(1, 2 (1 + h) / (1 + v)) after
    l permutations and, one hit short, min(1, 2 h / (v - 1 + 1)) after l - 1. A test
    that stopped as clearly significant has the p of a run without stopping as long."""
    _, _, _, indicator, total, codes, numeric, strata = _data(8, n_items=60, n_annotators=24)
    level = LEVELS[stop_after % 4]
    kw = {"strata": strata, "kernel": kernel, "seed": 2}
    _, p_values, used_all = _run(indicator, codes, 4, total, level, numeric, n_permutations=300,
                                 stop_after=stop_after, **kw)  # fmt: skip
    stopped = 0
    for g in np.flatnonzero(np.isfinite(p_values)):
        used = int(used_all[g])
        _, full, _ = _run(indicator, codes, 4, total, level, numeric, n_permutations=used,
                          early_stop=False, **kw)  # fmt: skip
        p = p_values[g]
        if full[g] == p:  # ran to the end, or stopped as clearly significant
            continue
        stopped += 1
        if p == 1.0:  # 2 h / v >= 1: v <= 2 h, and then 2 (1 + h) / (1 + v) > 1 as well
            assert full[g] == 1.0
            continue
        v = round(2 * stop_after / p)
        assert p == pytest.approx(2 * stop_after / v, rel=1e-12) and v <= used
        assert full[g] == pytest.approx(min(1.0, 2 * (1 + stop_after) / (1 + v)))
        if used > 1:
            _, short, _ = _run(indicator, codes, 4, total, level, numeric,
                               n_permutations=used - 1, early_stop=False, **kw)  # fmt: skip
            assert short[g] == pytest.approx(p, rel=1e-12)
    assert stopped >= 2


@pytest.mark.parametrize("kernel", KERNELS)
def test_a_permutation_equal_to_the_observed_grouping_counts_as_a_tie(kernel):
    # two members, both present: every permutation is the observed grouping, so every
    # null value equals the observed one exactly and neither tail is ever smaller
    _, _, _, indicator, total, _, numeric, _ = _data(5, n_annotators=10)
    codes = np.array([-1, 0, -1, 0, -1, -1, -1, -1, -1, -1])
    _, p, used = _run(indicator, codes, 1, total, "ordinal", numeric, n_permutations=200,
                      kernel=kernel)  # fmt: skip
    assert p[0] == 1.0 and used[0] == 10  # both tails reach 10 at the tenth permutation


def test_kernel_name_is_checked():
    _, _, _, indicator, total, codes, numeric, _ = _data(6)
    with pytest.raises(ValueError, match="kernel"):
        GraspJudgments(indicator, total, "nominal", numeric, kernel="cuda")


def test_auto_falls_back_to_numpy_without_numba(monkeypatch):
    _, _, _, indicator, total, codes, numeric, _ = _data(7)
    auto = _run(indicator, codes, 4, total, "ordinal", numeric, n_permutations=40)
    # a module set to None in sys.modules raises ImportError on import, as without numba
    monkeypatch.setitem(sys.modules, "labelaudit.stats.grasp_kernels", None)
    fallback = _run(indicator, codes, 4, total, "ordinal", numeric, n_permutations=40)
    assert not GraspJudgments(indicator, total, "ordinal", numeric).numba
    np.testing.assert_allclose(fallback[0], auto[0], rtol=1e-12)
    np.testing.assert_array_equal(fallback[1], auto[1])
    with pytest.raises(ImportError):
        GraspJudgments(indicator, total, "ordinal", numeric, kernel="numba")
