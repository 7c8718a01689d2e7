"""Simulated judgments of the demo bundle: labels, lead times and work sessions.

Rater behaviour follows :mod:`labelaudit.sample.plan`; see the answer key in
:mod:`labelaudit.sample.generate`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from labelaudit.sample.plan import (
    AFR,
    ANSWER_KEY,
    ASIA,
    BATCH_SIZE,
    LAC,
    LANGUAGE_SITES,
    NA,
    OFFENSIVENESS_VALUES,
    PAIR_SITES,
    POSITION_BIAS,
    PREFERENCE_VALUES,
    ROUTING,
    START,
)
from labelaudit.sample.texts import PAIR_PROMPTS


def simulate_judgments(
    rng: np.random.Generator,
    annotators: pd.DataFrame,
    items: pd.DataFrame,
    single_region: set[str],
) -> list[dict]:
    """Judgment rows (dicts in CONTRACT column order), sorted by ``created_at``.

    ``items`` carries the generator-only columns (kind, language, prompt/response
    indices); ``single_region`` lists items only Northern America raters may judge.
    ``annotators.attrs["ghost_id"]`` is the id used for the judgment by an unknown rater.
    """
    ann_ids = annotators["annotator_id"].to_numpy()
    regions = annotators["region"].to_numpy()
    speaks = [set(v.split(";")) for v in annotators["languages"]]
    weights = np.ones(len(annotators))
    weights[np.flatnonzero(regions == NA)[:3]] = ANSWER_KEY["prolific"]["weight"]
    na_only = np.flatnonzero(regions == NA)
    # vendors work in batches, each labelled by one site plus one cross-check rater from
    # another region: every region co-rates enough items for its within-group agreement
    # to be estimable (GRASP's IRR needs >= 2 raters an item) and every item outside the
    # planted single-region block is seen by two regions
    homes = [r for r in dict.fromkeys(regions) if (regions == r).sum() >= 4]
    sizes = {r: float((regions == r).sum()) for r in homes}
    batch_home: dict[tuple[str, int], str] = {}
    seen: dict[str, int] = {}
    submissions = []  # (annotator index, item row, {field: label}, lead time)
    for row in items.itertuples(index=False):
        # batches are cut per language and sent to the site that covers the language
        is_pair = row.kind.startswith("pair")
        lang = "pairs" if is_pair else row.language
        n = seen[lang] = seen.get(lang, -1) + 1
        key = (lang, n // (BATCH_SIZE // 2 if is_pair else BATCH_SIZE))
        if key not in batch_home and is_pair:
            batch_home[key] = PAIR_SITES[key[1] % len(PAIR_SITES)]  # round robin
        elif key not in batch_home:
            site_p = LANGUAGE_SITES.get(lang, sizes)
            names = list(site_p)
            p = np.array([site_p[r] for r in names], dtype=float)
            batch_home[key] = names[rng.choice(len(names), p=p / p.sum())]
        home = batch_home[key]
        w = weights * np.where(
            [row.language != "en" and row.language in langs for langs in speaks], ROUTING, 1.0
        )
        k = int(rng.integers(3, 8))
        if row.item_id in single_region:
            chosen = _draw(rng, na_only, k, w)
        else:
            site = np.flatnonzero(regions == home)
            local = _draw(rng, site, min(k - 1, len(site)), w)
            others = _draw(rng, np.flatnonzero(regions != home), k - len(local), w)
            chosen = np.concatenate([local, others])
        jitter = float(rng.normal(0.0, 0.06))
        for a in chosen:
            if is_pair:
                labels = {"preference": _preference(rng, row, regions[a])}
            else:
                labels = _post_labels(rng, row, regions[a], row.language in speaks[a], jitter)
            fast = rng.random() < (0.35 if regions[a] == ASIA else 0.012)
            if fast:
                lead = float(rng.uniform(0.5, 1.9))
            else:
                lead = max(2.0, float(rng.lognormal(np.log(55.0 if is_pair else 24.0), 0.45)))
            submissions.append((int(a), row.item_id, labels, round(lead, 1)))
    times = _session_times(rng, submissions, len(annotators))
    rows = []
    for (a, item_id, labels, lead), t in zip(submissions, times, strict=True):
        for field_name, label in labels.items():
            rows.append(_row(item_id, ann_ids[a], field_name, label, t, lead))
    # data issues: duplicates (one re-submitted with another label) and an unknown rater
    tox = [r for r in rows if r["field"] == "toxicity" and r["label"] in ("toxic", "not_toxic")]
    picks = rng.choice(len(tox), size=ANSWER_KEY["duplicates"], replace=False)
    for n, idx in enumerate(picks):
        dup = dict(tox[idx])
        dup["created_at"] = _iso(_parse(dup["created_at"]) + timedelta(seconds=40))
        if n == 0:
            dup["label"] = "not_toxic" if dup["label"] == "toxic" else "toxic"
        rows.append(dup)
    ghost_item = str(items.loc[items["item_id"].str.startswith("post-"), "item_id"].iloc[0])
    ghost_t = START + timedelta(days=3, hours=10, minutes=7, seconds=13)
    rows.append(_row(ghost_item, annotators.attrs["ghost_id"], "toxicity", "toxic", ghost_t, 31.4))
    rows.sort(key=lambda r: (r["created_at"], r["annotator_id"], r["item_id"], r["field"]))
    return rows


def _draw(rng: np.random.Generator, pool: np.ndarray, size: int, weights: np.ndarray):
    p = weights[pool] / weights[pool].sum()
    return rng.choice(pool, size=size, replace=False, p=p)


def _post_labels(
    rng: np.random.Generator, row, region: str, speaks_language: bool, jitter: float
) -> dict:
    p_unsure = 0.17 if region == AFR else 0.04
    if not speaks_language:
        p_unsure += 0.08
    base = {"neutral": 0.05, "toxic": 0.9, "banter": 0.08 if region == LAC else 0.85}[row.kind]
    p_toxic = min(0.97, max(0.02, base + jitter))
    u = rng.random()
    if u < p_unsure:
        tox = "unsure"
        off = None if rng.random() < 0.5 else str(rng.choice(["none", "mild"]))
    elif rng.random() < p_toxic:
        tox = "toxic"
        probs = [0.0, 0.15, 0.5, 0.35] if row.kind == "toxic" else [0.0, 0.6, 0.35, 0.05]
        off = str(rng.choice(OFFENSIVENESS_VALUES, p=probs))
    else:
        tox = "not_toxic"
        off = str(rng.choice(OFFENSIVENESS_VALUES, p=[0.85, 0.15, 0.0, 0.0]))
    return {"toxicity": tox, "offensiveness": off}


def _preference(rng: np.random.Generator, row, region: str) -> str:
    responses = PAIR_PROMPTS[int(row.prompt_index)]["responses"]
    # culture prompts: Asia raters judge by the formal-norm quality (index 2 of the tuple)
    q = 2 if (row.kind == "pair_culture" and region == ASIA) else 1
    diff = (responses[int(row.a_index)][q] - responses[int(row.b_index)][q]) / 1.5
    score = diff + POSITION_BIAS + float(rng.normal(0.0, 0.8))
    cuts = [1.4, 0.35, -0.35, -1.4]
    return PREFERENCE_VALUES[sum(score < c for c in cuts)]


def _session_times(rng: np.random.Generator, submissions: list, n_annotators: int) -> list:
    times: list = [None] * len(submissions)
    by_annotator: list[list[int]] = [[] for _ in range(n_annotators)]
    for i, sub in enumerate(submissions):
        by_annotator[sub[0]].append(i)
    for subs in by_annotator:
        order = [subs[i] for i in rng.permutation(len(subs))]
        sizes = []
        while sum(sizes) < len(order):
            sizes.append(int(rng.integers(10, 41)))
        days = np.sort(rng.choice(28, size=len(sizes), replace=len(sizes) > 28))
        pos = 0
        for size, day in zip(sizes, days, strict=True):
            t = START + timedelta(days=int(day), hours=float(rng.uniform(7, 18)))
            for i in order[pos : pos + size]:
                times[i] = t
                t += timedelta(seconds=submissions[i][3] + float(rng.uniform(3, 25)))
            pos += size
    return times


def _row(item_id: str, annotator_id: str, field_name: str, label, t: datetime, lead: float):
    return {
        "item_id": item_id,
        "annotator_id": annotator_id,
        "field": field_name,
        "label": label,
        "created_at": _iso(t),
        "lead_time_s": lead,
    }


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
