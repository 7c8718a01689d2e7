"""Escape options: found by name (LA205), and over-use by an annotator group (LA206)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sps

from labelaudit.analyses.coverage import coverage
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import AuditConfig
from labelaudit.rulebook import load_rules
from labelaudit.text.escape import find_escape_values

RULES = load_rules()
SCHEMA = {
    "tox": FieldSpec("tox", "nominal", ["toxic", "not_toxic", "unsure"]),
    "topic": FieldSpec("topic", "nominal", ["sport", "politics"]),
    "stars": FieldSpec("stars", "ordinal", [1, 2, 3]),
}


def run_rule(code: str, tables: dict, **params) -> list:
    rule = RULES[code]
    ctx = CheckContext(metrics=tables, facts={}, rule=rule, params={**rule.defaults(), **params})
    return list(registered_checks()[code](ctx))


def escape_bundle(
    escapes: dict[str, int], n_items: int = 20, per_annotator: dict | None = None
) -> Bundle:
    """Annotator id -> number of 'unsure' answers among their n_items judgments."""
    rows = []
    for a, k in escapes.items():
        n = (per_annotator or {}).get(a, n_items)
        for i in range(n):
            rows.append((f"i{i}", a, "tox", "unsure" if i < k else "toxic", False))
    j = pd.DataFrame(rows, columns=["item_id", "annotator_id", "field", "label", "skipped"])
    ann = pd.DataFrame({"annotator_id": list(escapes), "region": [a[0].upper() for a in escapes]})
    return Bundle(judgments=j, schema=SCHEMA, annotators=ann)


def test_find_escape_values_by_name():
    assert find_escape_values(["toxic", "Not Sure", "none_of_the_above", "N/A", "Other (specify)"]) == [
        "Not Sure", "none_of_the_above", "N/A", "Other (specify)",
    ]  # fmt: skip
    assert find_escape_values(["nonetheless", "another", "skipper", 0]) == []


def test_group_that_overuses_the_escape_is_flagged():
    b = escape_bundle({**{f"x{i}": 8 for i in range(10)}, **{f"y{i}": 1 for i in range(10)}})
    out = coverage(b, AuditConfig(n_permutations=999, seed=0))
    t = out.tables["escape_usage"].set_index("group")
    x = t.loc["X"]
    assert (x["field"], x["attribute"], x["n_judgments"], x["n_annotators"]) == (
        "tox",
        "region",
        200,
        10,
    )
    assert x["escape_rate"] == 0.4 and x["rest_rate"] == 0.05 and x["ratio"] == pytest.approx(8.0)
    # the observed split is the most extreme of C(20, 10) = 184756 splits (exact one-sided
    # p 5.4e-6), so no relabelling reaches it: the p sits at its floor 1 / (l + 1) and the
    # test stops once that is at most half the BH threshold of the family of 2 (0.05 / 2),
    # at the round of 80 permutations
    assert x["n_permutations"] == 80 and x["family_size"] == 2
    assert x["p_value"] == pytest.approx(1 / 81)
    again = coverage(b, AuditConfig(n_permutations=999, seed=0)).tables["escape_usage"]
    assert again["p_value"].tolist() == out.tables["escape_usage"]["p_value"].tolist()
    z = (0.4 - 0.05) / math.sqrt(0.225 * 0.775 * (2 / 200))
    assert x["p_value_z"] == pytest.approx(2 * sps.norm.sf(z))
    [hit] = run_rule("LA206", out.tables)
    assert hit.subject == {"field": "tox", "attribute": "region", "group": "X"}
    assert "40% of 200 judgments" in hit.message and "against 5% for everyone else" in hit.message
    assert not bool(x["suppressed"])


def test_even_bundle_is_not_flagged():
    b = escape_bundle({**{f"x{i}": 2 for i in range(10)}, **{f"y{i}": 2 for i in range(10)}})
    out = coverage(b, AuditConfig(n_permutations=199))
    t = out.tables["escape_usage"]
    assert t["ratio"].tolist() == [1.0, 1.0] and t["p_value"].tolist() == [1.0, 1.0]
    assert run_rule("LA206", out.tables) == []


def test_one_prolific_annotator_does_not_make_a_group_significant():
    # x0 answers 200 items and is unsure on half; everyone else is unsure once in 20
    escapes = {"x0": 100, **{f"x{i}": 1 for i in range(1, 5)}, **{f"y{i}": 1 for i in range(5)}}
    out = coverage(
        escape_bundle(escapes, per_annotator={"x0": 200}), AuditConfig(n_permutations=999)
    )
    x = out.tables["escape_usage"].set_index("group").loc["X"]
    assert x["ratio"] == pytest.approx((104 / 280) / (5 / 100))
    assert x["p_value_z"] < 1e-6  # judgments treated as independent: "significant"
    assert x["p_value"] > 0.5  # annotators as the unit: whichever group x0 is in looks extreme
    assert run_rule("LA206", out.tables) == []


def test_field_without_escape_option_is_flagged():
    out = coverage(escape_bundle({"x0": 1, "y0": 1}), AuditConfig(n_permutations=0))
    opts = out.tables["escape_options"].set_index("field")
    assert list(opts.index) == ["tox", "topic"]  # the ordinal field is not a nominal choice
    assert opts.loc["tox", "escape_values"] == "unsure" and bool(opts.loc["tox", "escape_inferred"])
    [hit] = run_rule("LA205", out.tables)
    assert hit.subject == {"field": "topic"} and "2 options" in hit.message
    # without permutations nothing is tested: the z-test's p is shown for reference only
    t = out.tables["escape_usage"]
    assert t["p_value"].isna().all() and t["p_value_z"].notna().all()
    # one rater per group: below LA206's minimum support, which one info line says
    [note] = run_rule("LA206", out.tables)
    assert note.severity == "info" and note.evidence["too_few_raters"] == 2


def test_declared_escape_values_win_and_multi_choice_counts_lists():
    schema = {
        "objects": FieldSpec(
            "objects", "nominal", ["cup", "stove", "nothing fits"], ["nothing fits"], "multi"
        )
    }
    labels = [["cup"], ["nothing fits"], ["cup", "nothing fits"], ["stove"]]
    j = pd.DataFrame({"item_id": list("1234"), "annotator_id": ["a", "a", "b", "b"], "field": "objects",
                      "label": labels, "skipped": False})  # fmt: skip
    ann = pd.DataFrame({"annotator_id": ["a", "b"], "g": ["p", "q"]})
    out = coverage(
        Bundle(judgments=j, schema=schema, annotators=ann), AuditConfig(n_permutations=0)
    )
    t = out.tables["escape_usage"].set_index("group")
    assert t.loc["p", "escape_rate"] == 0.5 and t.loc["q", "escape_rate"] == 0.5
    assert not bool(out.tables["escape_options"].loc[0, "escape_inferred"])
