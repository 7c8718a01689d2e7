"""Rater metadata as exports carry it: "no answer" codes, consent, minors, age bands,
alphabetical-default artefacts, unrecognised values, duplicate ids.

Each case is a small bundle written as CSV files (what a user hands over), loaded or
audited end to end; the expected figures are counted here from the rows written.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labelaudit
from labelaudit.bundle.attributes import UNDISCLOSED, is_undisclosed, undisclosed_key
from labelaudit.cli import main
from labelaudit.config import AuditConfig
from labelaudit.pipeline import load_bundle

FAST = {"n_boot": 0, "n_permutations": 0, "quiet": True}
#: spellings the issue and the real data sets use for "no answer", as written
NO_ANSWER = ["no response", "prefer not to disclose", "nan", "N/A", "null", "DATA_EXPIRED",
             "Prefer not to say", "rather not say", "not_answer", "-", "unknown", "not given",
             "I'd rather not say", "PREFER_NOT_TO_SAY", " n/a "]  # fmt: skip


def _write(
    folder: Path, raters: list[dict], items_per_rater: int = 6, n_items: int = 40, seed: int = 0
) -> tuple[Path, dict[str, int]]:
    """A bundle where rater k judges ``items_per_rater`` items; returns it and rows per rater."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows, per = [], {}
    for k, r in enumerate(raters):
        aid = r["annotator_id"]
        for j in range(items_per_rater):
            item = (k * 7 + j * 3) % n_items
            rows.append((f"i{item}", aid, str(rng.choice(["toxic", "not_toxic"]))))
        per[aid] = items_per_rater
    with open(folder / "judgments.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "annotator_id", "label"])
        w.writerows(rows)
    cols = list(dict.fromkeys(c for r in raters for c in r))
    with open(folder / "annotators.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(raters)
    (folder / "schema.yaml").write_text(
        "fields:\n  label:\n    level: nominal\n    values: [toxic, not_toxic]\n"
    )
    return folder, per


def _group_values(result) -> set[str]:
    """Every value of every ``group`` column of every metric table."""
    out: set[str] = set()
    for table in result.metrics.values():
        if "group" in table.columns:
            out |= {str(g) for g in table["group"].dropna()}
    return out


# ------------------------------------------------------------------ no answer
def test_the_builtin_list_covers_the_spellings_seen_in_exports():
    assert all(is_undisclosed(v) for v in NO_ANSWER)
    # real answers that look like gaps stay answers: a religion, Namibia, a region
    assert not any(is_undisclosed(v) for v in ["None", "NA", "Other", "Africa", "0"])
    assert all(undisclosed_key(c) == c for c in UNDISCLOSED)  # the list is written as compared


def test_no_answer_codes_never_form_a_group_and_are_counted(tmp_path):
    genders = ["female", "male"] * 10 + NO_ANSWER
    raters = [{"annotator_id": f"r{k}", "gender": g} for k, g in enumerate(genders)]
    bundle, _ = _write(tmp_path / "b", raters)
    result = labelaudit.audit(bundle, min_group_size=1, **FAST)
    groups = _group_values(result)
    assert {"female", "male"} <= groups
    assert not [g for g in groups if is_undisclosed(g) or g.strip() in NO_ANSWER]
    comp = result.metrics["metadata_completeness"].set_index("attribute")
    assert comp.loc["gender", "n_missing"] == len(NO_ANSWER)
    la407 = [f for f in result.findings if f.rule == "LA407"]
    assert len(la407) == 1 and la407[0].evidence["n_missing"] == len(NO_ANSWER)
    assert "'DATA_EXPIRED' (1 rater)" in la407[0].message
    # what the export wrote, counted per spelling ("nan" is kept as text by the CSV reader)
    assert sum(la407[0].evidence["codes"].values()) == len(NO_ANSWER)


def test_configured_codes_apply_to_all_or_to_one_attribute(tmp_path):
    raters = [
        {"annotator_id": f"r{k}", "gender": g, "country": c}
        for k, (g, c) in enumerate([("female", "KE"), ("male", "skipped"), ("skipped", "DE")] * 4)
    ]
    bundle, _ = _write(tmp_path / "b", raters)
    everywhere = load_bundle(AuditConfig(bundle=bundle, undisclosed_values=["Skipped"]))
    assert everywhere.annotators["gender"].isna().sum() == 4
    assert everywhere.annotators["country"].isna().sum() == 4
    per_attr = load_bundle(AuditConfig(bundle=bundle, undisclosed_values={"gender": ["skipped"]}))
    assert per_attr.annotators["gender"].isna().sum() == 4
    assert (per_attr.annotators["country"] == "skipped").sum() == 4
    assert per_attr.undisclosed_codes == {"gender": {"skipped": 4}}


@pytest.mark.parametrize(
    "toml,needle",
    [
        ("undisclosed_values = 7\n", "undisclosed_values must be a list of strings"),
        ('[undisclosed_values]\ngender = "x"\n', "undisclosed_values.gender"),
        ('[undisclosed_values]\nshoe_size = ["x"]\n', "'shoe_size', which is not an annotator"),
        ("age_bands = [30, 18]\n", "age_bands must be increasing whole numbers"),
    ],
)
def test_bad_rater_settings_exit_2_naming_the_setting(tmp_path, capsys, toml, needle):
    bundle, _ = _write(tmp_path / "b", [{"annotator_id": "a", "gender": "f"}])
    (bundle / "labelaudit.toml").write_text(toml)
    assert main(["audit", str(bundle), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


# ------------------------------------------------------------------ consent
def test_revoked_consent_takes_raters_out_of_every_statistic(tmp_path):
    raters = [{"annotator_id": f"r{k}", "gender": "female" if k % 2 else "male",
               "consent": "yes", "withdrawn": "no"} for k in range(20)]  # fmt: skip
    raters[3]["gender"] = "CONSENT_REVOKED"
    raters[4]["consent"] = "false"
    raters[5]["withdrawn"] = "TRUE"
    gone = {"r3", "r4", "r5"}
    bundle, per = _write(tmp_path / "b", raters)
    result = labelaudit.audit(bundle, min_group_size=1, **FAST)
    overall = result.metrics["agreement"].query("scope == 'overall'").iloc[0]
    # agreement counts judgments on items that someone else also judged
    with open(bundle / "judgments.csv", newline="") as fh:
        kept = [r for r in csv.DictReader(fh) if r["annotator_id"] not in gone]
    per_item = Counter(r["item_id"] for r in kept)
    assert overall["n_judgments"] == sum(n for n in per_item.values() if n > 1)
    assert overall["n_annotators"] == 17 and result.summary["annotators"] == 17
    # the same figures as an export from which the three raters were deleted
    clean, _ = _write(tmp_path / "clean", [r for r in raters if r["annotator_id"] not in gone])
    with open(clean / "judgments.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["item_id", "annotator_id", "label"])
        w.writeheader()
        w.writerows(kept)
    expected = labelaudit.audit(clean, min_group_size=1, **FAST).metrics["agreement"]
    pd.testing.assert_frame_equal(result.metrics["agreement"], expected)
    la016 = [f for f in result.findings if f.rule == "LA016"]
    assert len(la016) == 1 and la016[0].severity == "high"
    assert la016[0].evidence["n_annotators"] == 3
    assert la016[0].evidence["n_judgments"] == sum(per[a] for a in gone)
    assert "Delete them from the export" in la016[0].message
    assert "'CONSENT_REVOKED' in 'gender'" in la016[0].message
    # the control columns are not demographics: no table groups by them
    attrs = {a for t in result.metrics.values() if "attribute" in t for a in t["attribute"]}
    assert not attrs & {"consent", "withdrawn"}


def test_a_bare_withdrawn_outside_consent_columns_is_an_answer(tmp_path):
    raters = [{"annotator_id": f"r{k}", "student_status": "withdrawn" if k < 5 else "enrolled"}
              for k in range(10)]  # fmt: skip
    bundle, _ = _write(tmp_path / "b", raters)
    b = load_bundle(AuditConfig(bundle=bundle))
    assert len(b.annotator_ids) == 10 and not [i for i in b.issues if i.code == "LA016"]


# ------------------------------------------------------------------ minors, ages
def _minors(result):
    return [f for f in result.findings if f.rule == "LA409"]


@pytest.mark.parametrize(
    "ages,n,severity",
    [
        ([16, 17] + [30] * 18, 2, "high"),
        (["<18", "13-17", "under 18"] + ["25-34"] * 17, 3, "high"),
        (["15-24"] * 4 + ["25-34"] * 16, 4, "medium"),
    ],
)
def test_raters_under_18_raise_a_finding_with_count_share_and_fields(tmp_path, ages, n, severity):
    raters = [{"annotator_id": f"r{k}", "age": a} for k, a in enumerate(ages)]
    bundle, per = _write(tmp_path / "b", raters)
    result = labelaudit.audit(bundle, **FAST)
    (finding,) = _minors(result)
    assert finding.severity == severity
    assert finding.evidence["n_annotators"] == n
    assert finding.evidence["n_judgments"] == 6 * n
    assert finding.evidence["judgment_share"] == pytest.approx(6 * n / sum(per.values()))
    assert finding.evidence["fields"] == ["label"]
    assert "age was verified" in finding.message and "'label'" in finding.message


def test_adults_raise_no_minor_finding(tmp_path):
    raters = [{"annotator_id": f"r{k}", "age": 18 + k} for k in range(20)]
    result = labelaudit.audit(_write(tmp_path / "b", raters)[0], **FAST)
    assert _minors(result) == []


def test_numeric_ages_are_binned_into_census_bands_before_grouping(tmp_path):
    ages = [17, 18, 24, 25, 34, 40, 50, 60, 64, 65, 88, "prefer not to say"] * 2
    raters = [{"annotator_id": f"r{k}", "age": a} for k, a in enumerate(ages)]
    bundle, _ = _write(tmp_path / "b", raters)
    b = load_bundle(AuditConfig(bundle=bundle))
    assert b.annotators["age"].value_counts().to_dict() == {
        "18-24": 4, "55-64": 4, "65+": 4, "25-34": 4, "under 18": 2, "35-44": 2, "45-54": 2,
    }  # fmt: skip
    assert b.annotators["age"].isna().sum() == 2
    other = load_bundle(AuditConfig(bundle=bundle, age_bands=[18, 30, 50]))
    assert set(other.annotators["age"].dropna()) == {"under 18", "18-29", "30-49", "50+"}


def test_implausible_ages_are_listed_not_grouped(tmp_path):
    raters = [{"annotator_id": f"r{k}", "age": 999 if k < 5 else 30 + k} for k in range(12)]
    b = load_bundle(AuditConfig(bundle=_write(tmp_path / "b", raters)[0]))
    assert b.annotators["age"].isna().sum() == 5
    (issue,) = [i for i in b.issues if i.code == "LA017"]
    assert issue.subject == {"attribute": "age"} and "'999' (5 raters)" in issue.message


# ------------------------------------------------------------------ artefacts
def _pool(first: int, seed: int = 0) -> list[dict]:
    """200 raters over 20 countries; ``first`` of them say Afghanistan (AF)."""
    countries = ["KE", "NG", "IN", "BR", "DE", "FR", "US", "GB", "MX", "PH",
                 "ID", "EG", "PK", "JP", "VN", "TR", "PL", "CO", "ZA", "AR"]  # fmt: skip
    rng = np.random.default_rng(seed)
    values = ["AF"] * first + list(rng.choice(countries, size=200 - first))
    return [{"annotator_id": f"r{k}", "country": c} for k, c in enumerate(values)]


def test_a_planted_alphabetical_default_is_flagged_by_name(tmp_path):
    result = labelaudit.audit(_write(tmp_path / "b", _pool(30), n_items=80)[0], **FAST)
    hits = [f for f in result.findings if f.rule == "LA410"]
    assert [f.subject for f in hits] == [{"attribute": "country", "group": "AF"}]
    ev = hits[0].evidence
    assert ev["n_annotators"] == 30 and ev["basis"] == "rest of list" and ev["ratio"] >= 3
    assert "entry 1 of the alphabetical countries list" in hits[0].message


def test_a_first_option_at_a_typical_count_is_not_flagged(tmp_path):
    result = labelaudit.audit(_write(tmp_path / "b", _pool(9), n_items=80)[0], **FAST)
    assert [f for f in result.findings if f.rule == "LA410"] == []
    row = result.metrics["list_defaults"].iloc[0]
    assert row["group"] == "AF" and row["ratio"] < 3


def test_an_uninhabited_place_is_flagged_and_a_rare_default_never_named(tmp_path):
    raters = _pool(0)
    for k in range(5):
        raters[k]["country"] = "Antarctica"
    for k in range(5, 7):
        raters[k]["country"] = "Åland Islands"
    result = labelaudit.audit(_write(tmp_path / "b", raters, n_items=80)[0], **FAST)
    hits = [f for f in result.findings if f.rule == "LA410"]
    assert [f.subject["group"] for f in hits] == ["Antarctica"]
    table = result.metrics["list_defaults"]
    # held by 2 raters: folded into "N other values", its name printed nowhere
    assert "Åland Islands" not in set(table["group"].astype(str))
    assert "Åland" not in " ".join(f.message for f in result.findings)
    assert "Åland" not in result.to_json() and "Åland" not in result.to_html()


# ------------------------------------------------------------------ unrecognised values
def test_unrecognised_countries_and_languages_are_listed_by_value(tmp_path):
    raters = [{"annotator_id": f"r{k}", "country": "KE", "languages": "English; Swahili"}
              for k in range(10)]  # fmt: skip
    for k in range(6):
        raters[k]["country"] = "Narnia"
    raters[6]["country"] = "Atlantis"
    for k in range(5):
        raters[k]["languages"] = "en-GB;klingon"
    b = load_bundle(AuditConfig(bundle=_write(tmp_path / "b", raters)[0]))
    assert b.annotators["languages"].iloc[9] == ["en", "sw"]
    issues = {i.subject["attribute"]: i for i in b.issues if i.code == "LA017"}
    assert "'Narnia' (6 raters); 1 more value held by fewer than 5 raters each" in (
        issues["country"].message
    )
    assert "Atlantis" not in issues["country"].message
    assert issues["languages"].evidence["values"] == {"klingon": 5}
    (la013,) = [i for i in b.issues if i.code == "LA013"]
    assert "7 raters with 2 country values that are not recognised have no region" in la013.message


# ------------------------------------------------------------------ duplicate ids
def test_duplicate_ids_count_distinct_ids_and_name_the_files_column(tmp_path, capsys):
    ids = ["a", "a", "a", "b", "b", "c", "c", "d"]  # 3 ids repeat, on 4 extra rows
    bundle, _ = _write(tmp_path / "b", [{"annotator_id": "a", "g": "x"}])
    (bundle / "annotators.csv").write_text("worker,g\n" + "".join(f"{i},x\n" for i in ids))
    judgments = (bundle / "judgments.csv").read_text().replace("annotator_id", "worker", 1)
    (bundle / "judgments.csv").write_text(judgments)
    (bundle / "labelaudit.toml").write_text('[columns]\nannotator_id = "worker"\n')
    assert main(["audit", str(bundle), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "column 'worker'" in err
    assert "3 annotator ids appear more than once ('a', 'b', 'c'; 4 extra rows)" in err
