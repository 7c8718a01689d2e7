"""Item-bootstrap intervals of the agreement table: overall, within and cross rows.

One set of resampled items per unit (:func:`labelaudit.stats.bootstrap.bootstrap_pattern_counts`,
items in the unit's id order): per-item contributions depend only on an item's
(group counts, rest counts), so they are computed once per count pattern and a replicate
is the count of its draws per pattern. The intervals treat the raters as fixed: they
describe these raters' agreement on a population of items like these. Group contrasts
(LA102, LA103) are judged by permutation tests that relabel raters instead
(:mod:`labelaudit.analyses.significance`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from labelaudit.config import AuditConfig
from labelaudit.progress import track
from labelaudit.stats.alpha import (
    alpha_from_contributions,
    item_contributions,
    percentile_interval,
)
from labelaudit.stats.bootstrap import bootstrap_pattern_counts
from labelaudit.stats.counts import row_patterns
from labelaudit.stats.crossrep import kappa_x_from_contributions, kappa_x_item_contributions


@dataclass
class GroupSlices:
    """One attribute's bootstrap inputs: per group, contributions of each count pattern.

    Group k's items are coded by the pattern of (group counts, rest counts) they show,
    ``codes[k]`` (local to the group; offsets are added when the unit's patterns are
    stacked); ``contributions[k]`` holds one item's contributions per pattern: within
    alpha (``width_alpha`` columns), then kappa_x.
    """

    attribute: str
    labels: list[str]
    width_alpha: int = 0
    codes: list[np.ndarray] = field(default_factory=list)
    contributions: list[np.ndarray] = field(default_factory=list)


def slices(
    total: np.ndarray, counts: np.ndarray, attr: str, labels: list[str], level: str, num
) -> GroupSlices:
    """The bootstrap inputs of one attribute from its (G, U, V) group counts."""
    nv = total.shape[1]
    stack = GroupSlices(attr, labels)
    for k in range(len(labels)):
        pattern, distinct = row_patterns(np.concatenate([counts[k], total - counts[k]], axis=1))
        mine, theirs = distinct[:, :nv], distinct[:, nv:]
        within = item_contributions(mine, level, num)
        stack.width_alpha = within.shape[1]
        stack.codes.append(pattern.astype(np.int64))
        stack.contributions.append(
            np.hstack([within, kappa_x_item_contributions(mine, theirs, level, num)])
        )
    return stack


def bootstrap_intervals(
    name: str, total: np.ndarray, level: str, num: np.ndarray, cfg: AuditConfig,
    stacks: list[GroupSlices], agreement: list[dict],
) -> None:  # fmt: skip
    """Fill ci_low/ci_high of every agreement row of unit ``name`` from one set of draws.

    ``total`` holds the unit's (U, V) counts, items in id order; ``agreement`` the unit's
    overall row, then (within, cross) pairs in stack and label order.
    """
    if cfg.n_boot < 1 or total.shape[0] == 0:
        return
    overall_codes, overall_distinct = row_patterns(total)
    overall_c = item_contributions(overall_distinct, level, num)
    codes, start = [overall_codes.astype(np.int32)], overall_distinct.shape[0]
    for stack in stacks:
        for k, local in enumerate(stack.codes):
            codes.append((local + start).astype(np.int32))
            start += stack.contributions[k].shape[0]
    n_patterns = start
    patterns = np.stack(codes)
    del codes
    reps_overall: list[np.ndarray] = []
    reps: list[list[np.ndarray]] = [[] for _ in stacks]
    seed = [cfg.seed, zlib.crc32(name.encode())]  # by the unit's name, not its position
    blocks = bootstrap_pattern_counts(patterns, n_patterns, cfg.n_boot, seed=seed,
                                      kernel=cfg.kernel)  # fmt: skip
    del patterns
    n0 = overall_c.shape[0]
    # the products per group are small (a few thousand patterns): a few hundred
    # replicates per product keep BLAS efficient where 15 rows (10M judgments) do not
    rows = max(1, min(cfg.n_boot, 16_000_000 // max(n_patterns, 1)))
    for h in track(_rebatch(blocks, rows, n_patterns), desc=f"bootstrap {name}"):
        reps_overall.append(alpha_from_contributions(h[:, :n0] @ overall_c, level, num))
        start = n0
        for s, stack in enumerate(stacks):
            wa = stack.width_alpha
            cols = []
            for contributions in stack.contributions:
                agg = h[:, start : start + contributions.shape[0]] @ contributions
                start += contributions.shape[0]
                cols += [
                    alpha_from_contributions(agg[:, :wa], level, num),
                    kappa_x_from_contributions(agg[:, wa:], level, num),
                ]
            if cols:
                reps[s].append(np.column_stack(cols))
    ci = cfg.ci_level
    agreement[0]["ci_low"], agreement[0]["ci_high"] = percentile_interval(
        np.concatenate(reps_overall), ci
    )
    row = 1
    for s, stack in enumerate(stacks):
        if not reps[s]:
            continue
        r = np.vstack(reps[s])
        for k in range(len(stack.labels)):
            for j in range(2):  # within, cross
                lo, hi = percentile_interval(r[:, 2 * k + j], ci)
                agreement[row + j]["ci_low"], agreement[row + j]["ci_high"] = lo, hi
            row += 2


def _rebatch(blocks, rows: int, width: int):
    """The rows of ``blocks`` again, ``rows`` at a time (the last batch may be shorter).

    Each batch is a view of one reused buffer: use it before asking for the next.
    """
    buf = np.empty((rows, width))
    filled = 0
    for block in blocks:
        start = 0
        while start < block.shape[0]:
            take = min(rows - filled, block.shape[0] - start)
            buf[filled : filled + take] = block[start : start + take]
            filled += take
            start += take
            if filled == rows:
                yield buf
                filled = 0
    if filled:
        yield buf[:filled]
