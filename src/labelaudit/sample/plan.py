"""The demo bundle's design: rater regions, target shares and the planted answer key.

Shared by :mod:`labelaudit.sample.generate` (which documents the answer key in prose)
and :mod:`labelaudit.sample.judgments`.
"""

from __future__ import annotations

from datetime import UTC, datetime

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

#: the planted effects in machine-readable form (prose: labelaudit.sample.generate);
#: ``findings_seed0`` lists the (rule, subject) pairs the seed-0 demo audit is meant to
#: produce, for integration tests
ANSWER_KEY: dict = {
    "association": {
        "fields": ["toxicity", "offensiveness"],
        "attribute": "region",
        "group": LAC,
        "kind": "banter",
    },
    "escape": {"field": "toxicity", "value": "unsure", "attribute": "region", "group": AFR},
    "over_represented": {"attribute": "region", "groups": [NA, EU]},
    "under_represented": {"attribute": "region", "groups": [AFR, ASIA]},
    "suppressed": {"attribute": "region", "group": OCE, "n_annotators": 2},
    "undeclared_language": "sw",
    "prolific": {"region": NA, "n_annotators": 3, "weight": 20.0},
    "single_region_items": {"region": NA, "per_items": 50},
    "position_bias": {"field": "preference", "a_win_share": 0.60},
    "preference_flip": {"field": "preference", "attribute": "region", "group": ASIA},
    "fast_judgments": {"attribute": "region", "group": ASIA, "threshold_s": 2.0},
    "low_pay": {"attribute": "region", "group": ASIA, "currency": "USD", "max_hourly": 1.60},
    "duplicates": 3,
    "unknown_annotators": 1,
    "gender_undisclosed": {"prefer not to say": 3, "missing": 2},
    "guideline_terms": [
        "MM/DD/YYYY",
        "Fahrenheit",
        "ZIP code",
        "Thanksgiving",
        "American football",
        "GPA",
        "SAT",
        "$",
        "dishwasher",
        "garbage disposal",
        "two-car garage",
    ],
    "findings_seed0": [
        ("LA001", {}),
        ("LA002", {}),
        ("LA103", {"field": "toxicity", "attribute": "region", "group": LAC}),
        ("LA103", {"field": "offensiveness", "attribute": "region", "group": LAC}),
        ("LA103", {"field": "preference", "attribute": "region", "group": ASIA}),
        ("LA201", {"language": "sw"}),
        ("LA401", {"attribute": "region", "group": AFR}),
        ("LA401", {"attribute": "region", "group": ASIA}),
        ("LA402", {"attribute": "region", "group": NA}),
        ("LA402", {"attribute": "region", "group": EU}),
        ("LA502", {"field": "toxicity", "attribute": "region", "group": ASIA}),
        ("LA504", {"attribute": "region", "group": ASIA, "value": "USD"}),
        ("LA601", {"field": "preference"}),
    ],
}

PREFERENCE_VALUES = ["a_much_better", "a_better", "tie", "b_better", "b_much_better"]
OFFENSIVENESS_VALUES = ["none", "mild", "moderate", "severe"]
# generator-only item columns, never written (the audit must detect language itself)
INTERNAL_ITEM_COLUMNS = ["kind", "language", "prompt_index", "a_index", "b_index"]
START = datetime(2026, 10, 1, tzinfo=UTC)
POSITION_BIAS = 0.35  # shift of the preference score towards A; gives ~60% A wins
# the vendor routes non-English posts to raters declaring the language (Swahili has none)
ROUTING = 12.0
BATCH_SIZE = 10  # items of one language sharing a home region (judgments.simulate_judgments)
#: which vendor site gets the batches of each language (other languages: any site, in
#: proportion to its size). Nobody is assigned Swahili: it lands anywhere.
LANGUAGE_SITES: dict[str, dict[str, float]] = {
    "es": {LAC: 0.7, EU: 0.3},
    "pt": {LAC: 0.8, EU: 0.2},
    "fr": {EU: 1.0},
    "de": {EU: 1.0},
    "hi": {ASIA: 1.0},
    "id": {ASIA: 1.0},
    # English work also goes to the West African hub; Swahili is not listed: no site covers it
    "en": {NA: 0.4, EU: 0.2, AFR: 0.25, ASIA: 0.15},
}
#: RLHF comparisons go to the sites in turn, in batches of BATCH_SIZE // 2
PAIR_SITES: list[str] = [NA, EU, ASIA, LAC, AFR]
