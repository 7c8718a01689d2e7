"""Power: planted effects of realistic size are found with three attributes audited.

Synthetic audits from tests/unit/planted.py (200 raters, three attributes, so every
family holds 11 group tests per field): a region of 20 raters reading a fifth of the
items the other way (GAI about 1.9) is found by LA103, and a region of 10 raters saying
"yes" 15 points more often is found by LA110, both with adjusted p < 0.05 and their
tests in the evidence; the same audit with nothing planted gives no group finding.
benchmarks/power.py gives the share of 20 simulated audits per effect size and group
size (benchmarks/RESULTS-power.md).
"""

from __future__ import annotations

import pytest
from planted import planted_bundle

from labelaudit.config import AuditConfig
from labelaudit.stages import audit_bundle

GROUP_RULES = ("LA102", "LA103", "LA110", "LA111", "LA112", "LA206", "LA502", "LA505", "LA602")
TEST_EVIDENCE = {"p_value", "p_adjusted", "n_permutations", "family_size"}


def _audit(**planted):
    return audit_bundle(planted_bundle(3, **planted), AuditConfig(n_boot=0, seed=0, quiet=True))


def test_a_group_of_20_reading_items_its_own_way_is_found():
    result = _audit(effect="reading", strength=0.2, group_size=20)
    assoc = result.metrics["group_association"].set_index(["attribute", "group"])
    assert 1.6 < assoc.loc[("region", "R0"), "gai"] < 2.3
    assert assoc["family_size"].max() == 11  # region 5 + gender 2 + age_band 4 groups
    [hit] = [f for f in result.findings if f.rule == "LA103" and f.subject["group"] == "R0"]
    assert hit.evidence["p_adjusted"] < 0.05 and set(hit.evidence) >= TEST_EVIDENCE
    assert hit.evidence["family_size"] == 11


def test_a_group_of_10_with_a_15_point_label_shift_is_found():
    result = _audit(effect="shift", strength=0.15, group_size=10)
    [hit] = [f for f in result.findings if f.rule == "LA110"]
    assert hit.subject == {"field": "toxic", "attribute": "region"}
    assert hit.evidence["p_adjusted"] < 0.05 and set(hit.evidence) >= TEST_EVIDENCE
    assert hit.evidence["max_share_gap"] >= 0.1 and hit.evidence["family_size"] == 3
    assert "Largest difference: region=R0 chose" in hit.message


@pytest.mark.parametrize("seed", [3, 4])
def test_nothing_planted_gives_no_group_finding(seed):
    result = audit_bundle(planted_bundle(seed, effect=None),
                          AuditConfig(n_boot=0, seed=0, quiet=True))  # fmt: skip
    hits = [f for f in result.findings if f.rule in GROUP_RULES and f.severity != "info"]
    assert hits == []
