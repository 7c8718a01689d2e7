"""The built-in demo bundle: a seeded, realistic content-safety + RLHF labelling export.

:func:`write_sample_bundle` writes a CONTRACT bundle (``judgments.jsonl``,
``annotators.parquet``, ``items.parquet``, ``schema.yaml``, ``guidelines.md``,
``target.yaml``). Same seed and sizes give byte-identical files.

Answer key (the effects planted for the audit to find; defaults: 600 items, 60 raters;
:data:`ANSWER_KEY` holds the same in machine-readable form):

* **Work design** (the mechanism behind several effects): items go out in batches of one
  language; each batch is labelled by one vendor site (region) plus one cross-check rater
  from another region. Spanish and Portuguese go mostly to the Latin American site, French
  and German to Europe, Hindi and Indonesian to Asia, English to Northern America, Europe,
  the African hub and Asia; RLHF pairs rotate over the sites. Within a batch, raters who
  declare the post's language are preferred (``ROUTING``). Swahili has no site.
  Side effect, as in real site-based work: a site that rates mostly posts in its own
  language agrees with itself more than with outsiders, so *Northern America* also shows
  a modest group association on toxicity (seed 0: GAI ~1.5).
* **Group-aligned disagreement** (toxicity, and through it offensiveness): raters from
  *Latin America and the Caribbean* read the ``banter`` posts (mock insults among friends
  and football rivals, in English, Spanish and Portuguese) as not toxic (P(toxic) ~0.08)
  while everyone else follows the guideline's "treat sarcasm literally" rule (~0.85).
  Seed 0: GAI ~2 and more on toxicity, permutation p at its floor.
* **Escape value**: *Africa* raters choose ``unsure`` about three times as often as the
  rest (base 17% vs 4%, plus 8 points for anyone on a post in a language they do not
  declare).
* **Representativeness**: the pool is 1/3 *Northern America* and ~23% *Europe* against a
  target of 4.6% and 9.1%; *Africa* (8% vs 18.6%) and *Asia* (15% vs 58.9%) are
  under-represented. *Oceania* has 2 raters: below min_group_size 5, so suppressed.
* **Language coverage**: ~10% of the posts are in Swahili (``sw``) and no rater declares
  it; posts carry no ``language`` column so detection is exercised. RLHF pairs have no
  ``text`` (only prompt and responses).
* **Concentration**: three *Northern America* raters are sampled 20x as often as their
  colleagues and carry nearly a fifth of all judgments.
* **Single-region items**: a block of English posts (1 in 50 items) is judged only by
  *Northern America* raters; every other item is seen by at least two regions.
* **RLHF preference**: a position bias (response A, always shown first, wins ~60% of the
  non-tie judgments although A and B are balanced) and *Asia* raters flip on the
  ``culture`` prompts (manager emails, gifts, in-laws, professors, partner's parents):
  the casual answer the guideline prefers reads to them as the worst one. Seed 0: GAI
  ~2.4 on preference, permutation p at its floor.
* **Process**: ~35% of *Asia* raters' submissions take under 2 s (about 1% elsewhere);
  *Asia* raters are paid 1.10-1.60 USD/h against 3-26 USD/h elsewhere (genders are
  balanced within each region, so pay differences stay regional); ``created_at`` forms
  work sessions of 10-40 submissions on separate days.
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
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from labelaudit.sample.judgments import simulate_judgments
from labelaudit.sample.plan import (
    AFR,
    ANSWER_KEY,
    COUNTRY_REGION,
    INTERNAL_ITEM_COLUMNS,
    NA,
    OCE,
    OFFENSIVENESS_VALUES,
    PREFERENCE_VALUES,
    REGIONS,
    TARGET_SHARES,
)
from labelaudit.sample.texts import LANGUAGE_SHARES, PAIR_PROMPTS, POST_COUNTRIES, POSTS, TAILS

__all__ = ["ANSWER_KEY", "write_sample_bundle"]


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
    judgments = simulate_judgments(rng, annotators, items, _single_region_items(items))
    _write_parquet(annotators, out / "annotators.parquet")
    _write_parquet(items.drop(columns=INTERNAL_ITEM_COLUMNS), out / "items.parquet")
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
        # genders balanced within each region: pay and speed effects stay regional and do
        # not leak into spurious gender differences
        genders = rng.permutation(np.resize(["female", "male"], count))
        for k in range(count):
            country, langs = countries[rng.integers(len(countries))]
            rows.append(
                {
                    "annotator_id": ids[len(rows)],
                    "region": region,
                    "country": country,
                    "gender": str(genders[k]),
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
    return df[cols + INTERNAL_ITEM_COLUMNS]


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
