"""metrics.process on hand-built bundles: every figure below is computed by hand."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labelaudit.stats.timing as timing
from labelaudit.analyses.process import process_analysis
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError
from labelaudit.rulebook import build_rulebook
from labelaudit.rulebook.floors import pay_floors

T0 = pd.Timestamp("2026-03-02T08:00:00Z")


def test_timing_doctests_pass() -> None:
    result = doctest.testmod(timing)
    assert result.attempted >= 6 and result.failed == 0


def row(table: pd.DataFrame, group: str | None, **match: object) -> dict:
    sel = table["group"].isna() if group is None else table["group"] == group
    for k, v in match.items():
        sel &= table[k] == v
    assert sel.sum() == 1
    return table[sel].iloc[0].to_dict()


# (item, annotator, label, seconds). North: n1, n2; South: s1, s2.
TIMED = [
    ("i1", "n1", "t", 1.0), ("i1", "n2", "t", 10.0), ("i1", "s1", "t", 12.0), ("i1", "s2", "n", 8.0),
    ("i2", "n1", "n", 20.0), ("i2", "n2", "n", 9.0), ("i2", "s1", "t", 1.5), ("i2", "s2", "n", 11.0),
    ("i3", "n1", "t", 14.0), ("i3", "n2", "t", 13.0), ("i3", "s1", "t", 0.5), ("i3", "s2", "t", 16.0),
]  # fmt: skip


def timed_bundle() -> Bundle:
    j = pd.DataFrame(TIMED, columns=["item_id", "annotator_id", "label", "lead_time_s"])
    j = j.assign(field="tox", skipped=False)
    ann = pd.DataFrame(
        {"annotator_id": ["n1", "n2", "s1", "s2"], "region": ["North", "North", "South", "South"]}
    )
    return Bundle(j, schema={"tox": FieldSpec("tox", "nominal", ["t", "n"])}, annotators=ann)


def test_fast_judgments_known_rates() -> None:
    out = process_analysis(timed_bundle(), AuditConfig())
    fast = out.tables["fast_judgments"]
    # median of the 12 times is 10.5 s, so fast = under max(2 s, 0.2 x 10.5 s) = 2.1 s:
    # n1/i1 (1.0 s), s1/i2 (1.5 s), s1/i3 (0.5 s).
    # Leave-one-out majority: n1/i1 agrees, s1/i2 does not, s1/i3 agrees -> 2/3;
    # of the 9 others only s2/i1 disagrees -> 8/9.
    overall = row(fast, None)
    assert (overall["n_judgments"], overall["n_fast"]) == (12, 3)
    assert overall["fast_share"] == 0.25
    assert overall["fast_agreement"] == pytest.approx(2 / 3)
    assert overall["other_agreement"] == pytest.approx(8 / 9)
    north, south = row(fast, "North"), row(fast, "South")
    assert north["fast_share"] == pytest.approx(1 / 6)
    assert north["rest_fast_share"] == pytest.approx(2 / 6)
    assert (north["fast_agreement"], north["other_agreement"]) == (1.0, 1.0)
    assert south["fast_share"] == pytest.approx(2 / 6)
    assert south["rest_fast_share"] == pytest.approx(1 / 6)
    assert (south["fast_agreement"], south["other_agreement"]) == (0.5, 0.75)
    assert south["n_annotators"] == 2 and south["suppressed"] is False


def test_fast_threshold_comes_from_rule_parameters() -> None:
    cfg = AuditConfig(rules={"LA501": {"min_seconds": 9.5}})
    fast = process_analysis(timed_bundle(), cfg).tables["fast_judgments"]
    # under 9.5 s: 1.0, 8.0, 9.0, 1.5, 0.5
    assert row(fast, None)["n_fast"] == 5
    settings = process_analysis(timed_bundle(), cfg).facts["process"]["settings"]
    assert settings == {"fast_min_seconds": 9.5, "fast_relative_to_median": 0.2,
                        "session_gap_minutes": 30.0, "long_session_minutes": 120.0}  # fmt: skip


def test_time_per_judgment_median_and_iqr() -> None:
    t = process_analysis(timed_bundle(), AuditConfig()).tables["timing_by_group"]
    overall = row(t, None)
    # sorted: 0.5 1 1.5 8 9 10 11 12 13 14 16 20; numpy linear quartiles at ranks 2.75, 8.25
    assert (overall["median_s"], overall["q1_s"], overall["q3_s"]) == (10.5, 6.375, 13.25)
    assert overall["iqr_s"] == 6.875
    assert row(t, "North")["median_s"] == 11.5  # 1 9 10 13 14 20
    assert row(t, "South")["median_s"] == 9.5  # 0.5 1.5 8 11 12 16


def session_bundle() -> Bundle:
    minutes = {"i1": 0, "i2": 25, "i3": 50, "i4": 75}
    labels = {"a": "tttt", "b": "tttn", "c": "ttnn"}
    rows = [
        (item, ann, labels[ann][k], T0 + pd.Timedelta(minutes=m))
        for ann in labels
        for k, (item, m) in enumerate(minutes.items())
    ]
    # d: two one-judgment sessions 100 minutes apart
    rows += [("i1", "d", "t", T0), ("i2", "d", "t", T0 + pd.Timedelta(minutes=100))]
    j = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label", "created_at"])
    j = j.assign(field="tox", skipped=False)
    ann = pd.DataFrame({"annotator_id": list("abcd"), "region": ["N", "N", "S", "S"]})
    return Bundle(j, schema={"tox": FieldSpec("tox", "nominal", ["t", "n"])}, annotators=ann)


def test_session_fatigue_by_position_in_session() -> None:
    out = process_analysis(session_bundle(), AuditConfig())
    fat = out.tables["session_fatigue"].set_index("position_bucket")
    # i1, i2 (minutes 0 and 25, and d's second session start): 8 judgments, all agree.
    # i3 at 50 min: labels t t n -> a, b see a split (left out), c disagrees -> 1 judgment, 0.
    # i4 at 75 min: labels t n n -> a disagrees, b and c see a split -> 1 judgment, 0.
    assert fat.loc["0-30 min", "n_judgments"] == 8 and fat.loc["0-30 min", "agreement"] == 1.0
    assert fat.loc["30-60 min", "n_judgments"] == 1 and fat.loc["30-60 min", "agreement"] == 0.0
    assert fat.loc["60-120 min", "n_judgments"] == 1
    assert "120+ min" not in fat.index


def test_session_lengths_by_group() -> None:
    cfg = AuditConfig(rules={"LA503": {"long_session_minutes": 60}})
    lengths = process_analysis(session_bundle(), cfg).tables["session_lengths"]
    # sessions: a 75, b 75, c 75, d 0, d 0 minutes
    overall = row(lengths, None)
    assert (overall["n_sessions"], overall["median_session_minutes"]) == (5, 75.0)
    assert overall["long_session_share"] == pytest.approx(3 / 5)
    north, south = row(lengths, "N"), row(lengths, "S")
    assert (north["median_session_minutes"], north["long_session_share"]) == (75.0, 1.0)
    assert (south["n_sessions"], south["median_session_minutes"]) == (3, 0.0)
    assert south["long_session_share"] == pytest.approx(1 / 3)
    assert south["n_annotators"] == 2


def pay_bundle() -> Bundle:
    j = pd.DataFrame(
        {"item_id": "i1", "annotator_id": list("pqrstu"), "field": "tox", "label": "t",
         "skipped": False}
    )  # fmt: skip
    ann = pd.DataFrame(
        {
            "annotator_id": list("pqrstu"),
            "country": ["KE", "KE", "KE", "DE", "DE", "IN"],
            "gender": ["f", "m", "f", "f", "m", "m"],
            "hourly_pay": [1.5, 2.5, 3.0, 14.0, 11.0, 2.0],
            "currency": ["USD", "USD", "usd", "EUR", "EUR", "INR"],
        }
    )
    return Bundle(j, schema={"tox": FieldSpec("tox", "nominal", ["t"])}, annotators=ann)


def test_pay_by_group_compares_same_currency_only() -> None:
    cfg = AuditConfig(rules={"LA504": {"floors": {"KE": 2.0, "DE": "12.41 EUR", "IN": "1 USD"}}})
    pay = process_analysis(pay_bundle(), cfg).tables["pay_by_group"]
    ke = row(pay, "KE", attribute="country")
    # KE pays 1.5, 2.5, 3.0 USD against a 2.0 USD floor: 1 of 3 below
    assert (ke["currency"], ke["n_annotators"], ke["median_hourly_pay"]) == ("USD", 3, 2.5)
    assert (ke["floor"], ke["n_compared"], ke["share_below_floor"]) == (
        2.0,
        3,
        pytest.approx(1 / 3),
    )
    de = row(pay, "DE", attribute="country")
    assert (de["median_hourly_pay"], de["share_below_floor"]) == (12.5, 0.5)
    # IN is paid in INR, its floor is in USD: not comparable, nothing converted
    inr = row(pay, "IN", attribute="country")
    assert (inr["n_compared"], inr["n_not_comparable"]) == (0, 1)
    assert pd.isna(inr["share_below_floor"])
    # gender groups use each annotator's own country floor; f = p (KE, below), r (KE), s (DE)
    f_usd = row(pay, "f", attribute="gender", currency="USD")
    assert (f_usd["n_annotators"], f_usd["share_below_floor"]) == (2, 0.5)
    assert "annotator_id" not in pay.columns


def test_pay_floors_from_csv(tmp_path: Path) -> None:
    csv = tmp_path / "floors.csv"
    csv.write_text("country,currency,hourly_floor\nKE,USD,2.6\nDE,EUR,12.41\n", encoding="utf-8")
    floors = pay_floors({"floors": {"KE": 1.0}, "floor_csv": "floors.csv"}, tmp_path)
    assert floors == {"ke": (2.6, "USD"), "de": (12.41, "EUR")}
    cfg = AuditConfig(rules={"LA504": {"floor_csv": str(csv)}})
    pay = process_analysis(pay_bundle(), cfg).tables["pay_by_group"]
    assert row(pay, "KE", attribute="country")["share_below_floor"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "params,message",
    [
        ({"floor_csv": "missing.csv"}, "cannot read the pay-floor CSV"),
        ({"floors": {"KE": "cheap"}}, "'KE' = 'cheap' is not an amount"),
        ({"floor_csv": "bad.csv"}, "hourly_floor is not a number"),
    ],
)
def test_unreadable_pay_floors_are_bad_input(tmp_path: Path, params: dict, message: str) -> None:
    """A floor that can't be read stops the audit before any analysis (exit 2), naming it."""
    (tmp_path / "bad.csv").write_text("country,currency,hourly_floor\nKE,USD,two\n")
    cfg = AuditConfig(rules={"LA504": params}, config_path=tmp_path / "labelaudit.toml")
    with pytest.raises(InputError) as err:
        build_rulebook(cfg)
    assert message in str(err.value)


def test_missing_columns_are_named_in_methods() -> None:
    j = pd.DataFrame(
        {"item_id": ["i1"], "annotator_id": ["x"], "field": "tox", "label": ["t"],
         "skipped": False}
    )  # fmt: skip
    out = process_analysis(
        Bundle(j, schema={"tox": FieldSpec("tox", "nominal", ["t"])}), AuditConfig()
    )
    assert out.tables == {}
    assert out.facts["process"]["columns"] == {
        "lead_time_s": False, "created_at": False, "hourly_pay": False,
    }  # fmt: skip
    (note,) = out.methods
    assert "judgments.lead_time_s" in note["text"] and "judgments.created_at" in note["text"]
    assert "annotators.hourly_pay" in note["text"]


def loo_reference(items: list[int], values: list[int]) -> list[float]:
    """Brute force: for each judgment, the unique majority of the item's other judgments."""
    out = []
    for k, (i, v) in enumerate(zip(items, values, strict=True)):
        others = [w for j, (i2, w) in enumerate(zip(items, values, strict=True))
                  if i2 == i and j != k]  # fmt: skip
        if not others:
            out.append(float("nan"))
            continue
        counts = {w: others.count(w) for w in set(others)}
        top = max(counts.values())
        leaders = [w for w, c in counts.items() if c == top]
        out.append(float("nan") if len(leaders) > 1 else float(leaders[0] == v))
    return out


def test_loo_majority_agreement_matches_brute_force() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = int(rng.integers(1, 25))
        n_values = int(rng.integers(1, 5))
        items = rng.integers(0, int(rng.integers(1, 6)), n)
        values = rng.integers(0, n_values, n)
        got = timing.loo_majority_agreement(items, values, n_values)
        want = np.array(loo_reference(items.tolist(), values.tolist()))
        np.testing.assert_array_equal(got, want)
