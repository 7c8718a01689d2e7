"""UN M49 regions from country codes or common English country names.

The table ``m49_countries.tsv`` beside this module is written from the UN M49
standard (source and conventions in its header). Regions use the six-region scheme
of the CONTRACT (Africa, Asia, Europe, Latin America and the Caribbean, Northern
America, Oceania); sub-regions are the 22 geographic regions of UN World Population
Prospects (M49 intermediate region where one exists, otherwise sub-region).
Lookups are offline and take well under a millisecond per distinct value.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

#: the six regions of the CONTRACT, in presentation order
REGIONS: tuple[str, ...] = (
    "Africa",
    "Asia",
    "Europe",
    "Latin America and the Caribbean",
    "Northern America",
    "Oceania",
)

#: sub-region -> region (the 22 WPP geographic regions)
SUBREGION_REGION: dict[str, str] = {
    "Eastern Africa": "Africa",
    "Middle Africa": "Africa",
    "Northern Africa": "Africa",
    "Southern Africa": "Africa",
    "Western Africa": "Africa",
    "Caribbean": "Latin America and the Caribbean",
    "Central America": "Latin America and the Caribbean",
    "South America": "Latin America and the Caribbean",
    "Northern America": "Northern America",
    "Central Asia": "Asia",
    "Eastern Asia": "Asia",
    "South-eastern Asia": "Asia",
    "Southern Asia": "Asia",
    "Western Asia": "Asia",
    "Eastern Europe": "Europe",
    "Northern Europe": "Europe",
    "Southern Europe": "Europe",
    "Western Europe": "Europe",
    "Australia and New Zealand": "Oceania",
    "Melanesia": "Oceania",
    "Micronesia": "Oceania",
    "Polynesia": "Oceania",
}


@dataclass(frozen=True)
class Country:
    iso2: str
    name: str
    subregion: str

    @property
    def region(self) -> str:
        return SUBREGION_REGION[self.subregion]


def _norm(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key ("Côte d'Ivoire" == "cote divoire")."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = "".join(c if c.isalnum() else " " for c in ascii_only.casefold())
    words = kept.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@cache
def _tables() -> tuple[dict[str, Country], dict[str, Country]]:
    """(iso2 -> Country, normalised name/alias -> Country), read once."""
    text = (
        resources.files("labelaudit.populations")
        .joinpath("m49_countries.tsv")
        .read_text(encoding="utf-8")
    )
    by_code: dict[str, Country] = {}
    by_name: dict[str, Country] = {}
    rows = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    for line in rows[1:]:  # rows[0] is the column header
        iso2, name, subregion, aliases = (line.split("\t") + [""])[:4]
        country = Country(iso2, name, subregion)
        by_code[iso2] = country
        for alias in [name, *aliases.split(";")]:
            if alias.strip():
                by_name.setdefault(_norm(alias), country)
    return by_code, by_name


def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English name, for every country or area of the table.

    >>> country_names()["AX"]
    'Åland Islands'
    """
    return {code: c.name for code, c in _tables()[0].items()}


def lookup(value: object) -> Country | None:
    """The country named by an ISO 3166-1 alpha-2 code or an English name, or None.

    >>> lookup("za").name
    'South Africa'
    >>> lookup("Syrian Arab Republic").iso2
    'SY'
    >>> lookup("Atlantis") is None
    True
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if not text:
        return None
    by_code, by_name = _tables()
    if len(text) == 2 and text.isalpha():
        # two letters are a code; "UK" is the common non-ISO spelling of GB
        code = "GB" if text.upper() == "UK" else text.upper()
        if code in by_code:
            return by_code[code]
    return by_name.get(_norm(text))


def region_of(iso2: str) -> tuple[str, str] | None:
    """(region in the six-region scheme, M49/WPP sub-region) of a country, or None.

    Accepts ISO 3166-1 alpha-2 codes (any case) and common English names.

    >>> region_of("US")
    ('Northern America', 'Northern America')
    >>> region_of("Mexico")
    ('Latin America and the Caribbean', 'Central America')
    >>> region_of("SG")
    ('Asia', 'South-eastern Asia')
    >>> region_of("ZZ") is None
    True
    """
    country = lookup(iso2)
    if country is None:
        return None
    return country.region, country.subregion


def regions_of(countries: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`region_of` over a Series of country codes or names.

    Returns a frame aligned with ``countries`` with columns ``iso2``, ``region`` and
    ``subregion`` (None where missing or unrecognised). Each distinct value is looked
    up once.

    >>> regions_of(pd.Series(["AU", "Ireland", None, "Narnia"])).region.tolist()
    ['Oceania', 'Europe', None, None]
    """
    uniq = pd.unique(countries.dropna())
    found = {v: lookup(v) for v in uniq}

    def col(attr: str) -> pd.Series:
        hits = [found.get(v) if isinstance(v, str) or v == v else None for v in countries]
        return pd.Series(
            [None if c is None else getattr(c, attr) for c in hits],
            index=countries.index,
            dtype=object,
        )

    return pd.DataFrame(
        {"iso2": col("iso2"), "region": col("region"), "subregion": col("subregion")},
        index=countries.index,
    )


def unrecognised(countries: pd.Series) -> list[str]:
    """Distinct non-empty values that are neither an ISO alpha-2 code nor a known name.

    >>> unrecognised(pd.Series(["US", "Narnia", "", None, "Narnia"]))
    ['Narnia']
    """
    out = []
    for v in pd.unique(countries.dropna()):
        if str(v).strip() and lookup(v) is None:
            out.append(str(v))
    return sorted(out)
