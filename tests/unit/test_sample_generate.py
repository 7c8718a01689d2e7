"""The demo bundle: deterministic, CONTRACT-shaped, and carrying its answer key."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from labelaudit.sample.generate import ANSWER_KEY, write_sample_bundle
from labelaudit.sample.texts import LANGUAGE_SHARES, PAIR_PROMPTS, POSTS

FILES = [
    "judgments.jsonl",
    "annotators.parquet",
    "items.parquet",
    "schema.yaml",
    "target.yaml",
    "guidelines.md",
]
LAC, AFR, ASIA, NA, OCE = (
    "Latin America and the Caribbean",
    "Africa",
    "Asia",
    "Northern America",
    "Oceania",
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return write_sample_bundle(tmp_path_factory.mktemp("demo"), seed=0)


@pytest.fixture(scope="module")
def tables(bundle):
    j = pd.read_json(bundle / "judgments.jsonl", lines=True, dtype={"label": object})
    a = pd.read_parquet(bundle / "annotators.parquet")
    i = pd.read_parquet(bundle / "items.parquet")
    return j, a, i


@pytest.fixture(scope="module")
def scored(tables):
    """Judgments without the planted duplicates and the unknown rater, with rater region."""
    j, a, _ = tables
    j = j[~j.duplicated(["item_id", "annotator_id", "field"])]
    return j.merge(a, on="annotator_id", how="inner")


def _digests(folder: Path) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in FILES}


def test_same_seed_gives_byte_identical_files(bundle, tmp_path):
    again = write_sample_bundle(tmp_path / "again", seed=0)
    assert sorted(p.name for p in again.iterdir()) == sorted(FILES)
    assert _digests(again) == _digests(bundle)


def test_another_seed_gives_other_judgments(bundle, tmp_path):
    other = write_sample_bundle(tmp_path / "other", seed=1)
    assert _digests(other)["judgments.jsonl"] != _digests(bundle)["judgments.jsonl"]
    assert _digests(other)["guidelines.md"] == _digests(bundle)["guidelines.md"]


@pytest.mark.parametrize("kwargs", [{"n_items": 99}, {"n_annotators": 39}])
def test_too_small_bundles_are_refused(tmp_path, kwargs):
    with pytest.raises(ValueError, match="at least"):
        write_sample_bundle(tmp_path, **kwargs)


def test_contract_columns(tables):
    j, a, i = tables
    assert list(j.columns) == [
        "item_id",
        "annotator_id",
        "field",
        "label",
        "created_at",
        "lead_time_s",
    ]
    assert list(a.columns) == [
        "annotator_id",
        "region",
        "country",
        "gender",
        "age_band",
        "languages",
        "hourly_pay",
        "currency",
    ]
    assert "language" not in i.columns  # detection must be exercised
    assert {"item_id", "text", "country", "prompt", "response_a", "response_b"} <= set(i.columns)
    assert a["annotator_id"].str.fullmatch(r"r-[0-9a-f]{6}").all()
    assert a["annotator_id"].is_unique and i["item_id"].is_unique
    assert a["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert a["languages"].str.fullmatch(r"[a-z]{2}(;[a-z]{2})*").all()
    assert set(a["currency"]) == {"USD"}
    assert len(a) == 60 and len(i) == 600
    pairs = i[i["item_id"].str.startswith("pair-")]
    assert len(pairs) == 120 and pairs[["prompt", "response_a", "response_b"]].notna().all().all()


def test_schema_values_cover_every_label(bundle, tables):
    j, _, _ = tables
    schema = yaml.safe_load((bundle / "schema.yaml").read_text())["fields"]
    assert set(schema) == {"toxicity", "offensiveness", "preference"}
    assert schema["toxicity"]["escape_values"] == ["unsure"]
    assert schema["preference"]["kind"] == "pairwise"
    assert schema["offensiveness"]["level"] == "ordinal"
    for field, spec in schema.items():
        labels = set(j.loc[j["field"] == field, "label"].dropna())
        assert labels == set(spec["values"]), field
    # skipped judgments (null label) exist only where the guideline allows them
    assert set(j.loc[j["label"].isna(), "field"]) == {"offensiveness"}


def test_every_item_field_has_three_to_seven_judgments(scored):
    per = scored.groupby(["item_id", "field"]).size()
    assert per.min() == 3 and per.max() == 7
    assert per.index.get_level_values("field").value_counts().to_dict() == {
        "toxicity": 480,
        "offensiveness": 480,
        "preference": 120,
    }


def test_planted_data_issues(tables):
    j, a, _ = tables
    assert int(j.duplicated(["item_id", "annotator_id", "field"]).sum()) == 3
    unknown = set(j["annotator_id"]) - set(a["annotator_id"])
    assert len(unknown) == 1
    assert int(j["annotator_id"].isin(unknown).sum()) == 1
    assert int((a["gender"] == "prefer not to say").sum()) == 3
    assert int(a["gender"].isna().sum()) == 2


def test_pool_over_and_under_represents_regions_as_planned(bundle, tables):
    _, a, _ = tables
    counts = a["region"].value_counts().to_dict()
    assert counts == {NA: 20, "Europe": 14, LAC: 10, ASIA: 9, AFR: 5, OCE: 2}
    target = yaml.safe_load((bundle / "target.yaml").read_text())
    assert "UN World Population Prospects 2024" in target["source"]
    for shares in target["attributes"].values():
        assert sum(shares.values()) == pytest.approx(1.0, abs=0.01)
    pool = a["region"].value_counts(normalize=True)
    region_target = target["attributes"]["region"]
    for g in ANSWER_KEY["under_represented"]["groups"]:
        assert pool[g] / region_target[g] < 0.5
    for g in ANSWER_KEY["over_represented"]["groups"]:
        assert pool[g] / region_target[g] > 2.0


def test_escape_value_is_used_far_more_by_one_region(scored):
    tox = scored[scored["field"] == "toxicity"]
    unsure = tox["label"].eq("unsure")
    in_group = tox["region"] == ANSWER_KEY["escape"]["group"]
    assert unsure[in_group].mean() >= 2 * unsure[~in_group].mean()


def _post_kind(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    for kinds in POSTS.values():
        for kind, sentences in kinds.items():
            if any(text.startswith(s) for s in sentences):
                return kind
    raise AssertionError(f"post not built from texts.POSTS: {text!r}")


def test_one_region_reads_banter_differently(scored, tables):
    _, _, items = tables
    kind = items.set_index("item_id")["text"].map(_post_kind)
    tox = scored[(scored["field"] == "toxicity") & (scored["label"] != "unsure")]
    banter = tox[tox["item_id"].map(kind) == "banter"]
    toxic = banter["label"].eq("toxic")
    lac = banter["region"] == LAC
    assert toxic[lac].mean() < 0.25 and toxic[~lac].mean() > 0.6
    # and the group co-rates enough banter posts for a within-group agreement
    per_item = banter[lac].groupby("item_id").size()
    assert int((per_item >= 2).sum()) >= 10


def test_position_bias_in_pairwise_field(scored):
    pref = scored.loc[scored["field"] == "preference", "label"]
    decided = pref[pref != "tie"]
    assert 0.55 <= decided.str.startswith("a_").mean() <= 0.65


def test_asia_flips_on_culture_prompts(scored, tables):
    _, _, items = tables
    casual = {p["responses"][0][0] for p in PAIR_PROMPTS if p["culture"]}
    formal = {p["responses"][1][0] for p in PAIR_PROMPTS if p["culture"]}
    a_casual = items["response_a"].isin(casual) & items["response_b"].isin(formal)
    b_casual = items["response_b"].isin(casual) & items["response_a"].isin(formal)
    side = pd.Series("a_", index=items.loc[a_casual, "item_id"])
    side = pd.concat([side, pd.Series("b_", index=items.loc[b_casual, "item_id"])])
    pref = scored[(scored["field"] == "preference") & scored["item_id"].isin(side.index)]
    pref = pref[pref["label"] != "tie"]
    casual_wins = pd.Series(
        [lab.startswith(side[i]) for lab, i in zip(pref["label"], pref["item_id"], strict=True)],
        index=pref.index,
    )
    asia = pref["region"] == ASIA
    # other raters follow the guideline (the casual answer wins); Asia raters do not
    assert asia.sum() >= 10
    assert casual_wins[asia].mean() < 0.3 and casual_wins[~asia].mean() > 0.7


def test_prolific_raters_and_single_region_items(scored):
    share = scored["annotator_id"].value_counts(normalize=True)
    assert share.iloc[:3].sum() > 0.15 and share.iloc[3] < 0.05
    regions = scored.groupby("item_id")["region"].nunique()
    only_na = scored.groupby("item_id")["region"].agg(lambda s: set(s) == {NA})
    # every other item has a cross-check rater from a second region
    assert int(only_na.sum()) == int((regions == 1).sum()) == 600 // 50


def test_fast_judgments_and_low_pay_concentrate_in_one_region(scored, tables):
    _, a, _ = tables
    subs = scored.drop_duplicates(["item_id", "annotator_id"])
    fast = subs["lead_time_s"] < 2.0
    asia = subs["region"] == ASIA
    assert fast[asia].mean() > 0.25 and fast[~asia].mean() < 0.03
    pay = a.groupby("region")["hourly_pay"]
    assert pay.max()[ASIA] <= 1.60 and pay.min().drop(ASIA).min() >= 3.0


def test_created_at_forms_sessions(scored):
    subs = scored.drop_duplicates(["item_id", "annotator_id"]).copy()
    subs["t"] = pd.to_datetime(subs["created_at"], utc=True)
    subs = subs.sort_values(["annotator_id", "t"])
    gaps = subs.groupby("annotator_id")["t"].diff().dt.total_seconds().dropna()
    # within a session a rater moves on within seconds; sessions are days apart
    assert (gaps < 600).mean() > 0.9
    per_rater_sessions = (
        subs.groupby("annotator_id")["t"].diff().dt.total_seconds() > 3600
    ).groupby(subs["annotator_id"]).sum() + 1
    n_subs = subs.groupby("annotator_id").size()
    # sessions hold at most 40 submissions, so busier raters work on several days
    assert (per_rater_sessions[n_subs > 40] >= 2).all()
    assert int((n_subs > 40).sum()) >= 20
    assert subs["t"].min() >= pd.Timestamp("2026-10-01", tz="UTC")


def test_swahili_block_has_no_speaker(tables):
    _, a, i = tables
    declared = {lang for v in a["languages"] for lang in v.split(";")}
    assert ANSWER_KEY["undeclared_language"] not in declared
    sw_texts = [s for kind in POSTS["sw"].values() for s in kind]
    sw = i["text"].dropna().map(lambda t: any(t.startswith(s) for s in sw_texts))
    assert int(sw.sum()) == round(LANGUAGE_SHARES["sw"] * 480)


def test_texts_are_real_sentences_in_many_languages():
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0
    sentences = [(lang, s) for lang, kinds in POSTS.items() for ss in kinds.values() for s in ss]
    assert len({s for _, s in sentences}) == len(sentences) >= 40
    assert len(POSTS) >= 6
    assert all(len(s.split()) >= 8 for _, s in sentences)
    wrong = [(lang, s) for lang, s in sentences if detect(s) != lang]
    assert wrong == []


def test_guidelines_plant_us_centric_lines(bundle):
    text = (bundle / "guidelines.md").read_text()
    lines = text.splitlines()
    assert 60 <= len(lines) <= 120
    for planted in [
        "Fahrenheit",
        "MM/DD/YYYY",
        "ZIP code",
        "Thanksgiving",
        "US dollars",
        "American football",
        "quarterback",
        "GPA",
        "SAT",
        "dishwasher",
        "garbage disposal",
        "two-car garage",
    ]:
        assert planted in text, planted
    # every label of every field is defined in the guideline
    for label in ["toxic", "not_toxic", "unsure", "none", "mild", "moderate", "severe"]:
        assert re.search(rf"\*\*{label}\*\*", text), label
    for label in ["a_much_better", "b_much_better", "a_better", "b_better", "tie"]:
        assert f"**{label}**" in text, label


def test_judgments_are_plain_json_lines(bundle):
    first = json.loads((bundle / "judgments.jsonl").read_text().splitlines()[0])
    assert re.fullmatch(r"2026-10-\d\dT\d\d:\d\d:\d\dZ", first["created_at"])
    assert isinstance(first["lead_time_s"], float)


@pytest.fixture(scope="module")
def loaded(bundle):
    from labelaudit.pipeline import load_bundle, resolve_config

    return load_bundle(resolve_config(bundle))


def test_bundle_loads_and_reports_the_planted_data_issues(bundle, loaded):
    b = loaded
    lines = (bundle / "judgments.jsonl").read_text().splitlines()
    issues = {i.code: i.count for i in b.issues}
    assert issues["LA001"] == 3 and issues["LA002"] == 1
    # the loader keeps the first judgment of each duplicate set
    assert len(b.judgments) + issues["LA001"] == len(lines)
    assert len(b.item_ids) == 600
    assert len(b.annotator_ids) == 61  # 60 described raters + the unknown one
    assert set(b.schema) == {"toxicity", "offensiveness", "preference"}
    assert not b.schema_inferred
    assert b.target is not None and b.target.attributes["region"]["Africa"] == pytest.approx(0.186)
    assert [g.name for g in b.guidelines] == ["guidelines.md"]


@pytest.mark.parametrize(
    ("field", "group"),
    [("toxicity", LAC), ("offensiveness", LAC), ("preference", ASIA)],
)
def test_grasp_finds_the_planted_group_readings(loaded, field, group):
    import numpy as np

    from labelaudit.stats.counts import first_judgments, indicator_matrix, value_counts
    from labelaudit.stats.grasp_statistic import GraspJudgments, GraspStatistic
    from labelaudit.stats.significance import Contrast, run_contrasts

    b = loaded
    cf = b.coded(field)
    keep = first_judgments(cf.item_codes, cf.annotator_codes)
    items, anns, vals = cf.item_codes[keep], cf.annotator_codes[keep], cf.value_codes[keep]
    n_items, n_values = len(b.item_ids), len(cf.values)
    m = indicator_matrix(items, vals, anns, n_items, n_values, len(b.annotator_ids))
    codes, labels = b.group_codes("region")
    data = GraspJudgments(m, value_counts(items, vals, n_items, n_values), cf.level, cf.numeric)
    g = len(labels)
    contrast = Contrast("grasp", np.asarray(codes), np.arange(codes.size),
                        GraspStatistic(data, g, 0.05), ["LA103"] * g, ["two-sided"] * g,
                        np.ones(g, dtype=bool))  # fmt: skip
    (res,), _ = run_contrasts([contrast], {"LA103": 0.05}, n_permutations=200,
                              max_permutations=200, stop_after=None, seed=0)  # fmt: skip
    k = list(labels).index(group)
    assert res.observed[k] > 2.0
    assert res.p_value[k] < 0.02  # 200 permutations: the smallest two-sided p is ~0.01


def test_smallest_bundle_keeps_the_planted_structure(tmp_path):
    out = write_sample_bundle(tmp_path, seed=3, n_items=100, n_annotators=40)
    a = pd.read_parquet(out / "annotators.parquet")
    j = pd.read_json(out / "judgments.jsonl", lines=True, dtype={"label": object})
    counts = a["region"].value_counts()
    assert counts[OCE] == 2 and counts.drop(OCE).min() >= 5 and len(a) == 40
    assert j["item_id"].nunique() == 100
