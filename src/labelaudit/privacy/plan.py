"""The disclosure plan: every count the reports can print, linked, and which of them to hide.

Made from the bundle before any analysis runs (it needs group sizes only). The reports of
one run print, for the pool and for each field:

* each audited attribute's groups, and its intersections (``region×gender``);
* with ``--split-by S``, one report per value ``s``: there every group is really the
  cell ``S=s ∧ group`` of the whole pool;
* the undisclosed of each attribute (metadata completeness) and how many disclosed it.

These counts are tied by sums (a group is the sum of its intersection cells, a split
report's total is its value's group in the whole report, a region is the sum of its
countries when region is derived from country), so they form one set of linked tables.
:func:`make_plan` lays them out as cells and relations and asks
:func:`labelaudit.stats.disclosure.protect` which cells to hide so that adding and
subtracting printed ones gives none of them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from labelaudit.analyses.base import audited_attributes
from labelaudit.analyses.representation import with_region
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.populations.alignment import in_target_spelling, target_shares
from labelaudit.privacy.cells import NONE, CellSpace
from labelaudit.stats.disclosure import Relation, feasible_ranges, protect, unknowns

POOL = ""  #: scope of the whole pool (raters with a judgment)
ROSTER = "@annotators"  #: scope of the annotators table (pay is counted there)

Cell = tuple  # ((attribute, value or None), ...) sorted by attribute; or a synthetic key
Prefix = tuple  # () for the whole report, ((split attribute, value),) for a split report


@dataclass
class Plan:
    """What may be printed: hidden cells, and how table rows map onto cells."""

    k: int
    hidden: dict[Any, str]
    scopes: dict[str, dict[Any, int]]
    relations: list[Relation]
    #: (prefix, attribute, group label) -> cell, in the bundle's spelling
    labels: dict[tuple, Any]
    #: the same for the representation tables, whose groups take the target's spelling
    target_labels: dict[tuple, Any]
    #: cells whose name may be printed (k or more raters hold it, or the target names it)
    named: set = field(default_factory=set)
    printed: set = field(default_factory=set)
    not_groups: set = field(default_factory=set)
    #: split value cell -> cells only that split's report prints
    controls: dict = field(default_factory=dict)
    split_by: str | None = None
    split_values: list[str] = field(default_factory=list)
    prefix: Prefix = ()
    identifier_columns: dict[str, str] = field(default_factory=dict)
    given_up: list = field(default_factory=list)
    #: raters in each scope (the pool, the annotators table, each field)
    totals: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, k: int) -> Plan:
        """A plan with no bundle behind it: rows are judged by their own counts only."""
        return cls(k=k, hidden={}, scopes={}, relations=[], labels={}, target_labels={})

    # ------------------------------------------------------------- rows -> cells
    def cell(self, attribute: Any, group: Any, *, target: bool = False) -> Any | None:
        """The cell a table row (attribute, group) describes in this plan's report."""
        if not isinstance(attribute, str) or group is None:
            return None
        key = (self.prefix, attribute, str(group))
        if target and key in self.target_labels:
            return self.target_labels[key]
        return self.labels.get(key)

    def size(self, cell: Any, scope: str = POOL) -> int:
        return int(self.scopes.get(scope, {}).get(cell, 0))

    def reason(self, cell: Any, scope: str = POOL) -> str | None:
        """ "small" (fewer than k raters in that scope) or "complementary"; None if shown."""
        if cell not in self.hidden:
            return None
        n = self.size(cell, scope) or self.size(cell)
        return "small" if 0 < n < self.k else "complementary"

    def is_named(self, cell: Any) -> bool:
        return cell in self.named

    def hidden_groups(self) -> dict[str, dict[str, str]]:
        """attribute -> {group label: reason} in this plan's report (both spellings)."""
        out: dict[str, dict[str, str]] = {}
        for table in (self.labels, self.target_labels):
            for (prefix, attr, label), cell in table.items():
                if prefix == self.prefix and cell in self.hidden:
                    out.setdefault(attr, {})[label] = self.reason(cell) or "small"
        return out

    def with_hidden(self, more: dict[Any, str]) -> Plan:
        """The same plan with ``more`` cells hidden too (those it knows of)."""
        extra = {c: r for c, r in more.items() if c not in self.hidden}
        if not extra:
            return self
        sub = Plan(**{f: getattr(self, f) for f in self.__dataclass_fields__})
        sub.hidden = {**self.hidden, **extra}
        return sub

    def for_split(self, value: str) -> Plan:
        """The same plan, read from the split report of ``split_by = value``."""
        assert self.split_by is not None
        sub = Plan(**{f: getattr(self, f) for f in self.__dataclass_fields__})
        sub.prefix = ((self.split_by, value),)
        return sub

    def split_shown(self, value: str) -> bool:
        """Whether the split report of ``value`` is written (its group is not hidden)."""
        return self.split_by is not None and ((self.split_by, value),) not in self.hidden

    def bounds(
        self, scope: str = POOL, cells: list | None = None
    ) -> dict[Any, tuple[float, float]]:
        """What a reader can work out about hidden cells from the printed ones (each range)."""
        sizes = self.scopes.get(scope, {})
        unknown = unknowns(sizes, self.k, self.hidden, self.shown, self.not_groups)
        wanted = [c for c in (self.hidden if cells is None else cells) if c in unknown]
        return feasible_ranges(sizes, self.relations, unknown, wanted)

    def shown(self, c: Any) -> bool:
        """Printed by some report and not hidden (nor in a split report left unwritten)."""
        if c not in self.printed or c in self.hidden:
            return False
        return not any(c in members and h in self.hidden for h, members in self.controls.items())


# ------------------------------------------------------------------------- building
def plan_attributes(bundle: Bundle, cfg: AuditConfig) -> tuple[list[str], Bundle]:
    """Every attribute (or intersection) some table of this report breaks figures down by."""
    with_regions, _ = with_region(bundle)
    target = list(bundle.target.attributes) if bundle.target is not None else []
    attrs = audited_attributes(bundle, cfg) + audited_attributes(with_regions, cfg, extra=target)
    ann = bundle.annotators
    if ann is not None and "hourly_pay" in ann.columns:  # pay is also shown by country, region
        attrs += [c for c in ("country", "region") if c in ann.columns]
    return list(dict.fromkeys(attrs)), with_regions


def make_plan(bundle: Bundle, cfg: AuditConfig) -> Plan:
    """Lay out every count the run's reports print and decide which to hide."""
    k = cfg.min_group_size
    attrs, rb = plan_attributes(bundle, cfg)
    split = cfg.split_by if cfg.split_by and rb.annotators is not None else None
    if split is not None and split not in rb.annotators.columns:
        split = None
    raw = sorted({p for a in attrs for p in a.split("×")} | ({split} if split else set()))
    raters = _rater_table(rb, raw)
    masks = _scopes(bundle, rb)
    space = CellSpace(raters, masks, k)
    views: list[tuple[Prefix, str]] = [((), a) for a in attrs]
    split_values: list[str] = []
    if split is not None:
        split_values = sorted(v for v in raters[split].unique() if v != NONE)
        for s in split_values:
            views += [(((split, s),), a) for a in _split_attributes(rb, cfg, split, s)]
    for prefix, attr in views:
        space.printed_view(prefix, attr, _target_map(rb, attr, raters))
    for coarse, fine in _functional_pairs(raters, [a for a in raw if a != split]):
        space.unprinted_view((coarse, fine))
    prefixes = [()] + [((split, s),) for s in split_values]
    for col in raw:
        space.undisclosed_printed(col, prefixes)
    space.relate()
    controls = space.controls(split)
    hidden, given_up = protect(
        [space.sizes[name] for name in space.scope_names],
        space.relations,
        k,
        printed=space.printed,
        cost=space.cost(),
        controls=controls,
        not_groups=space.not_groups,
    )
    if given_up:  # nothing left to hide around them: withhold their attributes altogether
        lost = {a for c in given_up for a in _attributes_of(c)}
        for c in space.printed:
            if c not in hidden and lost & _attributes_of(c):
                hidden[c] = "complementary"
    return Plan(
        k=k,
        hidden=hidden,
        scopes=space.sizes,
        relations=space.relations,
        labels=space.labels,
        target_labels=space.target_labels,
        named=space.named(),
        printed=space.printed,
        not_groups=space.not_groups,
        controls=controls,
        split_by=split,
        split_values=split_values,
        identifier_columns=bundle.identifier_columns(),
        given_up=given_up,
        totals={name: int(m.sum()) for name, m in masks.items()},
    )


def _rater_table(bundle: Bundle, columns: list[str]) -> pd.DataFrame:
    """One row per annotator (aligned with ``annotator_ids``): each attribute's group label."""
    data = {}
    for col in columns:
        values = bundle.attribute_values(col)
        data[col] = values.where(values.notna(), NONE).astype(object).to_numpy()
    return pd.DataFrame(data, index=pd.RangeIndex(len(bundle.annotator_ids)))


def _scopes(bundle: Bundle, rb: Bundle) -> dict[str, np.ndarray]:
    n = len(bundle.annotator_ids)
    codes = bundle.row_codes[1]
    out = {POOL: np.bincount(codes, minlength=n) > 0}
    roster = np.zeros(n, dtype=bool)
    if rb.annotators is not None:
        pos = pd.Index(rb.annotator_ids).get_indexer(rb.annotators["annotator_id"].to_numpy())
        roster[pos[pos >= 0]] = True
    out[ROSTER] = roster
    for f in bundle.judged_fields:
        rows = bundle.field_rows(f, scored_only=False)
        out[f"field:{f}"] = np.bincount(codes[rows], minlength=n) > 0
    return out


def _split_attributes(rb: Bundle, cfg: AuditConfig, split: str, value: str) -> list[str]:
    """The attributes the split report of ``split = value`` audits (as its analyses will)."""
    assert rb.annotators is not None
    labels = rb.attribute_values(split)
    ids = set(pd.Series(rb.annotator_ids)[labels.eq(value).to_numpy()])
    sub_ann = rb.annotators[rb.annotators["annotator_id"].isin(ids)].reset_index(drop=True)
    empty = rb.judgments.iloc[:0]
    shim = Bundle(judgments=empty, schema={}, annotators=sub_ann, target=rb.target)
    sub_cfg = cfg.with_overrides()
    sub_cfg.split_by = None
    attrs, _ = plan_attributes(shim, sub_cfg)
    return attrs


def _target_map(
    rb: Bundle, attr: str, raters: pd.DataFrame
) -> tuple[dict[str, str], set[str]] | None:
    """Bundle label -> label in the target's spelling (the representation tables' names)."""
    dist, _ = target_shares(rb.target, attr)
    if not dist:
        return None
    parts = attr.split("×")
    if not all(p in raters.columns for p in parts):
        return None
    joined = raters[parts].agg("×".join, axis=1) if len(parts) > 1 else raters[parts[0]]
    labels = sorted({v for v in joined if NONE not in v})
    spelled = in_target_spelling(np.array(labels, dtype=object), dist)
    return dict(zip(labels, [str(s) for s in spelled], strict=True)), {str(g) for g in dist}


def _functional_pairs(raters: pd.DataFrame, attrs: list[str]) -> Iterable[tuple[str, str]]:
    """Pairs (coarse, fine) where each value of ``fine`` lies in one value of ``coarse``.

    A reader who knows the mapping (countries to regions) can add up the fine groups to get
    a coarse one, so the pair is audited as if its intersection were a table (one no
    report prints).
    """
    for a, b in combinations(sorted(set(attrs)), 2):
        both = raters[(raters[a] != NONE) & (raters[b] != NONE)]
        if both.empty:
            continue
        if both.groupby(b)[a].nunique().max() <= 1 and both[b].nunique() > both[a].nunique():
            yield a, b
        elif both.groupby(a)[b].nunique().max() <= 1 and both[a].nunique() > both[b].nunique():
            yield b, a


def _attributes_of(cell: Any) -> set[str]:
    """The attributes a cell is about (synthetic keys name theirs)."""
    if cell and isinstance(cell[0], tuple):
        return {a for a, _ in cell}
    if cell and cell[0] in ("@disclosed", "@target"):
        return set(str(cell[2]).split("×"))
    return set()
