"""Every metric table's columns, declared once.

Analyses build their tables with these columns (:func:`metric_table`), the privacy step and
the checks read them, findings.json writes the contract tables' columns in the
contract's order (:data:`CONTRACT_TABLES`, CONTRACT section 3) and every other table
as built. A new table is declared here first.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: table name -> columns, in the order the table is built
# fmt: off
TABLES: dict[str, tuple[str, ...]] = {
    # pool and judgment shares of each group against the target
    "representation": (
        "attribute", "group", "n_annotators", "pool_share", "judgment_share", "target_share",
        "ratio", "suppressed", "pool_ci_low", "pool_ci_high", "n_judgments", "in_target",
        "in_pool", "target_basis",
    ),
    # the same, per field
    "representation_by_field": (
        "field", "attribute", "group", "n_annotators", "pool_share", "judgment_share",
        "target_share", "ratio", "suppressed", "pool_ci_low", "pool_ci_high", "n_judgments",
        "in_target", "in_pool", "target_basis",
    ),
    # total variation distance of the pool from the target
    "representation_distance": (
        "attribute", "field", "tvd", "tvd_judgments", "n_annotators", "n_groups_missing",
        "n_groups_unnamed",
    ),
    # share of judgments from the most prolific raters, Gini
    "concentration": ("field", "n_annotators", "top10_share", "gini", "n_top"),
    # items whose judgments all come from one group
    "perspective_diversity": (
        "attribute", "field", "n_items", "single_group_share", "mean_effective_groups",
        "expected_single_group_share",
    ),
    # undisclosed attribute values
    "metadata_completeness": ("attribute", "n_annotators", "n_missing", "missing_share"),
    # first options of alphabetical dropdowns (and uninhabited places) among rater values
    "list_defaults": (
        "attribute", "group", "list", "option", "position", "reason", "n_annotators",
        "pool_share", "expected_share", "basis", "ratio", "p_value", "suppressed",
    ),
    # Krippendorff's alpha overall, within groups; kappa_x across
    "agreement": (
        "field", "scope", "attribute", "group", "level", "alpha", "ci_low", "ci_high", "n_items",
        "n_judgments", "n_annotators", "suppressed",
    ),
    # GRASP IRR, XRR, GAI and permutation of the raters p-values (family LA103)
    "group_association": (
        "field", "attribute", "group", "irr", "xrr", "gai", "p_value", "p_adjusted", "suppressed",
        "n_annotators", "n_permutations", "family_size", "n_items", "n_judgments",
    ),
    # within-group alpha minus the rest's, permutation test that relabels raters (family LA102)
    "agreement_difference": (
        "field", "attribute", "group", "alpha_group", "alpha_rest", "difference", "p_value",
        "p_adjusted", "n_permutations", "family_size", "n_annotators", "suppressed",
        "n_annotators_rest", "n_items", "n_judgments",
    ),
    # each label's share of a group's judgments
    "label_shares": (
        "field", "attribute", "group", "value", "n_judgments", "share", "n_annotators",
        "suppressed", "group_judgments", "ci_low", "ci_high", "pooled_share",
    ),
    # are labels independent of the group? (per field and attribute; family LA110)
    "label_shift": (
        "field", "attribute", "test", "statistic", "dof", "p_value", "p_adjusted", "cramers_v",
        "n_judgments", "n_groups_tested", "n_groups_excluded", "p_value_judgments",
        "n_permutations", "family_size", "min_expected", "n_annotators_tested",
        "max_share_gap",
    ),
    # items whose group majority differs from the pooled one (family LA111)
    "contested_items": (
        "field", "attribute", "group", "n_items_compared", "n_contested", "share_contested",
        "n_annotators", "suppressed", "ci_low", "ci_high", "expected_share", "p_value",
        "p_adjusted", "n_permutations", "family_size",
    ),
    # the most contested items of each group (bounded sample)
    "contested_examples": (
        "field", "attribute", "group", "item_id", "text", "pooled_majority", "group_majority",
        "group_judgments", "other_judgments", "n_annotators", "suppressed", "gap",
    ),
    # per-annotator agreement with the others (pseudonymised)
    "annotator_agreement": (
        "annotator_id", "field", "n_items", "agreement", "flagged", "evaluated",
    ),
    # groups over-represented among raters a QC cut would drop (family LA112)
    "qc_by_group": (
        "field", "attribute", "group", "n_annotators", "n_flagged", "flagged_share", "pool_share",
        "share_of_flagged", "ratio", "p_value", "p_adjusted", "suppressed", "n_permutations",
        "family_size",
    ),
    # RLHF: how often the first-shown response wins
    "position_bias": (
        "field", "attribute", "group", "n_judgments", "first_wins", "rate", "ci_low", "ci_high",
        "tie_rate", "n_annotators", "suppressed",
    ),
    # RLHF: items whose group preference differs from the pooled one (family LA602)
    "preference_divergence": (
        "field", "attribute", "group", "n_items_compared", "n_flipped", "flip_share",
        "agrees_with_pooled_share", "decisive_share", "null_flip_share", "p_value", "p_adjusted",
        "n_annotators", "suppressed", "n_permutations", "family_size",
    ),
    # RLHF: tie and skip rates by group
    "tie_skip_usage": (
        "field", "attribute", "group", "n_judgments", "tie_rate", "skip_rate", "rest_tie_rate",
        "rest_skip_rate", "n_annotators", "suppressed",
    ),
    # item languages and the raters who read them
    "languages": (
        "language", "n_items", "item_share", "n_annotators_speaking", "mismatch_rate",
        "n_judgments", "n_judgments_known",
    ),
    # items per region against the target
    "item_regions": ("region", "n_items", "item_share", "target_share", "ratio"),
    # "none of these fit" options of each field
    "escape_options": (
        "field", "level", "kind", "n_values", "escape_values", "escape_inferred", "has_escape",
    ),
    # escape-option use by group (family LA206)
    "escape_usage": (
        "field", "attribute", "group", "n_judgments", "escape_rate", "rest_rate", "ratio",
        "p_value", "p_adjusted", "n_permutations", "family_size", "p_value_z", "n_annotators",
        "suppressed",
    ),
    # length, readability and language of each guideline
    "guideline_stats": (
        "guideline", "language", "n_lines", "n_words", "mean_sentence_words",
        "flesch_reading_ease", "fk_grade", "n_examples", "n_sentences", "n_annotators_known",
        "n_annotators_not_reading", "share_not_reading",
    ),
    # culture-specific references found by the lexicons
    "guideline_flags": (
        "guideline", "line", "term", "category", "region", "excerpt", "alternative", "lexicon",
        "entry", "explanation", "severity",
    ),
    # label values and whether the guidelines explain them
    "guideline_values": ("field", "value", "is_escape", "mentioned", "guideline", "line"),
    # labels the guidelines name but the schema lacks
    "guideline_unknown_labels": ("guideline", "line", "term", "excerpt"),
    # worked examples per field
    "guideline_examples": ("field", "n_examples", "first_line"),
    # time per judgment by group (family LA505)
    "timing_by_group": (
        "field", "attribute", "group", "n_judgments", "median_s", "q1_s", "q3_s", "iqr_s",
        "n_annotators", "suppressed", "p_value", "p_adjusted", "n_permutations", "family_size",
    ),
    # judgments faster than the floor, and their agreement (family LA502)
    "fast_judgments": (
        "field", "attribute", "group", "n_judgments", "n_fast", "fast_share", "fast_agreement",
        "other_agreement", "rest_fast_share", "n_annotators", "suppressed", "p_value",
        "p_adjusted", "n_permutations", "family_size",
    ),
    # agreement by position in a session
    "session_fatigue": ("field", "position_bucket", "bucket_start_min", "n_judgments", "agreement"),
    # session lengths by group
    "session_lengths": (
        "attribute", "group", "n_sessions", "median_session_minutes", "long_session_share",
        "n_annotators", "suppressed",
    ),
    # hourly pay by group against the floor
    "pay_by_group": (
        "attribute", "group", "currency", "n_annotators", "median_hourly_pay", "floor",
        "floor_currency", "n_compared", "n_not_comparable", "share_below_floor",
        "rest_median_hourly_pay", "suppressed",
    ),
}
# fmt: on

#: the tables findings.json must carry, with the columns it writes (CONTRACT section 3)
CONTRACT_TABLES: dict[str, list[str]] = {
    "agreement": list(TABLES["agreement"]),
    "group_association": list(TABLES["group_association"][:9]),
    "representation": list(TABLES["representation"][:8]),
    "languages": list(TABLES["languages"][:5]),
}


def metric_table(name: str, rows: Iterable[dict] = ()) -> pd.DataFrame:
    """A metric table: ``rows`` under the declared columns of table ``name``.

    >>> metric_table("concentration").columns.tolist()
    ['field', 'n_annotators', 'top10_share', 'gini', 'n_top']
    """
    return pd.DataFrame(list(rows), columns=list(TABLES[name]))
