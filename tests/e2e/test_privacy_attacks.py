"""Attacks on the written reports: each a small bundle and the adversary's arithmetic.

The adversary (``adversary.py``) reads only what the audit wrote and knows who is in which
group. In the vendor edition it must recover nothing the report hides; in the internal
edition nothing below k. Counts of 0 can be pinned when every hidden group of a relation
has none (the README's residual risk); every other hidden count must keep at least two
possible values.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re

import pandas as pd
import pytest
from adversary import (
    attack_counts,
    attack_sizes,
    cell_of,
    everything,
    load,
    ranges,
    read_cells,
    relations,
    truth,
    whole_values,
    write_bundle,
)

from labelaudit.cli import main

K = 5
AUDIENCES = ["internal", "vendor"]


def _audit(bundle, out, *flags):
    return main(["audit", str(bundle), "--out", str(out), "--quiet", *flags])


# ----------------------------------------------------- one rater among seven
def _europe_raters():
    """Europe: 7 men and 1 woman; Asia and the Americas: large groups of both."""
    raters = [{"region": "Europe", "gender": "male"}] * 7
    raters += [{"region": "Europe", "gender": "female"}]  # the one to single out
    raters += [{"region": "Asia", "gender": g} for g in ["male"] * 15 + ["female"] * 15]
    raters += [{"region": "Americas", "gender": g} for g in ["male"] * 12 + ["female"] * 12]
    return raters


TARGET = 7  # her index: 26 "unsure" of her 30 judgments


def _label(r, attrs, j):
    if r == TARGET:
        return "unsure" if j < 26 else "no"
    if attrs["region"] == "Asia" and j % 9 == 0:
        return "unsure"
    return "yes" if (j * 7 + r) % 3 == 0 else "no"


@pytest.fixture(scope="module")
def europe(tmp_path_factory):
    root = tmp_path_factory.mktemp("europe")
    bundle = write_bundle(
        root / "bundle", _europe_raters(), _label, toml='intersections = [["region", "gender"]]\n'
    )
    outs = {}
    for audience in AUDIENCES:
        out = root / audience
        assert _audit(bundle, out, "--audience", audience) in (0, 1)
        outs[audience] = out
    return bundle, outs


@pytest.mark.parametrize("audience", AUDIENCES)
def test_marginal_minus_intersection_recovers_nobody(europe, audience):
    bundle, outs = europe
    doc = load(outs[audience])
    ann = pd.read_csv(bundle / "annotators.csv")
    exists = truth(ann, [("region",), ("gender",), ("gender", "region")])
    # the adversary's first try: region=Europe minus the Europe x gender cells shown
    rep = doc["metrics"]["representation"]
    known, hidden, _ = read_cells(rep, "n_annotators")
    europe_cell, woman = cell_of("region", "Europe"), cell_of("region×gender", "Europe×female")
    if europe_cell in known:
        parts = [c for c in exists if europe_cell < c and len(c) == 2]
        unknown = [c for c in parts if c not in known]
        assert len(unknown) != 1, f"{audience}: Europe - shown cells = {unknown[0]}"
    # then everything at once: every relation, with what each hidden row's reason says
    spans = attack_sizes([(doc, [])], exists, K, total=float(len(ann)))
    for c, span in spans.items():
        if c in hidden or exists[c] < K:
            assert whole_values(span) >= 2, (audience, sorted(c), span)
    assert woman not in known


@pytest.mark.parametrize("audience", AUDIENCES)
def test_her_26_unsure_labels_cannot_be_read_off(europe, audience):
    bundle, outs = europe
    doc = load(outs[audience])
    ann = pd.read_csv(bundle / "annotators.csv")
    exists = truth(ann, [("region",), ("gender",), ("gender", "region")])
    for value in ("unsure", "no", "yes"):
        rows = [r for r in doc["metrics"]["label_shares"] if r["value"] == value]
        known, hidden, _ = read_cells(rows, "n_judgments")
        unknown = {c: (0, math.inf) for c in exists if c not in known}
        spans = ranges(known, unknown, relations(exists), None)
        for c, (lo, hi) in spans.items():
            if c in hidden or exists[c] < K:
                assert lo == hi == 0 or whole_values((lo, hi)) >= 2, (value, sorted(c), lo, hi)
    text = everything(outs[audience])
    woman = cell_of("region×gender", "Europe×female")
    assert "Europe×female" not in text  # held by one rater: never named
    assert woman not in read_cells(doc["metrics"]["label_shares"], "n_judgments")[0]


def test_the_stated_reasons_are_true(europe):
    bundle, outs = europe
    doc = load(outs["vendor"])
    ann = pd.read_csv(bundle / "annotators.csv")
    sizes = truth(ann, [("region",), ("gender",), ("gender", "region")])
    html = (outs["vendor"] / "report.html").read_text(encoding="utf-8")
    for r in doc["metrics"]["representation"]:
        if not r["suppressed"] or " other value" in str(r["group"]):
            continue
        n = sizes[cell_of(r["attribute"], r["group"])]
        assert r["suppressed_reason"] == ("small" if n < K else "complementary"), r
    assert "hidden so that a smaller group can&#39;t be derived" in html
    assert "suppressed (fewer than" not in html


# ------------------------------------------------------------ total - tested
def _tested_raters():
    raters = [{"region": "North", "gender": g} for g in ["f"] * 10 + ["m"] * 10]
    raters += [{"region": "South", "gender": g} for g in ["f"] * 9 + ["m"] * 9]
    raters += [{"region": "Isle", "gender": "f"}] * 2 + [{"region": "Isle", "gender": "m"}] * 2
    return raters


@pytest.mark.parametrize("audience", AUDIENCES)
def test_total_minus_tested_gives_no_hidden_group_back(tmp_path, audience):
    raters = _tested_raters()
    bundle = write_bundle(tmp_path / "b", raters, _label)
    assert _audit(bundle, tmp_path / "out", "--audience", audience) in (0, 1)
    doc = load(tmp_path / "out")
    shares = [r for r in doc["metrics"]["label_shares"] if r["attribute"] == "region"]
    shown = {r["group"]: r for r in shares if not r["suppressed"]}
    for row in doc["metrics"]["label_shift"]:
        if row["attribute"] != "region" or row["n_annotators_tested"] is None:
            continue
        # the test's totals are sums over shown groups only: total - tested = hidden only
        n_shown = sum({g: r["n_annotators"] for g, r in shown.items()}.values())
        assert row["n_annotators_tested"] == n_shown
        judged = sum(r["n_judgments"] for r in shares if not r["suppressed"]
                     and r["field"] == row["field"])  # fmt: skip
        assert row["n_judgments"] == judged
    total = len(raters)
    isle = sum(1 for r in raters if r["region"] == "Isle")
    for row in doc["metrics"]["label_shift"]:
        if row["n_annotators_tested"] is not None:
            assert total - row["n_annotators_tested"] != isle or row["attribute"] != "region"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_language_one_rater_speaks_shows_no_count(tmp_path, audience):
    raters = [{"region": "North", "languages": "en"}] * 20
    raters += [{"region": "South", "languages": "en;pt"}]  # the only Portuguese reader
    raters += [{"region": "South", "languages": "en"}] * 19
    texts = ["Esta é uma frase em português sobre o tempo e a cidade de Lisboa hoje."] * 20
    texts += ["This is an English sentence about the weather in town today, nothing more."] * 40
    items = pd.DataFrame({"item_id": [f"item-{i:03d}" for i in range(60)], "text": texts})
    bundle = write_bundle(tmp_path / "b", raters, _label, items=items)
    assert _audit(bundle, tmp_path / "out", "--audience", audience) in (0, 1)
    doc = load(tmp_path / "out")
    for row in doc["metrics"]["languages"]:
        n = row["n_annotators_speaking"]
        assert n is None or n == 0 or n >= K, row
    for f in doc["findings"]:
        assert "although 1 annotators" not in f["message"], f["message"]


# ------------------------------------------------------------- split vs whole
@pytest.mark.parametrize("audience", AUDIENCES)
def test_split_reports_and_the_whole_recover_nobody(tmp_path, audience):
    raters = _europe_raters()
    bundle = write_bundle(tmp_path / "b", raters, _label)
    assert _audit(bundle, tmp_path / "out", "--audience", audience, "--split-by", "region") in (
        0,
        1,
    )
    out = tmp_path / "out"
    reports = [(load(out), [])]
    for sub in sorted(p for p in out.iterdir() if p.is_dir() and p.name.startswith("region=")):
        reports.append((load(sub), [("region", sub.name.split("=", 1)[1])]))
    ann = pd.read_csv(bundle / "annotators.csv")
    exists = truth(ann, [("region",), ("gender",), ("gender", "region")])
    spans = attack_sizes(reports, exists, K, total=float(len(ann)))
    hidden = set()
    for doc, prefix in reports:
        hidden |= set(read_cells(doc["metrics"]["representation"], "n_annotators", prefix)[1])
    for c, span in spans.items():
        if c in hidden or exists[c] < K:
            assert whole_values(span) >= 2, (audience, sorted(c), span)
    # her split report must not name her group either
    assert "female" not in json.dumps(
        [r["group"] for doc, p in reports[1:] if p == [("region", "Europe")]
         for r in doc["metrics"]["representation"]]
    )  # fmt: skip
    assert "Europe×female" not in everything(out)


# ---------------------------------------------------------- item-level counts
@pytest.mark.parametrize("audience", AUDIENCES)
def test_example_items_cannot_be_differenced(europe, audience):
    _, outs = europe
    for path in [outs[audience], *[p for p in outs[audience].iterdir() if p.is_dir()]]:
        doc = load(path)
        rows = doc["metrics"].get("contested_examples", [])
        shown = {(r["attribute"], r["group"]) for r in doc["metrics"]["contested_items"]
                 if not r["suppressed"]}  # fmt: skip
        seen = set()
        for r in rows:
            key = (r["field"], r["item_id"])
            # two groups' counts on one item could be subtracted: each item is quoted once
            assert key not in seen, key
            seen.add(key)
            assert (r["attribute"], r["group"]) in shown, r
            assert sum(r["group_judgments"].values()) > 0


# ---------------------------------------------------------------- pseudonyms
def test_sequential_ids_do_not_give_the_pseudonyms_back(europe):
    bundle, outs = europe
    doc = load(outs["internal"])
    pseudonyms = {r["annotator_id"] for r in doc["metrics"]["annotator_agreement"]}
    assert pseudonyms and all(p.startswith("rater-") for p in pseudonyms)
    seed = doc["run"]["seed"]
    hashes = sorted(i["sha256"] for i in doc["run"]["inputs"])
    # what a reader can build from the printed seed and input hashes (the old salt), or
    # from nothing at all, for 10,000 guessed ids
    salts = [
        hashlib.sha256((f"labelaudit:{seed}:" + ":".join(hashes)).encode()).digest(),
        b"",
        str(seed).encode(),
        ":".join(hashes).encode(),
    ]
    hits = 0
    for i in range(10_000):
        raw = f"ann-{i:04d}".encode()
        for salt in salts:
            for message in (raw, b"labelaudit-rater\0" + raw):
                digest = hmac.new(salt, message, hashlib.sha256).hexdigest()
                hits += "rater-" + digest[:10] in pseudonyms
    assert hits == 0
    text = everything(outs["internal"])
    ids = pd.read_csv(bundle / "annotators.csv")["annotator_id"]
    assert not any(i in text for i in ids)


def test_the_key_is_in_no_output(tmp_path, monkeypatch):
    secret = "a-very-secret-pseudonym-key-0123456789"
    monkeypatch.setenv("LABELAUDIT_PSEUDONYM_KEY", secret)
    bundle = write_bundle(tmp_path / "b", _tested_raters(), _label)
    assert _audit(bundle, tmp_path / "out") in (0, 1)
    assert secret not in everything(tmp_path / "out")
    first = {r["annotator_id"] for r in load(tmp_path / "out")["metrics"]["annotator_agreement"]}
    assert _audit(bundle, tmp_path / "again") in (0, 1)  # same key: the same pseudonyms
    again = {r["annotator_id"] for r in load(tmp_path / "again")["metrics"]["annotator_agreement"]}
    assert first == again
    monkeypatch.setenv("LABELAUDIT_PSEUDONYM_KEY", "another key")
    assert _audit(bundle, tmp_path / "other") in (0, 1)  # another reader: other pseudonyms
    other = {r["annotator_id"] for r in load(tmp_path / "other")["metrics"]["annotator_agreement"]}
    assert not first & other


# --------------------------------------------------- quasi-identifiers by value
SELF_DESCRIPTION = (
    "I describe my gender as something no form has ever offered me: fluid, rooted in the "
    "traditions of my grandmother's village, changing with the seasons and with the people "
    "I am among, and I would rather you did not put it in a box."
)
TROLL = "lol im a potato DELETE THIS SURVEY"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_free_text_held_by_one_rater_and_emails_appear_nowhere(tmp_path, audience):
    raters = [{"gender": "female"}] * 20 + [{"gender": "male"}] * 20
    raters += [{"gender": SELF_DESCRIPTION}, {"gender": TROLL}]
    for i, r in enumerate(raters):
        raters[i] = {
            **r,
            "email": f"person{i}@example.org",
            "region": "Europe" if i % 2 else "Asia",
        }
    bundle = write_bundle(tmp_path / "b", raters, _label, toml='group_by = ["gender", "email"]\n')
    assert _audit(bundle, tmp_path / "out", "--audience", audience) in (0, 1)
    text = everything(tmp_path / "out")
    assert SELF_DESCRIPTION[:40] not in text and TROLL not in text
    assert "@example.org" not in text
    doc = load(tmp_path / "out")
    grouped = [
        r for name, rows in doc["metrics"].items() for r in rows if name != "metadata_completeness"
    ]  # which columns are blank: names only
    assert all(r.get("attribute") != "email" for r in grouped)
    found = [f for f in doc["findings"] if f["rule"] == "LA020"]
    assert [f["subject"] for f in found] == [{"attribute": "email"}]
    assert "email" in found[0]["message"] and "left out" in found[0]["message"]
    genders = [r["group"] for r in doc["metrics"]["representation"] if r["attribute"] == "gender"]
    assert "2 other values (each fewer than 5 raters)" in genders


# ------------------------------------------------------------------- lowering k
def test_a_vendor_report_refuses_a_bundles_lower_k(tmp_path, capsys):
    bundle = write_bundle(tmp_path / "b", _tested_raters(), _label, toml="min_group_size = 1\n")
    assert _audit(bundle, tmp_path / "out", "--audience", "vendor") == 2
    err = capsys.readouterr().err
    assert "min_group_size = 1 is below 5, the floor for a vendor report" in err
    assert str(bundle / "labelaudit.toml") in err and not (tmp_path / "out").exists()


def test_a_lower_k_is_echoed_even_when_quiet(tmp_path, capsys):
    bundle = write_bundle(tmp_path / "b", _tested_raters(), _label, toml="min_group_size = 2\n")
    assert _audit(bundle, tmp_path / "out") in (0, 1)
    err = capsys.readouterr().err
    assert re.search(
        r"min_group_size = 2 \(set in .*labelaudit\.toml\) is below the default 5", err
    )


# ------------------------------------------------- every count of every table
@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_count_of_a_small_group_comes_back_from_any_table(europe, tmp_path, audience):
    bundle, outs = europe
    ann = pd.read_csv(bundle / "annotators.csv").drop(columns="annotator_id")
    conj = [("region",), ("gender",), ("gender", "region")]
    assert attack_counts([(load(outs[audience]), [])], ann, conj, K) == []
    # and with split reports by region beside the whole report
    out = tmp_path / "split"
    assert _audit(bundle, out, "--audience", audience, "--split-by", "region") in (0, 1)
    reports = [(load(out), [])] + [
        (load(p), [("region", p.name.split("=", 1)[1])])
        for p in sorted(out.iterdir()) if p.is_dir() and p.name.startswith("region=")
    ]  # fmt: skip
    assert attack_counts(reports, ann, conj, K) == []


@pytest.mark.slow
@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_demo_gives_no_small_group_back(tmp_path, audience):
    # the demo's raters: region derived from 18 countries (the reader knows which country is
    # in which region), gender with a 2-rater group and undisclosed answers
    assert main(["demo", "--out", str(tmp_path), "--audience", audience, "--quiet"]) == 0
    ann = pd.read_parquet(tmp_path / "sample-bundle" / "annotators.parquet")
    ann = ann[["region", "country", "gender", "age_band"]]
    ann["gender"] = ann["gender"].where(ann["gender"] != "prefer not to say")
    conj = [("region",), ("country",), ("gender",), ("age_band",), ("country", "region")]
    doc = load(tmp_path)
    assert attack_counts([(doc, [])], ann, conj, K) == []
    exists = truth(ann.fillna("∅"), conj)
    spans = attack_sizes([(doc, [])], exists, K)
    hidden = read_cells(doc["metrics"]["representation"], "n_annotators")[1]
    for c, span in spans.items():
        if (c in hidden or exists[c] < K) and not any(v == "∅" for _, v in c):
            assert whole_values(span) >= 2, (sorted(c), span)
    text = everything(tmp_path)
    assert "non-binary" not in text  # 2 raters: never named
