"""Coverage analysis: item languages, annotator language fit, item regions, escape usage.

Tables:

- ``languages`` (contract): language, n_items, item_share, n_annotators_speaking,
  mismatch_rate (+ n_judgments, n_judgments_known).
- ``item_regions``: region, n_items, item_share, target_share, ratio.
- ``escape_options``: field, level, kind, n_values, escape_values, escape_inferred, has_escape.
- ``escape_usage``: field, attribute, group, n_judgments, escape_rate, rest_rate, ratio,
  p_value, p_adjusted, n_permutations, family_size (family LA206), p_value_z,
  n_annotators, suppressed.

Facts: ``facts["coverage"]`` with the language source, detector, text counts and the
share of texts too short to detect.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from labelaudit.analyses.base import AnalysisOutput, analysis, audited_attributes
from labelaudit.analyses.significance import (
    Pending,
    family_facts,
    id_order,
    rate_gap_contrast,
    shown_groups,
    strata_for,
    supported,
    test_rows,
)
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.labels import map_distinct
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.stats.contingency import two_proportion_z
from labelaudit.text.escape import find_escape_values, normalise_value_name
from labelaudit.text.langid import (
    MIN_LETTERS,
    UNDETERMINED,
    detect_languages,
    distinct_texts,
    normalise_code,
    normalise_text,
)


# ---------------------------------------------------------------- languages
def parse_language_list(value: object) -> list[str] | None:
    """Declared languages as ISO codes; ``None`` when nothing is declared.

    Examples
    --------
    >>> parse_language_list("en; fr-CA"), parse_language_list(["DE"]), parse_language_list(None)
    (['en', 'fr'], ['de'], None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    parts = value.split(";") if isinstance(value, str) else list(value)
    codes = [normalise_code(str(p)) for p in parts if str(p).strip()]
    return codes or None


def item_languages(bundle: Bundle, cfg: AuditConfig) -> tuple[pd.Series, dict]:
    """Language per item (indexed by item_id) and facts about where it came from."""
    items = bundle.items
    facts: dict = {"language_source": None, "detector": None, "min_letters": MIN_LETTERS}
    if items is None or items.empty:
        return pd.Series(dtype=object), facts
    items = items.drop_duplicates("item_id").set_index("item_id")
    given = items["language"] if "language" in items.columns else pd.Series(None, index=items.index)
    given = map_distinct(  # once per distinct value: items run to millions
        given,
        lambda v: None if v is None or v != v or not str(v).strip() else normalise_code(str(v)),
    )
    text_cols = [c for c in ("text", "prompt") if c in items.columns]
    need = given.isna()
    langs = given.astype(object)
    if need.any() and text_cols:
        # per item: its text, else (RLHF pairs) its prompt
        source = pd.Series(None, index=items.index, dtype=object)
        for col in reversed(text_cols):
            col_text = items[col].map(normalise_text)
            source = col_text.where(col_text != "", source)
        texts = source[need].tolist()
        detector = getattr(cfg, "language_detector", "langdetect")
        langs.loc[need] = detect_languages(texts, detector, seed=cfg.seed)
        n_short = sum(1 for c in langs.loc[need] if c == UNDETERMINED)
        facts.update(
            detector=detector,
            text_column="+".join(text_cols),
            n_texts=int(need.sum()),
            n_distinct_texts=distinct_texts(texts),
            n_undetermined=n_short,
            share_undetermined=n_short / int(need.sum()),
        )
    langs = langs.fillna(UNDETERMINED)
    n_given = int((~need).sum())
    facts["language_source"] = (
        "column" if n_given == len(langs) else "detected" if n_given == 0 else "column+detected"
    )
    return langs, facts


def annotator_languages(bundle: Bundle) -> pd.Series | None:
    """Declared languages per annotator_id (``None`` entries = not declared)."""
    ann = bundle.annotators
    if ann is None or "languages" not in ann.columns:
        return None
    return (
        ann.drop_duplicates("annotator_id")
        .set_index("annotator_id")["languages"]
        .map(parse_language_list)
    )


def languages_table(bundle: Bundle, langs: pd.Series) -> pd.DataFrame:
    """The contract ``languages`` table (see module docstring)."""
    if langs.empty:
        return metric_table("languages")
    counts = langs.value_counts()
    declared = annotator_languages(bundle)
    # distinct (item, annotator) pairs on the bundle's integer codes, not on id strings
    item_codes, ann_codes = bundle.row_codes
    n_ann = len(bundle.annotator_ids)
    pairs = np.sort(item_codes * n_ann + ann_codes, kind="stable")  # near-linear by item
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if pairs.size else pairs
    pair_items, pair_anns = pairs // n_ann, pairs % n_ann
    item_lang = langs.reindex(bundle.item_ids).to_numpy(dtype=object)
    ann_declared = None if declared is None else declared.reindex(bundle.annotator_ids).to_numpy()
    rows = []
    for lang, n in counts.items():
        row = {"language": lang, "n_items": int(n), "item_share": n / len(langs)}
        sub = pair_anns[(item_lang == lang)[pair_items]]
        row["n_judgments"] = int(sub.size)
        if declared is None or lang == UNDETERMINED:
            row.update(n_annotators_speaking=None, mismatch_rate=None, n_judgments_known=None)
        else:
            row["n_annotators_speaking"] = int(sum(1 for v in declared if v and lang in v))
            # per annotator: 1 speaks, 0 does not, -1 declared nothing (left out)
            speaks = np.array(
                [lang in v if isinstance(v, list) else -1 for v in ann_declared], dtype=np.int64
            )[sub]
            known = int(np.count_nonzero(speaks >= 0))
            row["n_judgments_known"] = known
            row["mismatch_rate"] = float(np.count_nonzero(speaks == 0) / known) if known else None
        rows.append(row)
    out = metric_table("languages", rows)
    out = out.astype({"n_annotators_speaking": "Int64", "n_judgments_known": "Int64"})
    return out.sort_values(["n_items", "language"], ascending=[False, True], ignore_index=True)


# ------------------------------------------------------------------ regions
def _region_lookup():
    try:
        from labelaudit.populations.m49 import region_of
    except ImportError:
        return None
    return region_of


def item_regions_table(bundle: Bundle) -> tuple[pd.DataFrame | None, dict]:
    """Items per region against the target's region shares (None when items carry no place)."""
    items = bundle.items
    facts: dict = {}
    if items is None or not ({"region", "country"} & set(items.columns)):
        return None, facts
    items = items.drop_duplicates("item_id")
    region = items["region"] if "region" in items.columns else pd.Series(None, index=items.index)
    region = region.astype(object).where(region.notna(), None)
    if "country" in items.columns and region.isna().any():
        lookup = _region_lookup()
        if lookup is None:
            facts["region_note"] = (
                "labelaudit.populations.m49 is unavailable: countries were not mapped to regions"
            )
        else:
            mapped = items["country"].map(
                lambda c: None if c is None or c != c else (lookup(str(c)) or (None,))[0]
            )
            region = region.where(region.notna(), mapped)
    known = region.dropna()
    facts["n_items_without_region"] = int(len(region) - len(known))
    target = (bundle.target.attributes.get("region") if bundle.target else None) or {}
    counts = known.astype(str).value_counts()
    names = list(dict.fromkeys([*target, *counts.index]))
    total = len(known)
    rows = []
    for name in names:
        n = int(counts.get(name, 0))
        share = n / total if total else None
        t = target.get(name)
        ratio = share / t if (share is not None and t) else None
        rows.append(
            {"region": name, "n_items": n, "item_share": share, "target_share": t, "ratio": ratio}
        )
    return metric_table("item_regions", rows), facts


# ------------------------------------------------------------------- escape
def field_escape_values(bundle: Bundle) -> dict[str, list[str]]:
    """Escape values of every nominal, categorical field (declared, else found by name)."""
    out = {}
    for name, spec in bundle.schema.items():
        if spec.kind == "text" or spec.level != "nominal" or not spec.values:
            continue
        out[name] = [str(v) for v in spec.escape_values] or find_escape_values(list(spec.values))
    return out


def escape_options_table(bundle: Bundle) -> pd.DataFrame:
    rows = []
    for name, esc in field_escape_values(bundle).items():
        spec = bundle.schema[name]
        rows.append(
            {
                "field": name, "level": spec.level, "kind": spec.kind, "n_values": len(spec.values),
                "escape_values": ", ".join(map(str, esc)),
                "escape_inferred": bool(spec.escape_inferred or (esc and not spec.escape_values)),
                "has_escape": bool(esc),
            }
        )  # fmt: skip
    return metric_table("escape_options", rows)


def _escape_flags(labels: pd.Series, escape: set[str]) -> np.ndarray:
    def flag(v: object) -> bool:
        if isinstance(v, (list, tuple, np.ndarray)):
            return any(normalise_value_name(x) in escape for x in v)
        return normalise_value_name(v) in escape

    return labels.map(flag).to_numpy(dtype=bool)


def _field_escape_flags(bundle: Bundle, rows: np.ndarray, escape: set[str]) -> np.ndarray:
    """Escape flag of each of ``rows``, decided once per distinct label when labels are coded."""
    coded = bundle.label_codes
    if coded is None:  # list labels: row by row
        return _escape_flags(bundle.judgments["label"].iloc[rows], escape)
    row_labels, uniques = coded
    table = _escape_flags(pd.Series(uniques, dtype=object), escape)
    return table[row_labels[rows]]


def escape_usage_table(
    bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook
) -> tuple[pd.DataFrame, dict]:
    """Escape rate of each annotator group vs everyone else, per field with an escape option.

    Returns the table and its family (LA206): each group's rate minus the rest's, tested
    one-sided (uses it more) by relabelling the field's raters.
    """
    attrs = audited_attributes(bundle, cfg)
    rows: list[dict] = []
    pending: list[Pending] = []
    n_ann = len(bundle.annotator_ids)
    for field, values in field_escape_values(bundle).items():
        if not values:
            continue
        escape = {normalise_value_name(v) for v in values}
        rows_f = bundle.field_rows(field)
        if rows_f.size == 0:
            continue
        flags = _field_escape_flags(bundle, rows_f, escape)
        anns = bundle.row_codes[1][rows_f]
        size = np.bincount(anns, minlength=n_ann).astype(float)
        esc = np.bincount(anns, weights=flags, minlength=n_ann)
        order = id_order(bundle.annotator_ids, np.flatnonzero(size))
        for attr in attrs:
            try:
                codes, labels = bundle.group_codes(attr)
            except KeyError:
                continue  # an attribute the annotators table lacks is reported by validation
            g = len(labels)
            c = codes[order]
            known = order[c >= 0]
            raters = np.bincount(codes[known], minlength=g)
            gn = np.bincount(codes[known], weights=size[known], minlength=g)
            ge = np.bincount(codes[known], weights=esc[known], minlength=g)
            tot_n, tot_e = size.sum(), esc.sum()
            out: list[dict | None] = []
            tested = np.zeros(g, dtype=bool)
            for k in range(g):
                if gn[k] == 0:
                    out.append(None)
                    continue
                rn, re_ = tot_n - gn[k], tot_e - ge[k]
                rate, rest = ge[k] / gn[k], (re_ / rn if rn else None)
                p_z = two_proportion_z(int(ge[k]), int(gn[k]), int(re_), int(rn))[1] if rn else None
                tested[k] = (
                    bool(rn)
                    and raters[k] >= cfg.min_group_size
                    and supported(
                        rulebook, "LA206", n_annotators=int(raters[k]), n_judgments=float(gn[k])
                    )
                )
                row = {
                    "field": field, "attribute": attr, "group": labels[k],
                    "n_judgments": int(gn[k]), "escape_rate": rate, "rest_rate": rest,
                    "ratio": rate / rest if rest else None, "p_value_z": p_z,
                    "n_annotators": int(raters[k]), "suppressed": False,
                }  # fmt: skip
                rows.append(row)
                out.append(row)
            tested &= shown_groups(bundle, attr, labels)
            pending.append((rate_gap_contrast(
                f"escape|{field}|{attr}", "LA206", "greater", codes, order, size, esc, tested,
                strata_for(bundle, cfg, attr)), out))  # fmt: skip
    families = test_rows(pending, {"LA206": float(rulebook.param("LA206", "alpha"))}, cfg)
    return metric_table("escape_usage", rows), family_facts(families)


# ----------------------------------------------------------------- analysis
@analysis("coverage", order=40)
def coverage(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Languages, regions and escape-option coverage of the bundle."""
    langs, lang_facts = item_languages(bundle, cfg)
    tables = {"languages": languages_table(bundle, langs)}
    facts = {
        "coverage": {**lang_facts, "languages_declared": annotator_languages(bundle) is not None}
    }
    facts["coverage"]["language_counts"] = dict(Counter(langs.tolist()).most_common())
    regions, region_facts = item_regions_table(bundle)
    if regions is not None:
        tables["item_regions"] = regions
        facts["coverage"].update(region_facts)
    options = escape_options_table(bundle)
    family = 0
    if not options.empty:
        tables["escape_options"] = options
        usage, families = escape_usage_table(bundle, cfg, rulebook)
        facts["coverage"]["families"] = families
        family = families.get("LA206", {}).get("size", 0)
        if not usage.empty:
            tables["escape_usage"] = usage
    methods = render_methods("coverage", {"min_letters": MIN_LETTERS, "la206_family": family})
    return AnalysisOutput(tables=tables, facts=facts, methods=methods)
