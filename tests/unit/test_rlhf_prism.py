"""sources.prism on a small hand-written fixture in the PRISM layout."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from labelaudit.analyses.rlhf import rlhf_analysis
from labelaudit.config import AuditConfig
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


def prism_bundle():
    from labelaudit.bundle.build import build_bundle

    raw = read_prism(FIXTURE / "utterances.jsonl", FIXTURE / "survey.jsonl")
    return build_bundle(raw, AuditConfig())


def test_prism_bundle_position_bias_end_to_end() -> None:
    out = rlhf_analysis(prism_bundle(), AuditConfig(group_by=["gender"]))
    overall = out.tables["position_bias"].iloc[0]
    # 11 comparisons: six "a" (first shown), three "b", two ties
    assert (overall["n_judgments"], overall["first_wins"]) == (9, 6)
    assert overall["tie_rate"] == pytest.approx(2 / 11)
    # one rater per turn-level comparison: no group can be compared with others
    assert out.tables["preference_divergence"]["n_items_compared"].tolist() == [0, 0, 0]


def test_prism_divergence_pooled_by_model_pair() -> None:
    cfg = AuditConfig(group_by=["gender"], n_permutations=0)
    cfg.preference_unit = "model_pair"  # not an AuditConfig field yet: read with getattr
    out = rlhf_analysis(prism_bundle(), cfg)
    div = out.tables["preference_divergence"].set_index("group")
    # x vs y: user1 tie, user2 y, user3 tie -> y. x vs z: user1 x, user2 z -> tie.
    # y vs z: user1 y, user2 y -> y. w vs *: user1 only; c1 turn 1 is w vs w (dropped).
    female, male = div.loc["Female"], div.loc["Male"]
    assert (female["n_items_compared"], female["n_flipped"]) == (3, 0)
    assert female["agrees_with_pooled_share"] == pytest.approx(1 / 3)  # y vs z
    assert female["decisive_share"] == pytest.approx(1 / 3)  # x vs z: without her, z
    assert (male["n_items_compared"], male["agrees_with_pooled_share"]) == (3, pytest.approx(2 / 3))
    assert male["decisive_share"] == pytest.approx(2 / 3)  # x vs y and x vs z
    nb = div.loc["Non-binary / third gender"]
    assert (nb["n_items_compared"], nb["agrees_with_pooled_share"], nb["decisive_share"]) == (
        1,
        0,
        0,
    )
    assert out.facts["rlhf"]["comparison_unit"] == "model_pair"
    # position bias still reads each turn's display order
    assert out.tables["position_bias"].iloc[0]["first_wins"] == 6


def _rows() -> list[dict]:
    """The fixture's utterance rows, to edit into a broken copy."""
    lines = (FIXTURE / "utterances.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_balanced_only_keeps_flagged_rows_and_counts_the_rest(tmp_path: Path) -> None:
    rows = _rows()
    for r in rows:  # c3 (two responses, one tie) outside the balanced subset
        r["included_in_balanced_subset"] = r["conversation_id"] != "c3"
    raw = read_prism(_write(tmp_path / "u.jsonl", rows), balanced_only=True)
    assert len(raw.judgments) == 10 and "c3:0:0-1" not in set(raw.judgments["item_id"])
    assert raw.source["left_out"] == {"utterances outside the balanced subset": 2}
    # without the option nothing is filtered
    assert len(read_prism(tmp_path / "u.jsonl").judgments) == 11


def test_balanced_only_needs_the_flag(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "included_in_balanced_subset"} for r in _rows()]
    with pytest.raises(InputError, match="included_in_balanced_subset"):
        read_prism(_write(tmp_path / "u.jsonl", rows), balanced_only=True)


def test_a_row_without_its_key_is_bad_input_naming_the_row(tmp_path: Path) -> None:
    rows = _rows()
    del rows[4]["user_id"]  # fifth data row
    with pytest.raises(InputError) as exc:
        read_prism(_write(tmp_path / "u.jsonl", rows))
    assert "column 'user_id', row 5: 1 utterance(s) without user_id" in exc.value.render()


def test_repeated_response_position_is_bad_input(tmp_path: Path) -> None:
    rows = _rows()
    with pytest.raises(InputError, match="more than once in a turn") as exc:
        read_prism(_write(tmp_path / "u.jsonl", rows + rows[:1]))
    assert "rows 1, 14" in exc.value.render()


def test_unconvertible_rows_are_counted_by_reason(tmp_path: Path) -> None:
    rows = _rows()
    rows[0]["score"] = "n/a"  # c1 turn 0 keeps three rated responses: 3 pairs, not 6
    rows[12]["user_id"] = "user9"  # c3's two responses now name two raters
    raw = read_prism(_write(tmp_path / "u.jsonl", rows))
    assert len(raw.judgments) == 11 - 3 - 1
    assert raw.skipped_rows == {
        "utterance without a score": 1,
        "utterance whose score is not a number": 1,
        "turn with a single rated response (nothing to compare)": 1,
        "turn whose responses name more than one user_id": 1,
    }


def test_utterances_passed_as_survey_is_refused() -> None:
    with pytest.raises(InputError, match="no demographic keys"):
        read_prism(FIXTURE / "utterances.jsonl", FIXTURE / "utterances.jsonl")
