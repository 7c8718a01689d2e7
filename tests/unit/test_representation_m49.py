"""UN M49 region derivation from ISO 3166-1 alpha-2 codes and English country names."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from labelaudit.populations.m49 import (
    REGIONS,
    SUBREGION_REGION,
    _tables,
    lookup,
    region_of,
    regions_of,
    unrecognised,
)


def test_table_is_complete_and_consistent():
    by_code, _ = _tables()
    # 249 ISO 3166-1 codes minus Antarctica (no M49 region) plus Kosovo's XK
    assert len(by_code) == 249
    assert "AQ" not in by_code and "XK" in by_code
    assert {c.subregion for c in by_code.values()} == set(SUBREGION_REGION)
    assert {c.region for c in by_code.values()} == set(REGIONS)
    assert all(len(code) == 2 and code.isupper() for code in by_code)


@pytest.mark.parametrize(
    "code,region,subregion",
    [
        ("US", "Northern America", "Northern America"),
        ("CA", "Northern America", "Northern America"),
        ("GL", "Northern America", "Northern America"),
        ("BM", "Northern America", "Northern America"),
        ("MX", "Latin America and the Caribbean", "Central America"),
        ("GY", "Latin America and the Caribbean", "South America"),
        ("PR", "Latin America and the Caribbean", "Caribbean"),
        ("EG", "Africa", "Northern Africa"),
        ("SD", "Africa", "Northern Africa"),
        ("ZA", "Africa", "Southern Africa"),
        ("NG", "Africa", "Western Africa"),
        ("CD", "Africa", "Middle Africa"),
        ("KE", "Africa", "Eastern Africa"),
        ("TR", "Asia", "Western Asia"),
        ("CY", "Asia", "Western Asia"),
        ("IR", "Asia", "Southern Asia"),
        ("AF", "Asia", "Southern Asia"),
        ("KZ", "Asia", "Central Asia"),
        ("SG", "Asia", "South-eastern Asia"),
        ("JP", "Asia", "Eastern Asia"),
        ("RU", "Europe", "Eastern Europe"),
        ("GB", "Europe", "Northern Europe"),
        ("IE", "Europe", "Northern Europe"),
        ("ES", "Europe", "Southern Europe"),
        ("DE", "Europe", "Western Europe"),
        ("AU", "Oceania", "Australia and New Zealand"),
        ("FJ", "Oceania", "Melanesia"),
        ("NR", "Oceania", "Micronesia"),
        ("WS", "Oceania", "Polynesia"),
    ],
)
def test_region_of_codes(code, region, subregion):
    assert region_of(code) == (region, subregion)
    assert region_of(code.lower()) == (region, subregion)


@pytest.mark.parametrize(
    "name,iso2",
    [
        ("United States", "US"),
        ("United States of America", "US"),
        ("USA", "US"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("Australia", "AU"),
        ("Singapore", "SG"),
        ("South Africa", "ZA"),
        ("Syrian Arab Republic", "SY"),
        ("Palestinian Territory", "PS"),
        ("Turkey", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("cote d ivoire", "CI"),
        ("The Netherlands", "NL"),
        ("  ireland ", "IE"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
    ],
)
def test_lookup_accepts_english_names(name, iso2):
    assert lookup(name).iso2 == iso2


@pytest.mark.parametrize("value", [None, "", "ZZ", "Narnia", "DATA_EXPIRED", float("nan")])
def test_unknown_values_give_none(value):
    assert region_of(value) is None


def test_regions_of_is_vectorised_and_aligned():
    s = pd.Series(["AU", "Mexico", None, "Atlantis", "AU"], index=[10, 11, 12, 13, 14])
    out = regions_of(s)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out["iso2"].tolist() == ["AU", "MX", None, None, "AU"]
    assert out["region"].tolist() == [
        "Oceania",
        "Latin America and the Caribbean",
        None,
        None,
        "Oceania",
    ]
    assert out["subregion"].tolist()[1] == "Central America"
    assert unrecognised(s) == ["Atlantis"]


def test_real_country_values_are_recognised(shared_data):
    """Every nationality in MultiPICo and every CREHate country maps to a region."""
    meta = json.loads((shared_data / "multipico" / "MP__MP_annotators_meta.json").read_text())
    for column in ("Nationality", "Country of residence"):
        values = pd.Series([m[column] for m in meta.values()])
        assert unrecognised(values) == []
    crehate = pd.read_csv(
        shared_data / "crehate" / "CREHate_raw_annotations.csv", usecols=["nationality"]
    )
    regions = regions_of(crehate["nationality"].drop_duplicates())
    assert regions["region"].notna().all()
    assert set(regions["iso2"]) == {"US", "GB", "AU", "ZA", "SG"}
