"""Cell suppression: which groups of a table to hide so that no small group shows.

Sizes in, group names out. The privacy step (:mod:`labelaudit.privacy`) applies the
result to every table; analyses that pool figures across groups (e.g. the distance of
the pool from the target) ask the same question first, so the pooled figure cannot
reveal a hidden group.
"""

from __future__ import annotations

__all__ = ["hidden_groups"]


def hidden_groups(sizes: dict[str, int], k: int, *, complementary: bool) -> dict[str, str]:
    """Groups to suppress for one attribute: ``{group: "small" | "complementary"}``.

    >>> hidden_groups({"A": 40, "B": 9, "C": 2, "D": 0}, 5, complementary=True)
    {'C': 'small', 'B': 'complementary'}
    >>> hidden_groups({"A": 40, "B": 9, "C": 2}, 5, complementary=False)
    {'C': 'small'}
    """
    out = {g: "small" for g, n in sizes.items() if 0 < n < k}
    if complementary and len(out) == 1:
        others = sorted((n, g) for g, n in sizes.items() if n >= k)
        if others:
            out[others[0][1]] = "complementary"
    return out
