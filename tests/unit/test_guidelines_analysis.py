"""The guidelines analysis end to end: schema consistency, examples, usability (LA203, LA302-LA306)."""

from __future__ import annotations

import pandas as pd
import pytest

from labelaudit.analyses.guidelines import guidelines, value_pattern
from labelaudit.bundle.build import guideline_from_raw
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError
from labelaudit.rulebook import load_rules

GUIDE = """# Toxicity guide

Choose one label: `toxic`, `not_toxic` or `offensive`.

## Toxic
A post is toxic when it insults or threatens someone.
Example: "I will hurt you" is toxic.
For instance, slurs of any kind.

## Target
Pick the group that is attacked.
"""
RULES = load_rules()


def run_rule(code: str, tables: dict, **params) -> list:
    rule = RULES[code]
    ctx = CheckContext(metrics=tables, facts={}, rule=rule, params={**rule.defaults(), **params})
    return list(registered_checks()[code](ctx))


@pytest.fixture(scope="module")
def out():
    judgments = pd.DataFrame(
        {
            "item_id": ["1"],
            "annotator_id": ["a"],
            "field": ["tox"],
            "label": ["toxic"],
            "skipped": [False],
        }
    )
    annotators = pd.DataFrame(
        {"annotator_id": list("abcde"), "languages": [["en"], ["en", "fr"], ["sw"], "sw", None]}
    )
    schema = {
        "tox": FieldSpec("tox", "nominal", ["toxic", "not_toxic", "unsure"]),
        "target": FieldSpec("target", "nominal", ["women", "migrants", "none"]),
        "severity": FieldSpec("severity", "ordinal", [1, 2, 3]),
    }
    bundle = Bundle(
        judgments=judgments, schema=schema, annotators=annotators,
        guidelines=[guideline_from_raw("guide.md", GUIDE, "md")],
    )  # fmt: skip
    return guidelines(bundle, AuditConfig())


def test_values_mentioned_with_first_line(out):
    t = out.tables["guideline_values"]
    got = {(r.field, r.value): (r.mentioned, r.is_escape, r.line) for r in t.itertuples()}
    assert got[("tox", "toxic")] == (True, False, 3)
    assert got[("tox", "not_toxic")] == (True, False, 3)
    assert got[("tox", "unsure")][:2] == (False, True)
    assert got[("target", "women")][:2] == (False, False)
    assert got[("target", "none")][:2] == (False, True)
    assert ("severity", "1") not in got  # numeric scale points are not searched


def test_la302_la304_split_plain_and_escape_values(out):
    la302 = run_rule("LA302", out.tables)
    la304 = run_rule("LA304", out.tables)
    assert sorted((h.subject["field"], h.subject["value"]) for h in la302) == [
        ("target", "migrants"), ("target", "women"),
    ]  # fmt: skip
    assert sorted((h.subject["field"], h.subject["value"]) for h in la304) == [
        ("target", "none"), ("tox", "unsure"),
    ]  # fmt: skip


def test_la303_unknown_label_in_backticks(out):
    t = out.tables["guideline_unknown_labels"]
    assert t[["guideline", "line", "term"]].values.tolist() == [["guide.md", 3, "offensive"]]
    [hit] = run_rule("LA303", out.tables)
    assert hit.subject == {"guideline": "guide.md", "line": 3, "value": "offensive"}


def test_examples_per_field_and_la305(out):
    t = out.tables["guideline_examples"].set_index("field")
    assert t.loc["tox", "n_examples"] == 2 and t.loc["tox", "first_line"] == 7
    assert t.loc["target", "n_examples"] == 0
    assert [h.subject["field"] for h in run_rule("LA305", out.tables)] == ["target", "severity"]


def test_stats_language_fit_and_la203(out):
    [row] = out.tables["guideline_stats"].to_dict(orient="records")
    assert row["language"] == "en"
    assert (row["n_lines"], row["n_examples"]) == (8, 2)
    # a, b read English; c, d declare only Swahili; e declares nothing and is left out
    assert (row["n_annotators_known"], row["n_annotators_not_reading"]) == (4, 2)
    assert row["share_not_reading"] == 0.5
    [hit] = run_rule("LA203", out.tables)
    assert hit.subject == {"guideline": "guide.md", "language": "en"}
    assert "50%" in hit.message and "(2 of 4)" in hit.message


def test_la306_long_or_hard(out):
    assert run_rule("LA306", out.tables) == []
    [hit] = run_rule("LA306", out.tables, max_words=10)
    assert hit.evidence["n_words"] == out.tables["guideline_stats"].loc[0, "n_words"]


def test_no_guidelines_gives_no_tables():
    b = Bundle(
        judgments=pd.DataFrame(columns=["item_id", "annotator_id", "field", "label", "skipped"]),
        schema={},
    )
    res = guidelines(b, AuditConfig())
    assert res.tables == {} and res.facts == {"guideline_review": {"n_guidelines": 0}}


def test_broken_user_lexicon_fails_even_without_guidelines(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("entries: 3\n", encoding="utf-8")
    b = Bundle(
        judgments=pd.DataFrame(columns=["item_id", "annotator_id", "field", "label", "skipped"]),
        schema={},
    )
    with pytest.raises(InputError) as err:
        guidelines(b, AuditConfig(lexicons=[bad]))
    assert err.value.problems[0].where == str(bad)


def test_value_pattern_treats_separators_alike():
    assert value_pattern("none_of_these").search("pick None of these when...")
    assert not value_pattern("toxic").search("toxicity")
