"""Full audits of the public real-data sets, checked against independent computations.

Each bundle is converted from ``../shared/data`` (``realdata.converters``), audited with
the command line as a user would run it (a ``labelaudit.toml`` beside the bundle only
lowers the resample counts), and its findings.json is compared with figures computed
here straight from the raw exports: counts with ``csv``/``json``, Krippendorff's alpha
with the ``krippendorff`` package, label shares by hand. Where the audit and the raw
files disagree, the audit is wrong.

The audits run in subprocesses, two at a time (CI has 2 cores): ``python -m labelaudit``
is what users run, and only a subprocess shows the true exit code and stderr.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import krippendorff
import numpy as np
import pytest

from realdata.converters import crehate_bundle, hsbrexit_bundle, multipico_bundle

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

#: 200 resamples instead of 1000 keep each audit well under 20 s; same code paths
FAST = "n_boot = 200\nn_permutations = 200\n"
HSB_SPLITS = ("train", "dev", "test")
HSB_FIELDS = {
    "hate": None,
    "aggressive": "aggressive language detection",
    "offensive": "offensive language detection",
}


@dataclass
class Run:
    """One finished audit: exit code, stderr, and what it wrote."""

    code: int
    stderr: str
    out: Path

    @property
    def doc(self) -> dict:
        return json.loads((self.out / "findings.json").read_text(encoding="utf-8"))

    @property
    def html(self) -> str:
        return (self.out / "report.html").read_text(encoding="utf-8")

    def table(self, name: str) -> list[dict]:
        return self.doc["metrics"].get(name, [])


# ------------------------------------------------------------------ audits
AUDITS = {
    # name: (converter, extra toml, extra CLI flags)
    "crehate": (crehate_bundle, 'group_by = ["nationality", "gender"]\n', []),
    "multipico": (multipico_bundle, 'group_by = ["nationality", "gender"]\n', []),
    # 6 annotators in two groups of 3: below the default minimum group size of 5
    "hsbrexit": (hsbrexit_bundle, "", []),
    "hsbrexit_k3": (hsbrexit_bundle, "min_group_size = 3\n", []),
    "hsbrexit_vendor": (hsbrexit_bundle, "", ["--audience", "vendor"]),
}


@pytest.fixture(scope="module")
def runs(shared_data, tmp_path_factory) -> dict[str, Run]:
    root = tmp_path_factory.mktemp("realdata_audit")

    def audit(name: str) -> Run:
        convert, toml, flags = AUDITS[name]
        bundle = convert(shared_data, root / name / "bundle")
        (bundle / "labelaudit.toml").write_text(FAST + toml, encoding="utf-8")
        out = root / name / "report"
        proc = subprocess.run(
            [sys.executable, "-m", "labelaudit", "audit", str(bundle), "--out", str(out)]
            + ["--quiet", *flags],
            capture_output=True,
            text=True,
            timeout=300,
        )
        return Run(proc.returncode, proc.stderr, out)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(AUDITS, pool.map(audit, AUDITS), strict=True))


@pytest.fixture(scope="module")
def findings_schema(shared_data) -> dict:
    path = shared_data.parent / "spec" / "findings.schema.json"
    if not path.is_file():
        pytest.fail(f"{path} missing: CI lays shared/ beside the checkout")
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ raw files
def _alpha(triples: list[tuple[str, str, str]], values: list[str]) -> float:
    """Nominal alpha with the krippendorff package; the first of duplicate pairs is kept
    (as the audit does) and values outside ``values`` are not scored."""
    first: dict[tuple[str, str], str] = {}
    for item, ann, value in triples:
        first.setdefault((item, ann), value)
    items = {i: k for k, i in enumerate(sorted({i for i, _ in first}))}
    anns = {a: k for k, a in enumerate(sorted({a for _, a in first}))}
    data = np.full((len(anns), len(items)), np.nan)
    for (item, ann), value in first.items():
        if value in values:
            data[anns[ann], items[item]] = values.index(value)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _crehate_raw(shared: Path) -> list[dict]:
    with open(shared / "crehate" / "CREHate_raw_annotations.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _multipico_raw(shared: Path) -> list[tuple[str, str, str]]:
    triples = []
    for split in ("dev", "test"):
        with open(shared / "multipico" / f"MP__MP_{split}.json", encoding="utf-8") as fh:
            for key, rec in json.load(fh).items():
                triples += [(key, ann, label) for ann, label in rec["annotations"].items()]
    return triples


def _hsbrexit_raw(shared: Path) -> dict[str, list[tuple[str, str, str, str]]]:
    """field -> (item, annotator, label, group) with group1/group2 as in the raw file."""
    out: dict[str, list] = {f: [] for f in HSB_FIELDS}
    for split in HSB_SPLITS:
        path = shared / "lewidi2023" / f"HS-Brexit_dataset__HS-Brexit_{split}.json"
        for key, rec in json.loads(path.read_text(encoding="utf-8")).items():
            anns = rec["annotators"].split(",")
            groups = rec["other_info"]["annotators group"].split(",")
            for field, other in HSB_FIELDS.items():
                raw = (
                    rec["annotations"]
                    if other is None
                    else rec["other_info"]["other annotations"][other]
                )
                out[field] += [
                    (f"{split}-{key}", a, lab, g)
                    for a, lab, g in zip(anns, raw.split(","), groups, strict=True)
                ]
    return out


def _overall(run: Run, field: str) -> dict:
    rows = [r for r in run.table("agreement") if r["field"] == field and r["scope"] == "overall"]
    assert len(rows) == 1, rows
    return rows[0]


# ------------------------------------------------------------------ every audit
@pytest.mark.parametrize("name", list(AUDITS))
def test_audit_finishes_and_writes_contract_output(runs, findings_schema, name):
    run = runs[name]
    # 0 or 1 only: 2 (bad input) or 3 (internal error) on real exports is a defect
    assert run.code in (0, 1), run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    doc = run.doc
    errors = list(jsonschema.Draft202012Validator(findings_schema).iter_errors(doc))
    assert errors == [], [e.message for e in errors[:3]]
    assert run.code == (1 if doc["summary"]["findings"]["high"] else 0)
    assert "NaN" not in (run.out / "findings.json").read_text(encoding="utf-8")
    assert sum(doc["summary"]["findings"].values()) == len(doc["findings"])


# ------------------------------------------------------------------ CREHate
def test_crehate_counts_and_overall_alpha_match_the_raw_file(runs, shared_data):
    rows = _crehate_raw(shared_data)
    run = runs["crehate"]
    summary = run.doc["summary"]
    assert (summary["judgments"], summary["items"], summary["annotators"]) == (
        len(rows),
        len({r["ID"] for r in rows}),
        len({r["annotator_id"] for r in rows}),
    )
    assert summary["fields"] == ["hate"]
    triples = [(r["ID"], r["annotator_id"], r["annotation"]) for r in rows]
    pairs = Counter((i, a) for i, a, _ in triples)
    overall = _overall(run, "hate")
    # "unsure" (code 2) is a scale point for alpha: an escape value is still a judgment
    assert overall["alpha"] == pytest.approx(_alpha(triples, ["0", "1", "2"]), abs=1e-9)
    assert overall["ci_low"] < overall["alpha"] < overall["ci_high"]
    assert (overall["n_items"], overall["n_judgments"], overall["n_annotators"]) == (
        len({i for i, _ in pairs}),
        len(pairs),  # the 19 duplicate rows are counted once each pair
        len({a for _, a in pairs}),
    )
    duplicates = [f for f in run.doc["findings"] if f["rule"] == "LA001"]
    assert len(duplicates) == 1
    assert duplicates[0]["evidence"]["duplicate_rows"] == len(rows) - len(pairs) == 19


def test_crehate_label_shares_by_nationality_match_the_raw_file(runs, shared_data):
    rows = _crehate_raw(shared_data)
    nationality: dict[str, str] = {}
    for r in rows:  # rater 647 has blank rows: the first non-blank value counts
        if r["nationality"]:
            nationality.setdefault(r["annotator_id"], r["nationality"])
    first: dict[tuple[str, str], str] = {}
    for r in rows:
        first.setdefault((r["ID"], r["annotator_id"]), r["annotation"])
    counts = Counter((nationality[a], code) for (_, a), code in first.items())
    names = {"0": "not_hate", "1": "hate", "2": "unsure"}
    shares = {
        (r["group"], r["value"]): r
        for r in runs["crehate"].table("label_shares")
        if r["attribute"] == "nationality"
    }
    assert len(shares) == 5 * 3
    for (country, code), n in counts.items():
        row = shares[(country, names[code])]
        total = sum(v for (c, _), v in counts.items() if c == country)
        assert row["n_judgments"] == n
        assert row["share"] == pytest.approx(n / total, abs=1e-12)
        assert row["suppressed"] is False


def test_crehate_within_nationality_alpha_matches_krippendorff(runs, shared_data):
    rows = _crehate_raw(shared_data)
    nationality: dict[str, str] = {}
    for r in rows:
        if r["nationality"]:
            nationality.setdefault(r["annotator_id"], r["nationality"])
    within = {
        r["group"]: r
        for r in runs["crehate"].table("agreement")
        if r["scope"] == "within" and r["attribute"] == "nationality"
    }
    assert set(within) == set(nationality.values())
    for country, row in within.items():
        mine = [
            (r["ID"], r["annotator_id"], r["annotation"])
            for r in rows
            if nationality[r["annotator_id"]] == country
        ]
        assert row["alpha"] == pytest.approx(_alpha(mine, ["0", "1", "2"]), abs=1e-9), country
        assert row["n_annotators"] == len({a for _, a, _ in mine})


def test_crehate_representation_counts_raters_per_nationality(runs, shared_data):
    rows = _crehate_raw(shared_data)
    nationality: dict[str, str] = {}
    for r in rows:
        if r["nationality"]:
            nationality.setdefault(r["annotator_id"], r["nationality"])
    raters = Counter(nationality.values())
    rep = {r["group"]: r for r in runs["crehate"].table("representation")
           if r["attribute"] == "nationality"}  # fmt: skip
    assert {g: r["n_annotators"] for g, r in rep.items()} == dict(raters)
    total = sum(raters.values())
    for group, n in raters.items():
        assert rep[group]["pool_share"] == pytest.approx(n / total, abs=1e-12)


# ------------------------------------------------------------------ MultiPICo
def test_multipico_counts_and_overall_alpha_match_the_raw_files(runs, shared_data):
    triples = _multipico_raw(shared_data)
    run = runs["multipico"]
    summary = run.doc["summary"]
    assert (
        (summary["judgments"], summary["items"], summary["annotators"])
        == (
            len(triples),
            len({i for i, _, _ in triples}),
            len({a for _, a, _ in triples}),
        )
        == (33871, 6761, 506)
    )
    overall = _overall(run, "irony")
    assert overall["alpha"] == pytest.approx(_alpha(triples, ["0", "1"]), abs=1e-9)
    assert overall["n_judgments"] == len(triples)
    assert overall["ci_low"] < overall["alpha"] < overall["ci_high"]


def test_multipico_small_nationalities_are_suppressed_everywhere(runs, shared_data):
    meta = json.loads(
        (shared_data / "multipico" / "MP__MP_annotators_meta.json").read_text(encoding="utf-8")
    )
    raters = Counter(m["Nationality"] for m in meta.values())
    small = {n for n, k in raters.items() if k < 5}
    assert small  # the data set has nationalities with 1-4 raters
    run = runs["multipico"]
    folded = 0
    for name in ("representation", "group_association", "agreement_difference", "label_shares"):
        for row in run.table(name):
            if row["attribute"] != "nationality":
                continue
            # a nationality held by fewer than 5 raters is never printed: one folded row
            assert row["group"] not in small, (name, row)
            if row["group"].endswith("(each fewer than 5 raters)"):
                folded += 1
                assert row["suppressed"] is True, (name, row)
                figures = {k: v for k, v in row.items() if k in ("n_annotators", "alpha_group",
                           "irr", "gai", "pool_share", "share", "n_judgments")}  # fmt: skip
                assert all(v is None for v in figures.values()), (name, row)
    assert folded > 0
    # and no finding is about a suppressed group
    for f in run.doc["findings"]:
        assert f["subject"].get("group") not in small, f["message"]
    rep = {r["group"]: r for r in run.table("representation") if r["attribute"] == "nationality"}
    for group, n in raters.items():
        if group not in small:  # shown with its count, or hidden to protect the small ones
            row = rep[group]
            assert row["n_annotators"] == n or row["suppressed_reason"] == "complementary"


# ------------------------------------------------------------------ HS-Brexit
def test_hsbrexit_overall_alpha_per_field_matches_the_raw_files(runs, shared_data):
    raw = _hsbrexit_raw(shared_data)
    summary = runs["hsbrexit_k3"].doc["summary"]
    assert (summary["judgments"], summary["items"], summary["annotators"]) == (3 * 6720, 1120, 6)
    assert summary["fields"] == list(HSB_FIELDS)
    for field, rows in raw.items():
        triples = [(i, a, lab) for i, a, lab, _ in rows]
        overall = _overall(runs["hsbrexit_k3"], field)
        # the 3 raw "No" labels on offensive are outside the schema: not scored (LA004)
        assert overall["alpha"] == pytest.approx(_alpha(triples, ["0", "1"]), abs=1e-9)
        assert overall["n_judgments"] == sum(lab in ("0", "1") for _, _, lab in triples)
        # group size does not change the overall figure
        assert _overall(runs["hsbrexit"], field)["alpha"] == overall["alpha"]
    la004 = [f for f in runs["hsbrexit_k3"].doc["findings"] if f["rule"] == "LA004"]
    assert len(la004) == 1 and la004[0]["evidence"]["count"] == 3


def test_hsbrexit_within_group_alpha_with_min_group_size_3(runs, shared_data):
    raw = _hsbrexit_raw(shared_data)
    names = {"group1": "target", "group2": "control"}
    rows = {
        (r["field"], r["group"]): r
        for r in runs["hsbrexit_k3"].table("agreement")
        if r["scope"] == "within"
    }
    for field, judged in raw.items():
        for raw_group, group in names.items():
            mine = [(i, a, lab) for i, a, lab, g in judged if g == raw_group]
            row = rows[(field, group)]
            assert row["suppressed"] is False
            assert row["n_annotators"] == 3
            assert row["alpha"] == pytest.approx(_alpha(mine, ["0", "1"]), abs=1e-9)
            assert row["ci_low"] <= row["alpha"] <= row["ci_high"]
    # by hand from the raw file: target 181 of 3360 judgments 'hate', control 688 of 3360
    shares = {
        (r["group"], r["value"]): r
        for r in runs["hsbrexit_k3"].table("label_shares")
        if r["field"] == "hate"
    }
    assert shares[("target", "hate")]["n_judgments"] == 181
    assert shares[("target", "hate")]["share"] == pytest.approx(181 / 3360, abs=1e-12)
    assert shares[("control", "hate")]["n_judgments"] == 688
    assert shares[("control", "hate")]["share"] == pytest.approx(688 / 3360, abs=1e-12)
    # alpha 0.58 vs 0.43 differ, but three raters per group describe individuals more than
    # a group: LA102 needs 10 raters (its info line says so), and LA104 says no
    # permutation test can decide here
    la102 = [f for f in runs["hsbrexit_k3"].doc["findings"] if f["rule"] == "LA102"]
    assert [f["severity"] for f in la102] == ["info"]
    assert la102[0]["evidence"]["too_few_raters"] == 2 * len(HSB_FIELDS)
    la104 = [f for f in runs["hsbrexit_k3"].doc["findings"] if f["rule"] == "LA104"]
    assert la104 and la104[0]["evidence"]["distinct_relabellings"] == 20


def test_hsbrexit_groups_of_3_are_suppressed_at_the_default_size(runs):
    run = runs["hsbrexit"]
    grouped = 0
    for name, rows in run.doc["metrics"].items():
        for row in rows:
            # held by 3 raters each: never named, folded into one row
            assert row.get("group") not in ("target", "control"), (name, row)
            if row.get("group") == "2 other values (each fewer than 5 raters)":
                grouped += 1
                assert row["suppressed"] is True, (name, row)
                for key in ("alpha", "irr", "xrr", "gai", "share", "pool_share", "n_annotators"):
                    assert row.get(key) is None, (name, row)
    assert grouped > 0
    for f in run.doc["findings"]:
        assert "group" not in f["subject"], f["message"]
    # the within-group alphas must not appear anywhere in the report either
    for field in HSB_FIELDS:
        for row in runs["hsbrexit_k3"].table("agreement"):
            if row["field"] == field and row["scope"] == "within":
                assert f"{row['alpha']:.3f}" not in run.html


def test_a_vendor_report_refuses_a_lower_min_group_size(shared_data, tmp_path):
    bundle = hsbrexit_bundle(shared_data, tmp_path / "bundle")
    (bundle / "labelaudit.toml").write_text(FAST + "min_group_size = 3\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "labelaudit", "audit", str(bundle), "--out", str(tmp_path / "r")]
        + ["--quiet", "--audience", "vendor"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "min_group_size = 3 is below 5, the floor for a vendor report" in proc.stderr
    assert "labelaudit.toml" in proc.stderr and not (tmp_path / "r").exists()


def test_hsbrexit_vendor_report_names_no_rater(runs):
    run = runs["hsbrexit_vendor"]
    doc = run.doc
    assert doc["run"]["config"]["audience"] == "vendor"
    for name, rows in doc["metrics"].items():
        assert not rows or "annotator_id" not in rows[0], name
    text = run.html + (run.out / "findings.json").read_text(encoding="utf-8")
    assert "rater-" not in text
    for k in range(1, 7):
        assert f'"Ann{k}"' not in text and f">Ann{k}<" not in text
    # same figures as the internal run: audience changes who sees what, not the numbers
    internal = {(r["field"], r["scope"], r["group"]): r["alpha"]
                for r in runs["hsbrexit"].table("agreement")}  # fmt: skip
    vendor = {(r["field"], r["scope"], r["group"]): r["alpha"] for r in run.table("agreement")}
    assert vendor == internal
