"""The privacy release: cell suppression across linked tables, names, pseudonyms, k."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from labelaudit.config import AuditConfig
from labelaudit.errors import InputError
from labelaudit.privacy import k_notice, pseudonym_key, pseudonymise, release_tables
from labelaudit.privacy.keys import KEY_FILE
from labelaudit.stats.disclosure import Relation, feasible_ranges, protect, recovered


# ------------------------------------------------------------------ the engine
def test_one_small_group_takes_the_next_smallest_with_it():
    sizes = {"Europe": 30, "Asia": 8, "Oceania": 2, "Africa": 0}
    hidden, given_up = protect([sizes], [Relation(None, tuple(sizes))], 5)
    assert hidden == {"Oceania": "small", "Asia": "complementary"} and given_up == []
    # two small groups already hide each other
    hidden, _ = protect([{"A": 30, "B": 2, "C": 3}], [Relation(None, ("A", "B", "C"))], 5)
    assert hidden == {"B": "small", "C": "small"}


def test_a_complement_too_close_to_k_is_not_enough():
    # 1 + 5 = 6: knowing the 5 is ">= k" and the 1 is "1..4" leaves the 1 exactly
    sizes = {"A": 40, "B": 5, "C": 1, "D": 9}
    hidden, _ = protect([sizes], [Relation(None, tuple(sizes))], 5)
    assert hidden == {"C": "small", "D": "complementary"}  # B (5) would leave C at 1
    unknown = {c: (1, 4) if c == "C" else (5, math.inf) for c in hidden}
    assert not recovered(feasible_ranges(sizes, [Relation(None, tuple(sizes))], unknown)["C"])


def test_marginal_minus_intersection_is_protected_across_tables():
    # region=Europe (8) is shown; Europe x male (7) is shown: Europe x female (1) would be
    # Europe - Europe x male. The complement must come from the linked tables.
    cells = {
        ("EU",): 8, ("AS",): 40, ("m",): 27, ("f",): 21,
        ("EU", "m"): 7, ("EU", "f"): 1, ("AS", "m"): 20, ("AS", "f"): 20,
    }  # fmt: skip
    rel = [
        Relation(None, (("EU",), ("AS",))),
        Relation(None, (("m",), ("f",))),
        Relation(("EU",), (("EU", "m"), ("EU", "f"))),
        Relation(("AS",), (("AS", "m"), ("AS", "f"))),
        Relation(("m",), (("EU", "m"), ("AS", "m"))),
        Relation(("f",), (("EU", "f"), ("AS", "f"))),
    ]
    hidden, _ = protect([cells], rel, 5)
    assert ("EU", "f") in hidden
    unknown = {c: (1, 4) if cells[c] < 5 else (5, math.inf) for c in hidden}
    ranges = feasible_ranges(cells, rel, unknown)
    assert not any(recovered(ranges[c]) for c in hidden)


def test_a_split_report_counts_as_a_linked_table():
    # a cell printed only by a split report is unknown when that report is not written
    cells = {("s1",): 3, ("s2",): 30, ("s1", "x"): 3, ("s2", "x"): 30}
    rel = [
        Relation(None, (("s1",), ("s2",))),
        Relation(("s1",), (("s1", "x"),)),
        Relation(("s2",), (("s2", "x"),)),
    ]
    hidden, _ = protect([cells], rel, 5, controls={("s1",): {("s1", "x")}, ("s2",): {("s2", "x")}})
    assert ("s1",) in hidden and ("s2",) in hidden  # the split total gives s1 back otherwise


# --------------------------------------------------------------- a grouped table
def _agreement(rows):
    return pd.DataFrame(
        [
            {"field": "f", "scope": "within", "attribute": a, "group": g, "alpha": 0.5,
             "n_annotators": n, "n_items": 40, "suppressed": False}
            for a, g, n in rows
        ]
    )  # fmt: skip


def test_rows_are_hidden_by_their_own_count_and_the_names_of_small_groups_folded():
    t = _agreement(
        [("gender", "female", 30), ("gender", "male", 26), ("gender", "non-binary", 2),
         ("gender", "Two-Spirit, which I describe at length here", 1)]
    )  # fmt: skip
    out = release_tables({"agreement": t}, k=5)["agreement"].set_index("group")
    assert "non-binary" not in out.index and not any("Two-Spirit" in g for g in out.index)
    folded = out.loc["2 other values (each fewer than 5 raters)"]
    assert folded["suppressed"] and folded["suppressed_reason"] == "small"
    assert pd.isna(folded["alpha"]) and pd.isna(folded["n_annotators"])
    assert not out.loc["female", "suppressed"] and out.loc["female", "alpha"] == 0.5


def test_a_single_small_group_hides_a_complement_with_the_right_reason():
    # pool shares give the attribute's total away: the 2 would be total - 30 - 26
    rows = [("gender", "female", 30), ("gender", "male", 26), ("gender", "nb", 2)]
    t = pd.DataFrame(
        [{"attribute": a, "group": g, "n_annotators": n, "pool_share": n / 58,
          "suppressed": False} for a, g, n in rows]
    )  # fmt: skip
    out = release_tables({"representation": t}, k=5)["representation"].set_index("group")
    assert out.loc["male", "suppressed_reason"] == "complementary"
    assert pd.isna(out.loc["male", "n_annotators"]) and pd.isna(out.loc["male", "pool_share"])
    assert out.loc["1 other value (fewer than 5 raters)", "suppressed_reason"] == "small"
    # within-group agreement counts cover other raters for each attribute: no total to
    # subtract from, so the small row is hidden alone
    alone = release_tables({"agreement": _agreement(rows)}, k=5)["agreement"]
    assert alone.set_index("group").loc["male", "suppressed"] == False  # noqa: E712


def test_examples_of_hidden_groups_are_dropped_and_ids_pseudonymised():
    tables = {
        "contested_examples": pd.DataFrame(
            [
                {
                    "attribute": "region",
                    "group": "Oceania",
                    "item_id": "i1",
                    "text": "x",
                    "n_annotators": 2,
                },
                {
                    "attribute": "region",
                    "group": "Europe",
                    "item_id": "i2",
                    "text": "y",
                    "n_annotators": 30,
                },
            ]
        ),  # fmt: skip
        "annotator_agreement": pd.DataFrame(
            {"annotator_id": ["ann-1", "ann-2"], "agreement": [0.5, 0.9]}
        ),
    }
    out = release_tables(tables, k=5, key=b"s")
    assert list(out["contested_examples"]["group"]) == ["Europe"]
    ids = list(out["annotator_agreement"]["annotator_id"])
    assert all(i.startswith("rater-") for i in ids) and "ann-1" not in ids
    assert ids == list(pseudonymise(pd.Series(["ann-1", "ann-2"]), b"s"))
    vendor = release_tables(tables, k=5, audience="vendor")
    assert "annotator_agreement" not in vendor


# --------------------------------------------------------------------- keys, k
def test_the_pseudonym_key_comes_from_config_env_or_a_stored_random_key(tmp_path, monkeypatch):
    monkeypatch.delenv("LABELAUDIT_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    first = pseudonym_key(None)
    path = tmp_path / "labelaudit" / KEY_FILE
    assert path.is_file() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert pseudonym_key(None) == first and len(first) >= 64  # reused, 32 random bytes
    monkeypatch.setenv("LABELAUDIT_PSEUDONYM_KEY", "from-env")
    assert pseudonym_key(None) == b"from-env"
    assert pseudonym_key("from-config") == b"from-config"


def test_an_unwritable_data_directory_is_bad_input_not_a_crash(tmp_path, monkeypatch):
    monkeypatch.delenv("LABELAUDIT_PSEUDONYM_KEY", raising=False)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    with pytest.raises(InputError, match="pseudonym key"):
        pseudonym_key(None)


def test_lowering_k_is_announced():
    assert k_notice(AuditConfig(min_group_size=5), "x") is None
    assert "groups of 2 to 4 raters are shown" in k_notice(AuditConfig(min_group_size=2), "x")
    assert "no group is suppressed" in k_notice(AuditConfig(min_group_size=1), "x")
