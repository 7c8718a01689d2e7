"""The cells of one run's reports and the sums that tie them (input to the disclosure audit).

A cell is the set of raters with given values of some attributes, keyed as a tuple of
``(attribute, value)`` pairs sorted by attribute (``None`` = undisclosed). Every subset of
a printed intersection is a cell too, and for each cell and each of its attributes there is
one relation: the cell is the sum of its cells one attribute finer, undisclosed included,
so every relation is exact. Synthetic cells stand for figures that are sums of groups:
``("@disclosed", prefix, attribute)`` is how many disclosed an attribute (the denominator of
every pool share), ``("@target", prefix, attribute, label)`` is a target group that several
pool spellings add up to.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from labelaudit.stats.disclosure import Relation

NONE = "\0undisclosed"  #: stands for None while grouping
#: cost of hiding a count that is not a group (undisclosed, disclosed totals): last resort
LAST_RESORT = 1e12
WHOLE = "\0whole"  #: the source "printed by the whole-pool report"


def cell_key(attrs: tuple[str, ...], values: tuple) -> tuple:
    return tuple((a, None if v == NONE else v) for a, v in zip(attrs, values, strict=True))


class CellSpace:
    """Cells, their sizes in each scope, what each report prints, and the relations."""

    def __init__(self, raters: pd.DataFrame, masks: dict[str, np.ndarray], k: int):
        self.raters = raters
        self.k = k
        self.scope_names = list(masks)
        self.masks = masks
        everyone = np.zeros(len(raters), dtype=bool)
        for m in masks.values():
            everyone |= m
        self.everyone = everyone
        self.sizes: dict[str, dict[Any, int]] = {name: {} for name in masks}
        self.conj: set[tuple[str, ...]] = set()
        #: cell -> the sources printing it (WHOLE, or a split value)
        self.sources: dict[Any, set[str]] = {}
        self.labels: dict[tuple, Any] = {}
        self.target_labels: dict[tuple, Any] = {}
        self.target_named: set = set()
        self.not_groups: set = set()
        self.relations: list[Relation] = []
        self._synthetic: list[tuple[Any, list[Any], str]] = []

    # ----------------------------------------------------------------- views
    def _groups(self, attrs: tuple[str, ...]) -> pd.Series:
        """Raters (any scope) per combination of values of ``attrs`` (sorted)."""
        sub = self.raters.loc[self.everyone, list(attrs)]
        return sub.groupby(list(attrs), sort=True).size()

    def _add_conj(self, attrs: tuple[str, ...]) -> None:
        for r in range(1, len(attrs) + 1):
            for c in combinations(attrs, r):
                self.conj.add(c)

    def printed_view(
        self,
        prefix: tuple,
        attr: str,
        target: tuple[dict[str, str], set[str]] | None,
    ) -> None:
        """The groups of ``attr`` in the report ``prefix`` names (whole pool or one split)."""
        parts = attr.split("×")
        split_attrs = [a for a, _ in prefix]
        attrs = tuple(sorted(set(parts) | set(split_attrs)))
        self._add_conj(attrs)
        source = WHOLE if not prefix else prefix[0][1]
        fixed = dict(prefix)
        printed: list[Any] = []
        by_label: dict[str, Any] = {}
        for values in self._groups(attrs).index:
            vals = dict(zip(attrs, values if isinstance(values, tuple) else (values,), strict=True))
            if any(vals[a] != v for a, v in fixed.items()):
                continue
            if any(vals[p] == NONE for p in parts):
                continue
            cell = cell_key(attrs, tuple(vals[a] for a in attrs))
            label = "×".join(str(vals[p]) for p in parts)
            self.labels[(prefix, attr, label)] = cell
            by_label[label] = cell
            printed.append(cell)
            self.sources.setdefault(cell, set()).add(source)
        disclosed = ("@disclosed", prefix, attr)
        self._synthetic.append((disclosed, printed, source))
        self.not_groups.add(disclosed)
        if target is None:
            return
        spelling, names = target
        members: dict[str, list[Any]] = {}
        for label, cell in by_label.items():
            t = spelling.get(label, label)
            members.setdefault(t, []).append(cell)
            if t in names:
                self.target_named.add(cell)
        for t, cells in members.items():
            if len(cells) == 1:
                self.target_labels[(prefix, attr, t)] = cells[0]
                continue
            merged = ("@target", prefix, attr, t)
            self.target_labels[(prefix, attr, t)] = merged
            self._synthetic.append((merged, cells, source))
            if t in names:
                self.target_named.add(merged)

    def unprinted_view(self, attrs: tuple[str, ...]) -> None:
        """Cells a reader can reconstruct but no report prints (e.g. country × region)."""
        self._add_conj(tuple(sorted(attrs)))

    def undisclosed_printed(self, column: str, prefixes: list[tuple]) -> None:
        """How many did not disclose ``column``: printed by metadata completeness."""
        for prefix in prefixes:
            if column in dict(prefix):
                continue  # the split attribute is disclosed by everyone in its split
            attrs = tuple(sorted({column} | {a for a, _ in prefix}))
            self._add_conj(attrs)
            vals = {column: NONE, **dict(prefix)}
            cell = cell_key(attrs, tuple(vals[a] for a in attrs))
            self.sources.setdefault(cell, set()).add(WHOLE if not prefix else prefix[0][1])

    # ------------------------------------------------------------- relations
    def relate(self) -> None:
        """Sizes of every cell in every scope, and the relations between them."""
        for attrs in sorted(self.conj):
            sub = self.raters[list(attrs)]
            for name, mask in self.masks.items():
                counts = sub[mask].groupby(list(attrs), sort=True).size()
                store = self.sizes[name]
                for values, n in counts.items():
                    vals = values if isinstance(values, tuple) else (values,)
                    store[cell_key(attrs, vals)] = int(n)
            cells = [
                cell_key(attrs, v if isinstance(v, tuple) else (v,))
                for v in self._groups(attrs).index
            ]
            for x in attrs:
                rest = tuple(a for a in attrs if a != x)
                families: dict[tuple, list[Any]] = {}
                for c in cells:
                    families.setdefault(tuple(p for p in c if p[0] != x), []).append(c)
                for parent, children in families.items():
                    self.relations.append(Relation(parent if rest else None, tuple(children)))
        for scope in self.sizes.values():
            self.not_groups |= {c for c in scope if any(v is None for _, v in c)}
        for key, parts, source in self._synthetic:
            self.relations.append(Relation(key, tuple(parts)))
            self.sources.setdefault(key, set()).add(source)
            for name in self.scope_names:
                store = self.sizes[name]
                store[key] = sum(store.get(p, 0) for p in parts)

    # ----------------------------------------------------------------- views
    @property
    def printed(self) -> set:
        return set(self.sources)

    def controls(self, split: str | None) -> dict[Any, set]:
        """A split value's cell -> the cells only that split's report prints."""
        out: dict[Any, set] = {}
        for cell, sources in self.sources.items():
            if WHOLE in sources or split is None:
                continue
            for s in sources:
                out.setdefault(((split, s),), set()).add(cell)
        return out

    def cost(self) -> dict[Any, float]:
        """Cheaper to hide: finer cells (intersections, split cells) first, then fewer raters."""
        pool = self.sizes[self.scope_names[0]]
        out: dict[Any, float] = {}
        for c in self.printed:
            n = pool.get(c, 0)
            if c in self.not_groups:
                out[c] = LAST_RESORT + n
            elif c and c[0] == "@target":
                out[c] = (10 - 1) * 1e6 + n
            else:
                out[c] = (10 - len(c)) * 1e6 + n
        return out

    def named(self) -> set:
        """Cells whose name may be printed: k or more raters hold it, or the target names it."""
        out = set(self.target_named)
        for scope in self.sizes.values():
            out |= {c for c, n in scope.items() if n >= self.k}
        return out
