"""Rater metadata of the public data sets, checked against the raw exports.

CREHate and MultiPICo carry the metadata problems real exports have: MultiPICo writes
``DATA_EXPIRED`` (Prolific's code for data past its retention) and ``Prefer not to say``,
CREHate ``not_answer`` and blanks; CREHate's pool includes one rater aged 17 on a
hate-speech task. Each figure the audit reports is recounted here from the raw CSV/JSON
with code written for the test (its own no-answer spellings, its own age bands).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

import labelaudit
from labelaudit.bundle.attributes import is_undisclosed
from realdata.converters import MULTIPICO_META, crehate_bundle, multipico_bundle

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

FAST = {"n_boot": 0, "n_permutations": 0, "quiet": True}
#: the no-answer spellings found by reading the two raw files
RAW_CODES = {"DATA_EXPIRED", "Prefer not to say", "not_answer", ""}


@pytest.fixture(scope="module")
def bundles(shared_data, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rater_metadata")
    return {
        "crehate": crehate_bundle(shared_data, root / "crehate"),
        "multipico": multipico_bundle(shared_data, root / "multipico"),
    }


@pytest.fixture(scope="module")
def results(bundles) -> dict:
    return {name: labelaudit.audit(path, **FAST) for name, path in bundles.items()}


def _crehate_people(shared: Path) -> tuple[list[dict], dict[str, dict]]:
    """Raw rows, and per rater the first non-blank value of each attribute (as converted)."""
    with open(shared / "crehate" / "CREHate_raw_annotations.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    people: dict[str, dict] = {}
    for r in rows:
        person = people.setdefault(r["annotator_id"], {})
        for k, v in r.items():
            if v != "" and k not in person:
                person[k] = v
    return rows, people


def _multipico_meta(shared: Path) -> dict[str, dict]:
    return json.loads((shared / "multipico" / "MP__MP_annotators_meta.json").read_text())


def _finding(result, rule: str) -> list:
    return [f for f in result.findings if f.rule == rule]


@pytest.mark.parametrize("name", ["crehate", "multipico"])
def test_no_undisclosed_code_names_a_group_in_any_table(results, name):
    result = results[name]
    seen = set()
    for table in result.metrics.values():
        if "group" in table.columns:
            for g in table["group"].dropna():
                seen |= {part for part in str(g).split("×")}
    assert seen, "no grouped table at all"
    assert not {g for g in seen if is_undisclosed(g) or g in RAW_CODES}


def test_multipico_completeness_counts_every_expired_or_withheld_value(results, shared_data):
    meta = _multipico_meta(shared_data)
    comp = results["multipico"].metrics["metadata_completeness"].set_index("attribute")
    for raw_name, attr in MULTIPICO_META.items():
        missing = sum(
            1
            for m in meta.values()
            if m.get(raw_name) is None
            or (isinstance(m[raw_name], float) and math.isnan(m[raw_name]))
            or m[raw_name] in RAW_CODES
        )
        assert comp.loc[attr, "n_missing"] == missing, attr
    assert comp.loc["employment_status", "n_missing"] == 109
    (la407,) = _finding(results["multipico"], "LA407")
    assert la407.subject == {"attribute": "employment_status"}
    assert la407.evidence["codes"] == {"DATA_EXPIRED": 109}


def test_crehate_not_answer_counts_as_undisclosed(results, shared_data):
    _, people = _crehate_people(shared_data)
    comp = results["crehate"].metrics["metadata_completeness"].set_index("attribute")
    col = "gender_sexual_orientation"
    missing = sum(1 for p in people.values() if p.get(col, "") in RAW_CODES)
    assert missing == 17 and comp.loc[col, "n_missing"] == missing
    # "None" is CREHate's answer for no religion (544 raters): a group, not a gap
    religions = results["crehate"].metrics["representation"].query("attribute == 'religion'")
    assert religions.set_index("group").loc["None", "n_annotators"] == sum(
        1 for p in people.values() if p.get("religion") == "None"
    )


def test_crehate_ages_form_census_bands(results, shared_data):
    _, people = _crehate_people(shared_data)

    def band(age: float) -> str:  # the ACS groups, written out independently
        for lo, hi in ((0, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64)):
            if lo <= age <= hi:
                return "under 18" if lo == 0 else f"{lo}-{hi}"
        return "65+"

    expected = pd.Series([band(float(p["age"])) for p in people.values() if "age" in p])
    rep = results["crehate"].metrics["representation"].query("attribute == 'age'")
    visible = rep[~rep["suppressed"].astype(bool)].set_index("group")["n_annotators"]
    counts = expected.value_counts()
    k = 5  # the default smallest group shown
    small = sorted(g for g, n in counts.items() if n < k)
    assert small == ["under 18"] and counts["under 18"] == 1
    # the one rater under 18 is a group of one: folded into an unnamed row, never named
    folded = "1 other value (fewer than 5 raters)"
    assert set(rep["group"]) == (set(counts.index) - set(small)) | {folded}
    assert bool(rep.set_index("group").loc[folded, "suppressed"])
    for group, n in visible.items():
        assert n == counts[group]
    # a band of k or more raters is either shown with its true count or hidden as the
    # complement that would give the hidden one back (total minus the shown bands)
    by_group = rep.set_index("group")
    for group in set(counts.index) - set(small) - set(visible.index):
        assert by_group.loc[group, "suppressed_reason"] == "complementary", group
    assert len(visible) >= len(counts) - len(small) - 1


def test_crehate_minor_raises_a_high_finding(results, shared_data):
    rows, people = _crehate_people(shared_data)
    minors = {a for a, p in people.items() if "age" in p and float(p["age"]) < 18}
    assert minors == {"1002"}
    pairs = {(r["ID"], r["annotator_id"]) for r in rows}  # duplicates are kept once
    theirs = sum(1 for _, a in pairs if a in minors)
    (finding,) = _finding(results["crehate"], "LA409")
    assert finding.severity == "high" and finding.subject == {"attribute": "age"}
    assert finding.evidence["n_annotators"] == 1
    assert finding.evidence["n_judgments"] == theirs == 75
    assert finding.evidence["judgment_share"] == pytest.approx(theirs / len(pairs))
    assert finding.evidence["fields"] == ["hate"]


def test_multipico_has_no_minor(results, shared_data):
    ages = [m["Age"] for m in _multipico_meta(shared_data).values() if m.get("Age") == m.get("Age")]
    assert min(a for a in ages if a is not None) >= 18
    assert _finding(results["multipico"], "LA409") == []


@pytest.mark.parametrize("name", ["crehate", "multipico"])
def test_no_alphabetical_default_artefact_on_real_pools(results, name):
    assert _finding(results[name], "LA410") == []


def test_revoked_consent_on_multipico_equals_deleting_the_raters(bundles, tmp_path):
    """Three raters marked CONSENT_REVOKED give the figures of an export without them."""
    src = bundles["multipico"]
    ann = pd.read_parquet(src / "annotators.parquet")
    judg = pd.read_parquet(src / "judgments.parquet")
    gone = ["Ann0", "Ann1", "Ann2"]

    def copy(dest: Path, a: pd.DataFrame, j: pd.DataFrame) -> Path:
        dest.mkdir()
        a.to_parquet(dest / "annotators.parquet", index=False)
        j.to_parquet(dest / "judgments.parquet", index=False)
        for name in ("items.parquet", "schema.yaml"):
            (dest / name).write_bytes((src / name).read_bytes())
        return dest

    marked = ann.copy()
    marked.loc[marked["annotator_id"].isin(gone), "gender"] = "CONSENT_REVOKED"
    revoked = labelaudit.audit(copy(tmp_path / "revoked", marked, judg), **FAST)
    keep = ~judg["annotator_id"].isin(gone)
    clean = copy(tmp_path / "clean", ann[~ann["annotator_id"].isin(gone)], judg[keep])
    deleted = labelaudit.audit(clean, **FAST)
    for name in ("agreement", "representation", "metadata_completeness"):
        pd.testing.assert_frame_equal(revoked.metrics[name], deleted.metrics[name])
    (la016,) = _finding(revoked, "LA016")
    assert la016.evidence["n_annotators"] == 3
    assert la016.evidence["n_judgments"] == int((~keep).sum()) > 0
    assert revoked.summary["annotators"] == 503
