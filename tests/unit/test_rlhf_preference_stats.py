"""stats.preference: label directions, ranking pairs, Wilson interval, group decisions."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import labelaudit.stats.preference as pref
from labelaudit.stats.preference import (
    first_shown_wins,
    group_decision_shift,
    item_decisions,
    pairwise_direction,
    pairwise_directions,
    ranking_to_pairs,
)
from labelaudit.stats.proportions import wilson_interval  # the one shared implementation


def test_doctests_pass() -> None:
    result = doctest.testmod(pref)
    assert result.attempted >= 10 and result.failed == 0


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("A", (-1, 1.0)),
        ("left", (-1, 1.0)),
        ("response_a", (-1, 1.0)),
        ("1st", (-1, 1.0)),
        ("a_much_better", (-1, 2.0)),
        ("A is slightly better", (-1, 0.5)),
        ("b_is_worse", (-1, 1.0)),
        ("B", (1, 1.0)),
        ("right", (1, 1.0)),
        ("Response B", (1, 1.0)),
        ("b_much_better", (1, 2.0)),
        ("A>>B", (-1, 2.0)),
        ("A<B", (1, 1.0)),
        ("tie", (0, 0.0)),
        ("equal", (0, 0.0)),
        ("about the same", (0, 0.0)),
        ("both_good", (0, 0.0)),
        ("neither", (0, 0.0)),
        ("It's a tie", (0, 0.0)),
    ],
)
def test_pairwise_direction_by_name(label: str, expected: tuple[int, float]) -> None:
    assert pairwise_direction(label) == expected


@pytest.mark.parametrize("label", ["maybe", "good", "", None, True])
def test_unknown_pairwise_names_raise_a_clear_error(label: object) -> None:
    with pytest.raises(ValueError, match="neither response A, B nor a tie"):
        pairwise_direction(label)


def test_pairwise_directions_lists_every_unreadable_value() -> None:
    with pytest.raises(ValueError, match=r"\['good', 'bad'\]"):
        pairwise_directions(["good", "a_better", "bad"])


def test_graded_five_point_scale() -> None:
    d, s = pairwise_directions(["a_much_better", "a_better", "tie", "b_better", "b_much_better"])
    assert d.tolist() == [-1, -1, 0, 1, 1]
    assert s.tolist() == [2.0, 1.0, 0.0, 1.0, 2.0]


def test_numeric_seven_point_scale_is_read_around_its_midpoint() -> None:
    d, s = pairwise_directions([1, 2, 3, 4, 5, 6, 7])
    assert d.tolist() == [-1, -1, -1, 0, 1, 1, 1]
    assert s.tolist() == [3.0, 2.0, 1.0, 0.0, 1.0, 2.0, 3.0]


def test_ranking_to_pairs_exact() -> None:
    # C > A > D > B: every pair, in string order of ids, with the winner's side
    assert ranking_to_pairs(["C", "A", "D", "B"]) == [
        ("A", "B", -1),
        ("A", "C", 1),
        ("A", "D", -1),
        ("B", "C", 1),
        ("B", "D", 1),
        ("C", "D", -1),
    ]


def test_ranking_with_tied_rank_and_numeric_ids() -> None:
    assert ranking_to_pairs([2, [3, 1]]) == [("1", "2", 1), ("1", "3", 0), ("2", "3", -1)]


def test_ranking_with_repeated_id_raises() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        ranking_to_pairs(["a", "b", "a"])


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)  # fmt: skip
def test_wilson_interval_matches_newcombe_1998(k: int, n: int, lo: float, hi: float) -> None:
    # Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion.
    # Statistics in Medicine 17, 857-872, Table II, method 3 (score interval).
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-5) and got[1] == pytest.approx(hi, abs=5e-5)


def test_wilson_interval_edges_and_errors() -> None:
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.277533, abs=1e-6)
    with pytest.raises(ValueError):
        wilson_interval(1, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_first_shown_wins_respects_display_order() -> None:
    d = np.array([-1, -1, 1, 1, 0, 0])
    first_a = np.array([True, False, True, False, True, False])
    # A wins shown first (yes), A wins shown second (no), B wins shown second (no),
    # B wins shown first (yes), two ties
    assert first_shown_wins(d, first_a) == (4, 2, 2)


def test_item_decisions_one_vote_per_judgment() -> None:
    items = np.array([0, 0, 0, 1, 1, 2])
    dirs = np.array([-1, 1, 1, -1, 1, 0])
    assert item_decisions(items, dirs, 4).tolist() == [1, 0, 0, 0]


def test_group_decision_shift_hand_computed() -> None:
    # item 0: group votes A; others B, B -> pooled B: a flip; without the group still B
    # item 1: group B; others B, A -> pooled B: agrees; without the group a tie: decisive
    # item 2: group alone -> not compared
    items = np.array([0, 0, 0, 1, 1, 1, 2])
    dirs = np.array([-1, 1, 1, 1, 1, -1, 1])
    grp = np.array([True, False, False, True, False, False, True])
    assert group_decision_shift(items, dirs, grp, 3) == {
        "n_items_compared": 2,
        "n_flipped": 1,
        "n_agree": 1,
        "n_decisive": 1,
    }
