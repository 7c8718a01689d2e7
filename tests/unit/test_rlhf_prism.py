"""sources.prism on a small hand-written fixture in the PRISM layout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from labelaudit.errors import InputError
from labelaudit.sources.prism import read_prism

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "prism"


def test_turns_become_pairwise_comparisons() -> None:
    raw = read_prism(FIXTURE / "utterances.jsonl")
    j = raw.judgments
    got = dict(zip(j["item_id"], zip(j["annotator_id"], j["label"], strict=True), strict=True))
    assert got == {
        "c1:0:0-1": ("user1", "a"),  # 80 vs 60
        "c1:0:0-2": ("user1", "a"),
        "c1:0:0-3": ("user1", "a"),
        "c1:0:1-2": ("user1", "tie"),  # 60 vs 60
        "c1:0:1-3": ("user1", "a"),
        "c1:0:2-3": ("user1", "a"),
        "c1:1:0-1": ("user1", "b"),  # 50 vs 70
        "c2:0:0-1": ("user2", "b"),  # 10 vs 90 (response 3 has no score)
        "c2:0:0-2": ("user2", "b"),
        "c2:0:1-2": ("user2", "a"),
        "c3:0:0-1": ("user3", "tie"),
    }
    assert set(j["field"]) == {"preference"}
    assert raw.schema == {
        "fields": {
            "preference": {"level": "ordinal", "kind": "pairwise", "values": ["a", "tie", "b"]}
        }
    }
    assert raw.skipped_rows == {
        "utterance without a score": 1,
        "turn with a single rated response (nothing to compare)": 1,
    }


def test_items_carry_prompt_both_responses_and_display_order() -> None:
    items = read_prism(FIXTURE / "utterances.jsonl").items.set_index("item_id")
    assert len(items) == 11
    first = items.loc["c1:0:0-3"]
    assert first["prompt"] == "What do you think about arranged marriage?"
    assert (first["model_a"], first["model_b"]) == ("model-w", "model-z")
    assert first["response_a"] == "response model-w 0.0"
    assert first["response_b"] == "response model-z 0.3"
    assert set(items["shown_first"]) == {"a"}


def test_survey_becomes_annotators_with_demographics() -> None:
    raw = read_prism(FIXTURE / "utterances.jsonl", FIXTURE / "survey.jsonl")
    ann = raw.annotators.set_index("annotator_id")
    assert list(ann.index) == ["user1", "user2", "user3"]
    assert ann.loc["user1", "region"] == "Africa"
    assert ann.loc["user2", "reside_country"] == "United States"
    assert ann.loc["user2", "birth_region"] == "Americas"
    assert ann.loc["user3", "gender"] == "Non-binary / third gender"
    assert ann.loc["user3", "religion"] == "Hindu"
    assert ann.loc["user1", "age"] == "25-34 years old"
    assert raw.files["annotators"].endswith("survey.jsonl")


def test_flattened_survey_export_is_read(tmp_path: Path) -> None:
    csv = tmp_path / "survey.csv"
    pd.DataFrame(
        {"user_id": ["u1"], "gender": ["Female"], "reside_region": ["Asia"],
         "religion_simplified": ["Muslim"]}
    ).to_csv(csv, index=False)  # fmt: skip
    raw = read_prism(FIXTURE / "utterances.jsonl", csv)
    assert raw.annotators.to_dict(orient="records") == [
        {"annotator_id": "u1", "gender": "Female", "region": "Asia", "religion": "Muslim"}
    ]


def test_wrong_layout_names_the_missing_columns(tmp_path: Path) -> None:
    bad = tmp_path / "utterances.jsonl"
    bad.write_text('{"user_id": "u1", "score": 5}\n', encoding="utf-8")
    with pytest.raises(InputError, match="missing conversation_id, turn, within_turn_id"):
        read_prism(bad)
