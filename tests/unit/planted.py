"""Synthetic audits with a planted group effect (or none), for power and calibration.

200 raters described by three independent attributes (region: R0 and four others;
gender; age_band), 800 items judged by 6 raters each, one binary field. Raters differ in
how careful they are (each flips a label with their own probability, 5-20%), as real
raters do: that is what makes a test with judgments or items as the unit over-confident.
Region R0 holds ``group_size`` raters and carries the planted effect:

- ``"reading"``: on a share ``strength`` of the items, R0's raters read the item the other
  way (GRASP's GAI grows with it: about 1.9 at 0.3 with 20 raters);
- ``"shift"``: R0's raters say "yes" ``strength`` more often (a label shift in points).

``effect=None`` plants nothing. Used by tests/unit/test_significance_power.py and by
benchmarks/power.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec

N_RATERS, N_ITEMS, PER_ITEM = 200, 800, 6


def planted_bundle(
    seed: int, *, effect: str | None = "reading", strength: float = 0.3, group_size: int = 20
) -> Bundle:
    """One synthetic audit bundle (see the module docstring)."""
    rng = np.random.default_rng(seed)
    others = np.resize(np.array(["R1", "R2", "R3", "R4"]), N_RATERS - group_size)
    region = np.concatenate([np.full(group_size, "R0"), rng.permutation(others)])
    gender = rng.choice(["female", "male"], N_RATERS)
    age = rng.choice(["18-29", "30-44", "45-59", "60+"], N_RATERS)
    careless = rng.uniform(0.05, 0.2, N_RATERS)
    truth = rng.random(N_ITEMS) < 0.35
    other_way = rng.random(N_ITEMS) < (strength if effect == "reading" else 0.0)
    base = 0.35 * 0.875 + 0.65 * 0.125  # share of "yes" among careful-ish raters
    lift = strength / (1 - base) if effect == "shift" else 0.0
    rows = []
    for i in range(N_ITEMS):
        for a in rng.choice(N_RATERS, PER_ITEM, replace=False):
            says = bool(truth[i])
            planted = region[a] == "R0"
            if planted and other_way[i]:
                says = not says
            if rng.random() < careless[a]:
                says = not says
            if planted and lift and rng.random() < lift:
                says = True
            rows.append((f"item{i:04d}", f"rater{a:03d}", "toxic", "yes" if says else "no"))
    judgments = pd.DataFrame(rows, columns=["item_id", "annotator_id", "field", "label"])
    judgments["skipped"] = False
    annotators = pd.DataFrame({
        "annotator_id": [f"rater{a:03d}" for a in range(N_RATERS)],
        "region": region, "gender": gender, "age_band": age,
    })  # fmt: skip
    schema = {"toxic": FieldSpec("toxic", "nominal", ["no", "yes"])}
    return Bundle(judgments=judgments, schema=schema, annotators=annotators)
