"""What the rater metadata itself says: minors in the pool, survey-default artefacts.

Facts and one table (figures only; verdicts are LA409's and LA410's):

* ``rater_ages`` (fact): per age column, the pool's raters grouped by the youngest and
  oldest age their value allows (:func:`~labelaudit.bundle.ages.age_bounds`: numbers and
  bands alike), with their judgments and the fields they labelled. LA409 applies its
  ``adult_age`` to it, so the threshold is the rule's, not the analysis's.
* ``list_defaults`` (table): values that are where a careless or default answer lands in
  a long alphabetical dropdown (the first options of the English country list,
  Afghanistan and Åland Islands; of the language list, Abkhazian, Afar, Afrikaans) or that
  nobody lives in (Antarctica, Bouvet Island...), with the pool's count, the count
  expected from the target (when it gives the value a share) or from the rest of the
  list (the median count of the attribute's other values), the ratio and a one-sided
  binomial p-value.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from labelaudit.analyses.base import AnalysisOutput, analysis
from labelaudit.analyses.tables import metric_table
from labelaudit.bundle.ages import age_bounds, band_labels, is_age_column
from labelaudit.bundle.model import Bundle
from labelaudit.config import AuditConfig
from labelaudit.populations.alignment import target_shares
from labelaudit.populations.m49 import country_names, lookup
from labelaudit.rulebook import Rulebook
from labelaudit.rulebook.methods import render_methods
from labelaudit.text.languages import language_code, language_names, name_key

#: ISO 3166-1 areas without a permanent population: a rater can hardly live there
UNINHABITED = {"AQ": "Antarctica", "BV": "Bouvet Island", "HM": "Heard Island and McDonald Islands",
               "GS": "South Georgia and the South Sandwich Islands",
               "TF": "French Southern Territories", "UM": "United States Minor Outlying Islands"}  # fmt: skip
#: an attribute is a country list when this share of its distinct values names countries
COUNTRY_SHARE = 0.9


@analysis("rater_metadata", order=12)
def rater_metadata_analysis(bundle: Bundle, cfg: AuditConfig, rulebook: Rulebook) -> AnalysisOutput:
    """Ages of the pool (for LA409) and alphabetical-default candidates (for LA410)."""
    if bundle.annotators is None:
        return AnalysisOutput(tables={"list_defaults": metric_table("list_defaults")})
    n_first = int(rulebook.param("LA410", "first_options"))
    pool, judged = _pool(bundle)
    table = bundle.annotators.drop_duplicates("annotator_id").set_index("annotator_id")
    table = table.reindex(bundle.annotator_ids)
    rows = []
    lists = []  # the attributes read as a country or language list (LA410's subjects)
    for col in table.columns:
        values = table[col].reset_index(drop=True)
        if col == "languages":
            rows += _defaults(col, _declared(values, pool), "languages", n_first, bundle)
            lists.append(col)
        elif _is_country_list(values[pool]):
            rows += _defaults(col, _countries(values, pool), "countries", n_first, bundle)
            lists.append(col)
    facts = {
        "list_attributes": lists,
        "rater_ages": [
            _ages(bundle, col, table[col].reset_index(drop=True), pool, judged)
            for col in table.columns
            if is_age_column(col)
        ],
        "undisclosed_codes": bundle.undisclosed_codes,
    }
    methods = render_methods(
        "rater_metadata",
        {"first_options": n_first, "age_bands": ", ".join(band_labels(cfg.age_bands))},
    )
    return AnalysisOutput(
        tables={"list_defaults": metric_table("list_defaults", rows)}, facts=facts, methods=methods
    )


def _pool(bundle: Bundle) -> tuple[np.ndarray, np.ndarray]:
    """Raters with at least one judgment (the pool), and judgment rows per rater."""
    judged = np.bincount(bundle.row_codes[1], minlength=len(bundle.annotator_ids))
    return judged > 0, judged


# ------------------------------------------------------------------ ages
def _ages(
    bundle: Bundle, col: str, values: pd.Series, pool: np.ndarray, judged: np.ndarray
) -> dict:
    """The pool by the age bounds its ``col`` values allow, with judgments and fields."""
    bounds = {v: age_bounds(v) for v in pd.unique(values.dropna())}
    pairs = [bounds.get(v) if v is not None and v == v else None for v in values]
    lo = np.array([p[0] if p else np.nan for p in pairs], dtype=float)
    hi = np.array([p[1] if p else np.nan for p in pairs], dtype=float)
    fields = _fields_by_rater(bundle)
    out = []
    known = pool & ~np.isnan(lo)
    for a, b in sorted({(lo[i], hi[i]) for i in np.flatnonzero(known)}):
        members = known & (lo == a) & (hi == b)
        out.append(
            {
                "lo": float(a),
                "hi": None if math.isinf(b) else float(b),
                "n_annotators": int(members.sum()),
                "n_judgments": int(judged[members].sum()),
                "fields": [f for f, raters in fields.items() if raters[members].any()],
            }
        )
    return {"attribute": col, "n_judgments": int(judged.sum()), "bounds": out}


def _fields_by_rater(bundle: Bundle) -> dict[str, np.ndarray]:
    """Field -> which raters (by annotator code) judged it."""
    anns = bundle.row_codes[1]
    n = len(bundle.annotator_ids)
    return {
        f: np.bincount(anns[bundle.field_rows(f, scored_only=False)], minlength=n) > 0
        for f in bundle.judged_fields
    }


# ------------------------------------------------------- alphabetical defaults
def first_options(names: list[str], n: int) -> list[str]:
    """The first ``n`` entries of a list sorted as dropdowns sort it (accents folded).

    >>> first_options(["Albania", "Åland Islands", "Afghanistan", "Algeria"], 2)
    ['Afghanistan', 'Åland Islands']
    """
    return sorted(names, key=name_key)[:n]


def _is_country_list(values: pd.Series) -> bool:
    distinct = [v for v in pd.unique(values.dropna()) if isinstance(v, str)]
    if len(distinct) < 3:
        return False
    known = sum(1 for v in distinct if lookup(v) is not None or _uninhabited(v) is not None)
    return known >= COUNTRY_SHARE * len(distinct)


def _uninhabited(value: object) -> str | None:
    text = str(value).strip()
    if text.upper() in UNINHABITED:
        return text.upper()
    return next((c for c, name in UNINHABITED.items() if name_key(name) == name_key(text)), None)


def _countries(values: pd.Series, pool: np.ndarray) -> tuple[dict, int]:
    """Pool raters per country (ISO code -> (spelling in the data, raters)), pool size."""
    counts: dict[str, list] = {}
    for v in values[pool].dropna():
        country = lookup(v)
        code = country.iso2 if country is not None else _uninhabited(v)
        if code is not None:
            counts.setdefault(code, [str(v), 0])[1] += 1
    return {k: (s, n) for k, (s, n) in counts.items()}, int(values[pool].notna().sum())


def _declared(values: pd.Series, pool: np.ndarray) -> tuple[dict, int]:
    """Pool raters per declared language (code -> (code, raters)), raters declaring any."""
    counts: dict[str, int] = {}
    lists = [v for v in values[pool] if isinstance(v, list) and v]
    for langs in lists:
        for code in {language_code(t) for t in langs} - {None}:
            counts[code] = counts.get(code, 0) + 1
    return {k: (k, n) for k, n in counts.items()}, len(lists)


def _defaults(attr: str, found: tuple[dict, int], kind: str, n_first: int, bundle: Bundle) -> list:
    counts, n_pool = found
    if n_pool == 0 or len(counts) < 2:
        return []
    names = (country_names() | UNINHABITED) if kind == "countries" else language_names()
    order = first_options(list(names.values()), len(names))
    position = {name: i + 1 for i, name in enumerate(order)}
    code_of = {name: code for code, name in names.items()}
    candidates = {code_of[n]: "first option" for n in order[:n_first]}
    if kind == "countries":
        candidates |= dict.fromkeys(UNINHABITED, "no permanent population")
    target, _ = target_shares(bundle.target, attr)
    rows = []
    for code, reason in candidates.items():
        if code not in counts:
            continue
        spelled, n = counts[code]
        others = [m for c, (_, m) in counts.items() if c != code]
        share, basis = _target_share(target, code, kind), "target"
        if share is None:
            share, basis = float(np.median(others)) / n_pool, "rest of list"
        if reason == "no permanent population":
            share, basis = 0.0, "no permanent population"
        rows.append(
            {
                "attribute": attr, "group": spelled, "list": kind, "option": names[code],
                "position": position[names[code]], "reason": reason, "n_annotators": n,
                "pool_share": n / n_pool, "expected_share": share, "basis": basis,
                "ratio": n / (share * n_pool) if share > 0 else None,
                "p_value": float(stats.binom.sf(n - 1, n_pool, share)) if share > 0 else None,
                "suppressed": False,
            }
        )  # fmt: skip
    return rows


def _target_share(target: dict[str, float] | None, code: str, kind: str) -> float | None:
    """The target's share for a country or language, when it names it with a share > 0."""
    for group, share in (target or {}).items():
        same = lookup(group) if kind == "countries" else None
        if (same is not None and same.iso2 == code) or (
            kind == "languages" and language_code(group) == code
        ):
            return share if share > 0 else None
    return None
