"""Aligning a rater pool with a target: which shares apply, and in whose spelling.

Pure lookups over a :class:`~labelaudit.populations.targets.Target`; the representation
analysis uses them so that an intersection ``"a×b"`` gets the target's joint cells
(or, failing those, the product of its marginals) and pool values are written the way
the target writes them.
"""

from __future__ import annotations

import numpy as np

from labelaudit.populations.m49 import lookup
from labelaudit.populations.targets import Target


def target_shares(
    target: Target | None, attribute: str
) -> tuple[dict[str, float] | None, str | None]:
    """Target shares for an attribute (or intersection ``"a×b"``) and their basis.

    The basis is ``"marginal"`` for a single attribute, ``"joint"`` when the target
    gives the intersection's cells (directly or through ``Target.joint``) and
    ``"independence"`` when they are the product of the marginals. ``(None, None)``
    when the target says nothing about the attribute.

    >>> t = Target("t", None, {"sex": {"f": 0.5, "m": 0.5}, "age": {"young": 0.4, "old": 0.6}})
    >>> target_shares(t, "sex×age")
    ({'f×young': 0.2, 'f×old': 0.3, 'm×young': 0.2, 'm×old': 0.3}, 'independence')
    >>> target_shares(t, "sex")[1], target_shares(t, "religion")
    ('marginal', (None, None))
    """
    if target is None:
        return None, None
    parts = attribute.split("×")
    if attribute in target.attributes:
        return target.attributes[attribute], "joint" if len(parts) > 1 else "marginal"
    if len(parts) == 1:
        return None, None
    joint = target.joint
    if joint is not None and all(p in joint.columns for p in parts):
        cells = joint.groupby(parts, sort=False)["share"].sum()
        labels = ["×".join(map(str, key)) for key in cells.index]
        return dict(zip(labels, cells.to_numpy(dtype=float), strict=True)), "joint"
    if all(p in target.attributes for p in parts):
        dist: dict[str, float] = {"": 1.0}
        for p in parts:
            dist = {
                (f"{a}×{g}" if a else g): sa * sg
                for a, sa in dist.items()
                for g, sg in target.attributes[p].items()
            }
        return dist, "independence"
    return None, None


def in_target_spelling(vals: np.ndarray, target: dict[str, float] | None) -> np.ndarray:
    """Pool values rewritten in the target's spelling.

    A value takes the target's spelling when the two differ only in case or, when every
    target group is a country, when both name the same country ("USA" and "United
    States"). Other values are returned unchanged.

    >>> pool = np.array(["female", "USA"], dtype=object)
    >>> in_target_spelling(pool, {"Female": 0.5, "Male": 0.5}).tolist()
    ['Female', 'USA']
    >>> in_target_spelling(pool, {"United States": 0.6, "GB": 0.4}).tolist()
    ['female', 'United States']
    """
    if not target:
        return vals
    spelling = {g.casefold(): g for g in target}
    countries = {g: lookup(g) for g in target}
    by_iso = (
        {c.iso2: g for g, c in countries.items() if c is not None}
        if all(c is not None for c in countries.values())
        else {}
    )
    renamed: dict = {}
    for v in set(vals.tolist()):
        same = spelling.get(str(v).casefold())
        if same is None and by_iso:
            country = lookup(v)
            same = by_iso.get(country.iso2) if country is not None else None
        renamed[v] = v if same is None else same
    return np.array([renamed[v] for v in vals], dtype=object)
