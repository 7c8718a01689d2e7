"""Pairwise preference statistics: directions, rankings, position bias, group decisions.

Arrays in, numbers out. A pairwise judgment is reduced to a *direction*: ``-1`` when
response A (the first, the left one) wins, ``0`` for a tie, ``+1`` when response B wins.
Graded scales keep a *strength* as well (``a_much_better`` is a stronger win than
``a_better``), but every decision below counts one vote per judgment: a rater who says
"much better" does not outvote two raters who say "better". How often a group's
decision flips under relabellings of the raters is :mod:`labelaudit.stats.preference_flips`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_A_TOKENS = frozenset({"a", "left", "first", "1st", "1", "responsea"})
_B_TOKENS = frozenset({"b", "right", "second", "2nd", "2", "responseb"})
_TIE_TOKENS = frozenset(
    {"tie", "tied", "equal", "equally", "same", "both", "neither", "draw", "none", "even"}
)
_LOSE_TOKENS = frozenset({"worse", "worst", "loses", "lose", "weaker"})
_STRONG_TOKENS = frozenset(
    {"much", "strongly", "strong", "significantly", "far", "clearly", "definitely", "way"}
)
_SLIGHT_TOKENS = frozenset({"slightly", "slight", "somewhat", "marginally", "little"})


def _tokens(name: str) -> list[str]:
    s = name.strip().lower()
    # "response_a" and "response a" both become one token so "a" inside a word never counts
    s = re.sub(r"(response|resp|model|answer|option|completion)[\s_\-]*([ab])\b", r"response\2", s)
    return [t for t in re.split(r"[^0-9a-z]+", s) if t]


def pairwise_direction(value: object) -> tuple[int, float]:
    """Direction and strength of one pairwise label, read from its name.

    Parameters
    ----------
    value
        A label such as ``"A"``, ``"left"``, ``"response_b"``, ``"tie"``,
        ``"a_much_better"``, ``"b_slightly_better"``, ``"A>B"`` or ``"A<<B"``.

    Returns
    -------
    (direction, strength)
        ``direction`` is -1 (A / first / left wins), 0 (tie) or +1 (B / second /
        right wins). ``strength`` is 0 for ties, 0.5 for "slightly", 2 for "much"
        (or a doubled ``>>``) and 1 otherwise.

    Raises
    ------
    ValueError
        When the name says neither A, B nor tie (e.g. ``"maybe"``).

    Examples
    --------
    >>> pairwise_direction("a_much_better")
    (-1, 2.0)
    >>> pairwise_direction("right")
    (1, 1.0)
    >>> pairwise_direction("About the same")
    (0, 0.0)
    >>> pairwise_direction("A<<B")
    (1, 2.0)
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"pairwise label {value!r} names neither response A, B nor a tie")
    name = str(value)
    compact = name.replace(" ", "").lower()
    m = re.fullmatch(r"(a|b)(>>|>|<<|<|=)(a|b)", compact)
    if m and m.group(1) != m.group(3):
        op = m.group(2)
        if op == "=":
            return 0, 0.0
        left_wins = op.startswith(">")
        winner_is_a = (m.group(1) == "a") == left_wins
        return (-1 if winner_is_a else 1), (2.0 if len(op) == 2 else 1.0)
    toks = _tokens(name)
    # tie words win over side words: "a tie", "neither A nor B", "both equally good"
    if any(t in _TIE_TOKENS for t in toks):
        return 0, 0.0
    side = 0
    for t in toks:
        if t in _A_TOKENS:
            side = -1
            break
        if t in _B_TOKENS:
            side = 1
            break
    if side == 0:
        raise ValueError(
            f"pairwise label {name!r} names neither response A, B nor a tie; use names like "
            "a_better / b_better / tie, left / right, or A / B"
        )
    if any(t in _LOSE_TOKENS for t in toks):
        side = -side
    strength = 1.0
    if any(t in _STRONG_TOKENS for t in toks):
        strength = 2.0
    elif any(t in _SLIGHT_TOKENS for t in toks):
        strength = 0.5
    return side, strength


def pairwise_directions(values: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
    """Directions and strengths for a field's value list.

    All-numeric value lists are read as a symmetric scale: values below the midpoint
    favour A, above it favour B, the midpoint is a tie, and the strength is the distance
    from the midpoint. Otherwise each value is read by name with :func:`pairwise_direction`.

    Raises
    ------
    ValueError
        Listing every value whose name could not be read.

    Examples
    --------
    >>> d, s = pairwise_directions(["a_much_better", "a_better", "tie", "b_better"])
    >>> d.tolist(), s.tolist()
    ([-1, -1, 0, 1], [2.0, 1.0, 0.0, 1.0])
    >>> d, s = pairwise_directions([1, 2, 3, 4, 5])
    >>> d.tolist(), s.tolist()
    ([-1, -1, 0, 1, 1], [2.0, 1.0, 0.0, 1.0, 2.0])
    """
    vals = list(values)
    if not vals:
        raise ValueError("a pairwise field needs at least one value")
    numeric = _as_numbers(vals)
    if numeric is not None:
        mid = (min(numeric) + max(numeric)) / 2.0
        diff = np.asarray(numeric, dtype=float) - mid
        return np.sign(diff).astype(np.int64), np.abs(diff)
    dirs, strengths, bad = [], [], []
    for v in vals:
        try:
            d, s = pairwise_direction(v)
        except ValueError:
            bad.append(v)
            continue
        dirs.append(d)
        strengths.append(s)
    if bad:
        raise ValueError(
            f"cannot tell which response wins for value(s) {bad!r}; name them like "
            "a_better / b_better / tie (or left / right, A / B)"
        )
    return np.asarray(dirs, dtype=np.int64), np.asarray(strengths, dtype=float)


def _as_numbers(vals: list[object]) -> list[float] | None:
    out = []
    for v in vals:
        if isinstance(v, bool):
            return None
        try:
            out.append(float(v))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return out


def ranking_to_pairs(ranking: Sequence[object]) -> list[tuple[str, str, int]]:
    """Turn one ranking (best first) into pairwise comparisons.

    Each unordered pair of response ids becomes one comparison ``(first, second,
    direction)`` with ``first < second`` in string order, so every rater's judgment of
    the same two responses lands on the same comparison. ``direction`` is -1 when
    ``first`` is ranked higher, +1 when ``second`` is, 0 when they share a rank (an
    inner list marks responses tied at one rank).

    Raises
    ------
    ValueError
        When a response id appears twice.

    Examples
    --------
    >>> ranking_to_pairs(["r2", "r1", "r3"])
    [('r1', 'r2', 1), ('r1', 'r3', -1), ('r2', 'r3', -1)]
    >>> ranking_to_pairs([["x", "y"], "z"])
    [('x', 'y', 0), ('x', 'z', -1), ('y', 'z', -1)]
    """
    rank: dict[str, int] = {}
    for pos, entry in enumerate(ranking):
        members = entry if isinstance(entry, (list, tuple, np.ndarray)) else [entry]
        for m in members:
            key = str(m)
            if key in rank:
                raise ValueError(f"response {key!r} appears twice in ranking {list(ranking)!r}")
            rank[key] = pos
    ids = sorted(rank)
    pairs = []
    for i, x in enumerate(ids):
        for y in ids[i + 1 :]:
            diff = rank[x] - rank[y]
            pairs.append((x, y, 0 if diff == 0 else (-1 if diff < 0 else 1)))
    return pairs


def first_shown_wins(directions: np.ndarray, first_is_a: np.ndarray) -> tuple[int, int, int]:
    """Count judgments where the first-shown response won.

    Parameters
    ----------
    directions
        -1 / 0 / +1 per judgment.
    first_is_a
        bool per judgment: True when response A was shown first.

    Returns
    -------
    (n_decided, first_wins, n_ties)
        ``n_decided`` excludes ties.

    Examples
    --------
    >>> first_shown_wins(np.array([-1, -1, 1, 0]), np.array([True, False, True, True]))
    (3, 1, 1)
    """
    d = np.asarray(directions)
    f = np.asarray(first_is_a, dtype=bool)
    if d.shape != f.shape:
        raise ValueError("directions and first_is_a must have the same length")
    decided = d != 0
    first_won = np.where(f, d == -1, d == 1) & decided
    return int(decided.sum()), int(first_won.sum()), int((~decided).sum())


def item_decisions(item_codes: np.ndarray, directions: np.ndarray, n_items: int) -> np.ndarray:
    """Majority decision per comparison: sign of the summed directions (one vote each).

    Returns -1 (A preferred), +1 (B preferred) or 0 (a tie, or no judgments).

    Examples
    --------
    >>> item_decisions(np.array([0, 0, 0, 1, 1]), np.array([-1, -1, 1, 1, -1]), 3).tolist()
    [-1, 0, 0]
    """
    sums = np.bincount(
        np.asarray(item_codes, dtype=np.int64),
        weights=np.asarray(directions, dtype=float),
        minlength=n_items,
    )
    return np.sign(sums).astype(np.int64)


def group_decision_shift(
    item_codes: np.ndarray, directions: np.ndarray, in_group: np.ndarray, n_items: int
) -> dict[str, int]:
    """How the preferred response moves when one group alone decides, or is left out.

    Only comparisons judged both by the group and by someone outside it are counted
    (``n_items_compared``); on each, three majority decisions are taken (one vote per
    judgment, see :func:`item_decisions`): pooled (everyone), group only, and
    leave-group-out (everyone but the group).

    Returns
    -------
    dict
        ``n_items_compared``; ``n_flipped``: the group's decision is the opposite
        response to the pooled one (ties on either side are not flips); ``n_agree``:
        the group's decision equals the pooled one (tie included); ``n_decisive``:
        removing the group changes the pooled decision.

    Examples
    --------
    >>> items = np.array([0, 0, 0, 1, 1, 1])
    >>> dirs = np.array([1, -1, -1, 1, 1, -1])
    >>> grp = np.array([True, False, False, True, False, False])
    >>> group_decision_shift(items, dirs, grp, 2)
    {'n_items_compared': 2, 'n_flipped': 1, 'n_agree': 1, 'n_decisive': 1}
    """
    items = np.asarray(item_codes, dtype=np.int64)
    d = np.asarray(directions)
    g = np.asarray(in_group, dtype=bool)
    if not (items.shape == d.shape == g.shape):
        raise ValueError("item_codes, directions and in_group must have the same length")
    has_in = np.bincount(items[g], minlength=n_items) > 0
    has_out = np.bincount(items[~g], minlength=n_items) > 0
    both = has_in & has_out
    pooled = item_decisions(items, d, n_items)
    grp = item_decisions(items[g], d[g], n_items)
    rest = item_decisions(items[~g], d[~g], n_items)
    flipped = both & (grp != 0) & (pooled != 0) & (grp == -pooled)
    return {
        "n_items_compared": int(both.sum()),
        "n_flipped": int(flipped.sum()),
        "n_agree": int((both & (grp == pooled)).sum()),
        "n_decisive": int((both & (rest != pooled)).sum()),
    }
