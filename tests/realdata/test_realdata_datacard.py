"""``--format datacard`` on CREHate, run from the command line as a user would.

CREHate's raters carry many rarely chosen answers (religions, ethnicities, political
leanings written in under "Other"), so most of its groups are below the minimum group
size: the card must name them without a figure, in the internal and the vendor edition,
and still describe the five nationalities in full. Rater counts are checked against the
raw CSV.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from labelaudit.rulebook import load_rules
from realdata.converters import crehate_bundle, iso2
from unit.datacard_checks import check_card, hidden_names, pool_sizes

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
FAST = "n_boot = 200\nn_permutations = 200\n"
K = 5


@pytest.fixture(scope="module")
def crehate(shared_data, tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("crehate_datacard")
    bundle = crehate_bundle(shared_data, root / "bundle")
    (bundle / "labelaudit.toml").write_text(FAST, encoding="utf-8")

    def audit(audience: str) -> Path:
        out = root / audience
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "labelaudit",
                "audit",
                str(bundle),
                "--out",
                str(out),
                "--quiet",
                "--format",
                "datacard",
                "--audience",
                audience,
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode in (0, 1), proc.stderr[-2000:]
        return out

    with ThreadPoolExecutor(max_workers=2) as pool:
        outs = dict(
            zip(("internal", "vendor"), pool.map(audit, ("internal", "vendor")), strict=True)
        )
    return bundle, outs


@pytest.mark.parametrize("audience", ["internal", "vendor"])
def test_crehate_datacard_has_every_section_and_hides_small_groups(crehate, audience):
    bundle, outs = crehate
    out = outs[audience]
    card = (out / "datacard.md").read_text(encoding="utf-8")
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    sizes = pool_sizes(bundle)
    hidden = hidden_names(sizes, K, doc)
    assert len(hidden) > 50  # religions, ethnicities, leanings, orientations
    check_card(
        card,
        (out / "report.html").read_text(encoding="utf-8"),
        [f["message"] for f in doc["findings"]],
        hidden,
    )
    rules = load_rules()
    for f in doc["findings"]:
        # each finding carries its rule's mapping; an unmapped rule says why in its YAML
        assert f["standards"] == rules[f["rule"]].standards
        assert f["standards"] or rules[f["rule"]].standards_note, f["rule"]


def test_crehate_nationalities_match_the_raw_file(crehate, shared_data):
    _, outs = crehate
    card = (outs["internal"] / "datacard.md").read_text(encoding="utf-8")
    with open(shared_data / "crehate" / "CREHate_raw_annotations.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    nationality: dict[str, str] = {}
    for r in rows:
        if r["nationality"]:
            nationality.setdefault(r["annotator_id"], r["nationality"])
    # nationality splits the raters exactly as country does, so the card shows country
    raters = Counter(iso2(n) for n in nationality.values())
    section = card.split("#### Location(s): country")[1].split("####")[0]
    total = sum(raters.values())
    for country, n in raters.items():
        assert f"| {country} | {n} | {n / total:.1%} (" in section, country


def test_crehate_card_says_what_the_data_cannot_answer(crehate):
    _, outs = crehate
    for audience, out in outs.items():
        card = (out / "datacard.md").read_text(encoding="utf-8")
        # no target, guidelines, pay or timing in CREHate: said, not left blank
        assert "No target population was given" in card
        assert "No guideline file was given to the audit" in card
        assert "The annotators table has no hourly pay" in card
        assert (
            "- LA401 Group under-represented in the rater pool: not checked: needs a target" in card
        )
        assert (
            "- LA301 Culture-specific reference in the guidelines: not checked: needs the guideline files"
            in card
        )
        html = (out / "report.html").read_text(encoding="utf-8")
        assert "not checked: needs a target population (target.yaml or --target)" in html
        # pay reaches vendors too (by region); CREHate records none, in either edition
        assert (
            "- LA504 A group of raters is paid below the hourly floor or far less than the rest: "
            "not checked: needs the raters' pay (annotators.hourly\\_pay)" in card
        ), audience
