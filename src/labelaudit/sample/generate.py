"""The built-in demo bundle: a seeded, realistic content-safety + RLHF labelling export.

:func:`write_sample_bundle` writes a CONTRACT bundle (``judgments.jsonl``,
``annotators.parquet``, ``items.parquet``, ``schema.yaml``, ``guidelines.md``,
``target.yaml``). Same seed and sizes give byte-identical files.

Answer key (the effects planted for the audit to find; defaults: 600 items, 60 raters;
:data:`ANSWER_KEY` holds the same in machine-readable form):

* **Group-aligned disagreement** (toxicity): raters from *Latin America and the
  Caribbean* read the ``banter`` posts (mock insults among friends and football rivals, in
  English, Spanish and Portuguese) as not toxic (P(toxic) ~0.08) while everyone else
  mostly follows the guideline's "treat sarcasm literally" rule (~0.75). Non-English
  posts are routed to raters who declare the language, so Spanish and Portuguese banter
  is mostly judged by several Latin American raters at once (seed 0: GAI ~1.6, p < 0.01).
* **Escape value**: *Africa* raters choose ``unsure`` about three to four times as often as
  the rest (~17% vs ~4%, plus 8 points for anyone on a post in a language they do not
  declare).
* **Representativeness**: the pool is 1/3 *Northern America* and ~23% *Europe* against a
  target of 4.6% and 9.1%; *Africa* (8% vs 18.6%) and *Asia* (15% vs 58.9%) are
  under-represented. *Oceania* has 2 raters: below min_group_size 5, so suppressed.
* **Language coverage**: ~10% of the posts are in Swahili (``sw``) and no rater declares
  it; posts carry no ``language`` column so detection is exercised. RLHF pairs have no
  ``text`` (only prompt and responses).
* **Concentration**: three *Northern America* raters are sampled 8x as often as the rest
  and carry over a fifth of all judgments.
* **Single-region items**: a block of English posts is judged only by *Northern America*
  raters (more items end up single-region by chance).
* **RLHF preference**: a position bias (response A, always shown first, wins ~60% of the
  non-tie judgments although A and B are balanced) and *Asia* raters flip on the
  ``culture`` prompts (manager emails, gifts, declining in-laws), preferring the formal
  answer the guideline calls worse (seed 0: GAI ~1.6, p < 0.01).
* **Process**: ~35% of *Asia* raters' submissions take under 2 s (about 1% elsewhere);
  *Asia* raters are paid 1.10-1.60 USD/h against 3-26 USD/h elsewhere; ``created_at``
  forms work sessions of 15-60 submissions on separate days.
* **Data issues**: 3 duplicate judgments (one with a changed label), 1 judgment by an
  annotator absent from ``annotators.parquet``; 3 raters' gender is "prefer not to say"
  and 2 are missing.
* **Guidelines**: ``guidelines.md`` plants US-centric lines: MM/DD/YYYY dates, Fahrenheit,
  US dollars, ZIP code, Thanksgiving, American football (quarterback), GPA/SAT and a
  household-objects list of high-income-home items (dishwasher, garbage disposal,
  two-car garage ...).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from labelaudit.sample.texts import LANGUAGE_SHARES, PAIR_PROMPTS, POST_COUNTRIES, POSTS, TAILS

NA, EU, ASIA, LAC, AFR, OCE = (
    "Northern America",
    "Europe",
    "Asia",
    "Latin America and the Caribbean",
    "Africa",
    "Oceania",
)

#: region -> (raters out of 60, [(country, language options)], USD hourly pay range)
REGIONS: dict[str, tuple[int, list[tuple[str, list[str]]], tuple[float, float]]] = {
    NA: (20, [("US", ["en", "en;es"]), ("CA", ["en", "en;fr"])], (16.0, 24.0)),
    EU: (
        14,
        [
            ("GB", ["en"]),
            ("DE", ["de;en"]),
            ("FR", ["fr;en"]),
            ("ES", ["es;en"]),
            ("PL", ["pl;en"]),
        ],
        (13.0, 20.0),
    ),
    ASIA: (9, [("IN", ["hi;en"]), ("PH", ["tl;en"]), ("ID", ["id;en"])], (1.10, 1.60)),
    LAC: (10, [("MX", ["es"]), ("CO", ["es;en"]), ("AR", ["es"]), ("BR", ["pt;en"])], (4.0, 7.0)),
    # Africa's raters come from West and Southern Africa: nobody declares Swahili
    AFR: (
        5,
        [("NG", ["en;yo", "en;ha"]), ("ZA", ["en;zu", "en;af"]), ("GH", ["en;tw"])],
        (3.0, 5.0),
    ),
    OCE: (2, [("AU", ["en"]), ("NZ", ["en"])], (20.0, 26.0)),
}

COUNTRY_REGION = {c: r for r, (_, cs, _) in REGIONS.items() for c, _ in cs} | {
    "SN": AFR,
    "KE": AFR,
    "TZ": AFR,
    "AT": EU,
    "PT": EU,
}

TARGET_SHARES = {
    AFR: 0.186,
    ASIA: 0.589,
    EU: 0.091,
    LAC: 0.082,
    NA: 0.046,
    OCE: 0.006,
}

ANSWER_KEY: dict = {
    "association": {"field": "toxicity", "attribute": "region", "group": LAC, "kind": "banter"},
    "escape": {"field": "toxicity", "value": "unsure", "attribute": "region", "group": AFR},
    "over_represented": {"attribute": "region", "groups": [NA, EU]},
    "under_represented": {"attribute": "region", "groups": [AFR, ASIA]},
    "suppressed": {"attribute": "region", "group": OCE, "n_annotators": 2},
    "undeclared_language": "sw",
    "prolific": {"region": NA, "n_annotators": 3, "weight": 8.0},
    "single_region_items": {"region": NA},
    "position_bias": {"field": "preference", "a_win_share": 0.60},
    "preference_flip": {"field": "preference", "attribute": "region", "group": ASIA},
    "fast_judgments": {"attribute": "region", "group": ASIA, "threshold_s": 2.0},
    "low_pay": {"attribute": "region", "group": ASIA, "currency": "USD", "max_hourly": 1.60},
    "duplicates": 3,
    "unknown_annotators": 1,
    "gender_undisclosed": {"prefer not to say": 3, "missing": 2},
}

PREFERENCE_VALUES = ["a_much_better", "a_better", "tie", "b_better", "b_much_better"]
OFFENSIVENESS_VALUES = ["none", "mild", "moderate", "severe"]
# generator-only item columns, never written (the audit must detect language itself)
_INTERNAL_ITEM_COLUMNS = ["kind", "language", "prompt_index", "a_index", "b_index"]
_START = datetime(2026, 10, 1, tzinfo=UTC)
_POSITION_BIAS = 0.35  # shift of the preference score towards A; gives ~60% A wins
# the vendor routes non-English posts to raters declaring the language (Swahili has none)
_ROUTING = 12.0


def write_sample_bundle(
    out_dir: Path, seed: int = 0, n_items: int = 600, n_annotators: int = 60
) -> Path:
    """Write the demo bundle into ``out_dir`` (created if needed) and return it.

    Parameters
    ----------
    out_dir : Path
        Folder to write into; existing bundle files there are overwritten.
    seed : int
        Seed of every random draw; the same seed gives byte-identical files.
    n_items : int
        Number of items (one fifth are RLHF answer pairs, the rest posts); >= 100.
    n_annotators : int
        Number of raters in ``annotators.parquet``; >= 40 so the planted groups keep
        at least 5 raters.

    Returns
    -------
    Path
        ``out_dir``.
    """
    if n_items < 100:
        raise ValueError(f"n_items must be at least 100 to plant the answer key, got {n_items}")
    if n_annotators < 40:
        raise ValueError(
            f"n_annotators must be at least 40 so planted groups keep >= 5 raters, got {n_annotators}"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    annotators = _annotators(rng, n_annotators)
    items = _items(rng, n_items)
    judgments = _judgments(rng, annotators, items)
    _write_parquet(annotators, out / "annotators.parquet")
    _write_parquet(items.drop(columns=_INTERNAL_ITEM_COLUMNS), out / "items.parquet")
    with open(out / "judgments.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for row in judgments:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "schema.yaml").write_text(_schema_yaml(), encoding="utf-8")
    (out / "target.yaml").write_text(_target_yaml(), encoding="utf-8")
    guide = resources.files("labelaudit.sample").joinpath("guidelines.md").read_text("utf-8")
    (out / "guidelines.md").write_text(guide, encoding="utf-8")
    return out


# ------------------------------------------------------------------ annotators
def _region_counts(n: int) -> dict[str, int]:
    counts = {r: int(base * n // 60) for r, (base, _, _) in REGIONS.items()}
    counts[AFR] = max(5, counts[AFR])
    counts[OCE] = 2  # the tiny group that shows suppression, whatever the pool size
    counts[NA] = n - sum(v for r, v in counts.items() if r != NA)
    return counts


def _annotators(rng: np.random.Generator, n: int) -> pd.DataFrame:
    # one extra id for the annotator who appears in judgments only
    ids = [f"r-{v:06x}" for v in rng.choice(16**6, size=n + 1, replace=False)]
    rows = []
    for region, count in _region_counts(n).items():
        _, countries, (pay_lo, pay_hi) = REGIONS[region]
        for _ in range(count):
            country, langs = countries[rng.integers(len(countries))]
            rows.append(
                {
                    "annotator_id": ids[len(rows)],
                    "region": region,
                    "country": country,
                    "gender": str(rng.choice(["female", "male"])),
                    "age_band": str(
                        rng.choice(
                            ["18-24", "25-34", "35-44", "45-54", "55+"],
                            p=[0.25, 0.35, 0.2, 0.12, 0.08],
                        )
                    ),
                    "languages": langs[rng.integers(len(langs))],
                    "hourly_pay": round(float(rng.uniform(pay_lo, pay_hi)), 2),
                    "currency": "USD",
                }
            )
    df = pd.DataFrame(rows)
    # keep the prolific raters (the first three Northern America rows) fully described
    hidden = rng.choice(np.arange(3, n), size=6, replace=False)
    df.loc[hidden[:3], "gender"] = "prefer not to say"
    df.loc[hidden[3:5], "gender"] = None
    df.loc[hidden[5], "gender"] = "non-binary"
    df.attrs["ghost_id"] = ids[-1]
    return df


# ------------------------------------------------------------------ items
def _items(rng: np.random.Generator, n_items: int) -> pd.DataFrame:
    n_pairs = n_items // 5
    n_posts = n_items - n_pairs
    quotas = _largest_remainder(LANGUAGE_SHARES, n_posts)
    posts = []
    for lang, quota in quotas.items():
        combos = [
            (text, kind, tail)
            for kind, texts in POSTS[lang].items()
            for text in texts
            for tail in TAILS[lang]
        ]
        order = rng.permutation(len(combos))
        for k in range(quota):
            text, kind, tail = combos[order[k % len(combos)]]
            country = str(rng.choice(POST_COUNTRIES[lang]))
            posts.append({"text": text + tail, "kind": kind, "language": lang, "country": country})
    posts = [posts[i] for i in rng.permutation(len(posts))]
    pairs = []
    combos = [
        (p, i, j) for p in range(len(PAIR_PROMPTS)) for i in range(4) for j in range(4) if i != j
    ]
    order = rng.permutation(len(combos))
    for k in range(n_pairs):
        p, i, j = combos[order[k % len(combos)]]
        spec = PAIR_PROMPTS[p]
        pairs.append(
            {
                "prompt": spec["prompt"],
                "response_a": spec["responses"][i][0],
                "response_b": spec["responses"][j][0],
                "kind": "pair_culture" if spec["culture"] else "pair",
                "language": "en",
                "country": str(rng.choice(["US", "IN", "GB", "DE", "BR", "NG", "JP", "MX"])),
                "prompt_index": p,
                "a_index": i,
                "b_index": j,
            }
        )
    df = pd.DataFrame(
        [{"item_id": f"post-{k + 1:04d}", **row} for k, row in enumerate(posts)]
        + [{"item_id": f"pair-{k + 1:04d}", **row} for k, row in enumerate(pairs)]
    )
    df["region"] = df["country"].map(COUNTRY_REGION)
    for col in ("text", "prompt", "response_a", "response_b"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    cols = ["item_id", "text", "country", "region", "prompt", "response_a", "response_b"]
    return df[cols + _INTERNAL_ITEM_COLUMNS]


def _largest_remainder(shares: dict[str, float], n: int) -> dict[str, int]:
    raw = {k: v * n for k, v in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[
        : n - sum(counts.values())
    ]:
        counts[k] += 1
    return counts


def _single_region_items(items: pd.DataFrame) -> set[str]:
    # English posts: Northern America raters read them, so the block looks unremarkable
    en = items[(items["language"] == "en") & items["item_id"].str.startswith("post-")]
    return set(en["item_id"].iloc[: max(5, len(items) // 50)])


# ------------------------------------------------------------------ judgments
def _judgments(
    rng: np.random.Generator, annotators: pd.DataFrame, items: pd.DataFrame
) -> list[dict]:
    ann_ids = annotators["annotator_id"].to_numpy()
    regions = annotators["region"].to_numpy()
    speaks = [set(v.split(";")) for v in annotators["languages"]]
    weights = np.ones(len(annotators))
    weights[np.flatnonzero(regions == NA)[:3]] = ANSWER_KEY["prolific"]["weight"]
    na_only = np.flatnonzero(regions == NA)
    single = _single_region_items(items)
    submissions = []  # (annotator index, item row, {field: label}, lead time)
    for row in items.itertuples(index=False):
        pool = na_only if row.item_id in single else np.arange(len(annotators))
        w = weights[pool] * np.where(
            [row.language != "en" and row.language in speaks[a] for a in pool], _ROUTING, 1.0
        )
        w = w / w.sum()
        k = int(rng.integers(3, 8))
        is_pair = row.kind.startswith("pair")
        jitter = float(rng.normal(0.0, 0.06))
        for a in rng.choice(pool, size=k, replace=False, p=w):
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
    ghost_t = _START + timedelta(days=3, hours=10, minutes=7, seconds=13)
    rows.append(_row(ghost_item, annotators.attrs["ghost_id"], "toxicity", "toxic", ghost_t, 31.4))
    rows.sort(key=lambda r: (r["created_at"], r["annotator_id"], r["item_id"], r["field"]))
    return rows


def _post_labels(
    rng: np.random.Generator, row, region: str, speaks_language: bool, jitter: float
) -> dict:
    p_unsure = 0.17 if region == AFR else 0.04
    if not speaks_language:
        p_unsure += 0.08
    base = {"neutral": 0.06, "toxic": 0.85, "banter": 0.08 if region == LAC else 0.75}[row.kind]
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
    score = diff + _POSITION_BIAS + float(rng.normal(0.0, 0.8))
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
            sizes.append(int(rng.integers(15, 61)))
        days = np.sort(rng.choice(28, size=len(sizes), replace=len(sizes) > 28))
        pos = 0
        for size, day in zip(sizes, days, strict=True):
            t = _START + timedelta(days=int(day), hours=float(rng.uniform(7, 18)))
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


# ------------------------------------------------------------------ files
def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    # pandas metadata carries no timestamp, but drop it anyway: file bytes must not
    # depend on the pandas version that wrote them
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="snappy", write_statistics=False)


def _schema_yaml() -> str:
    schema = {
        "fields": {
            "toxicity": {
                "level": "nominal",
                "values": ["toxic", "not_toxic", "unsure"],
                "escape_values": ["unsure"],
            },
            "offensiveness": {"level": "ordinal", "values": OFFENSIVENESS_VALUES},
            "preference": {"level": "ordinal", "kind": "pairwise", "values": PREFERENCE_VALUES},
        }
    }
    return yaml.safe_dump(schema, sort_keys=False, allow_unicode=True)


def _target_yaml() -> str:
    target = {
        "name": "Users of the demo chat product (illustrative)",
        "source": (
            "Illustrative demo figures: shares of world population by UN region, rounded from "
            "UN World Population Prospects 2024 (2024 estimates); gender shares rounded from "
            "the same source. Not a real deployment population."
        ),
        "year": "2024",
        "attributes": {
            "region": TARGET_SHARES,
            "gender": {"female": 0.497, "male": 0.503},
        },
    }
    return yaml.safe_dump(target, sort_keys=False, allow_unicode=True, width=100)
