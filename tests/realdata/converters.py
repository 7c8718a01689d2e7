"""Turn the public annotation sets in ``../shared/data`` into CONTRACT bundle folders.

Test-side only: the data sets are never copied into the repository; each converter reads
the raw export and writes a bundle (Parquet tables + ``schema.yaml``) into a folder the
caller owns (a pytest ``tmp_path``). Converters keep the raw rows as they are: duplicate
judgments stay (the audit must count them), and missing or withheld attribute values
such as MultiPICo's ``DATA_EXPIRED`` are kept verbatim (the audit counts them as
undisclosed). Where the CONTRACT expects ``country`` (ISO 3166-1 alpha-2) it is derived
from the data set's country names; the original column is kept beside it.

Id conventions (checked against the raw files):

* CREHate: ``ID`` is the item id, ``annotator_id`` the rater; annotator attributes are
  repeated on every row, and rater 647 has 75 rows with all attributes blank: each
  attribute takes the rater's first non-blank value.
* MultiPICo: the ``annotations`` dict is keyed ``"Ann<k>"`` and the metadata file
  ``MP__MP_annotators_meta.json`` is keyed ``"<k>"`` (all 506 raters match that way); the
  bundle uses ``Ann<k>`` in both tables. ``language_variety`` is a lower-case ISO
  alpha-2 country code (``es``/``ar`` is Argentinian Spanish), so it gives item country.
* HS-Brexit / ArMIS: item keys restart at 1 in each split file, so the bundle's item id
  is ``<split>-<key>``. HS-Brexit's groups are in ``other_info["annotators group"]``
  (group1 = target group, Muslim immigrants in the UK; group2 = control group), its
  ``other_info["other annotations"]`` carries two more questions (aggressive,
  offensive) with the same annotator order. ArMIS's ``other_info`` maps each annotator
  to ``<Leaning>_<Gender>`` (e.g. ``Moderate_Female``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import yaml

#: country names used by the data sets -> ISO 3166-1 alpha-2
COUNTRY_ISO2: dict[str, str] = {
    "Algeria": "DZ",
    "Argentina": "AR",
    "Australia": "AU",
    "Austria": "AT",
    "Bahrain": "BH",
    "Belgium": "BE",
    "Bosnia and Herzegovina": "BA",
    "Brazil": "BR",
    "Canada": "CA",
    "Chile": "CL",
    "China": "CN",
    "Colombia": "CO",
    "Czech Republic": "CZ",
    "Dominican Republic": "DO",
    "Egypt": "EG",
    "France": "FR",
    "Germany": "DE",
    "Greece": "GR",
    "Haiti": "HT",
    "Hong Kong": "HK",
    "Hungary": "HU",
    "India": "IN",
    "Iraq": "IQ",
    "Ireland": "IE",
    "Israel": "IL",
    "Italy": "IT",
    "Jordan": "JO",
    "Kuwait": "KW",
    "Lebanon": "LB",
    "Martinique": "MQ",
    "Mexico": "MX",
    "Morocco": "MA",
    "Netherlands": "NL",
    "New Zealand": "NZ",
    "Nicaragua": "NI",
    "Palestinian Territory": "PS",
    "Poland": "PL",
    "Portugal": "PT",
    "Puerto Rico": "PR",
    "Romania": "RO",
    "Saudi Arabia": "SA",
    "Singapore": "SG",
    "Slovenia": "SI",
    "Somalia": "SO",
    "South Africa": "ZA",
    "Spain": "ES",
    "Sweden": "SE",
    "Switzerland": "CH",
    "Syrian Arab Republic": "SY",
    "Togo": "TG",
    "Tunisia": "TN",
    "United Arab Emirates": "AE",
    "United Kingdom": "GB",
    "United States": "US",
    "Yemen": "YE",
}

CREHATE_ATTRIBUTES = [
    "nationality",
    "age",
    "education",
    "ethnicity",
    "gender",
    "politic",
    "religion",
    "gender_sexual_orientation",
]
CREHATE_LABELS = {"0": "not_hate", "1": "hate", "2": "unsure"}
MULTIPICO_META = {
    "Age": "age",
    "Gender": "gender",
    "Ethnicity simplified": "ethnicity",
    "Country of birth": "country_of_birth",
    "Country of residence": "country_of_residence",
    "Nationality": "nationality",
    "Student status": "student_status",
    "Employment status": "employment_status",
}
LEWIDI_SPLITS = ("train", "dev", "test")


def iso2(name: str | None) -> str | None:
    """ISO alpha-2 code of a country name, None for blank, withheld or unknown names."""
    return COUNTRY_ISO2.get(name) if name else None


def _write(out: Path, judgments, annotators, items, schema: dict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(judgments).to_parquet(out / "judgments.parquet", index=False)
    pd.DataFrame(annotators).to_parquet(out / "annotators.parquet", index=False)
    pd.DataFrame(items).to_parquet(out / "items.parquet", index=False)
    (out / "schema.yaml").write_text(yaml.safe_dump({"fields": schema}, sort_keys=False))
    return out


def _binary_schema(name: str, negative: str, positive: str) -> dict:
    return {name: {"level": "nominal", "values": [negative, positive]}}


# ------------------------------------------------------------------ CREHate
def crehate_bundle(shared: Path, out: Path) -> Path:
    """CREHate raw annotations (5 countries) -> bundle with field ``hate``.

    ``annotation`` 0/1/2 becomes not_hate / hate / unsure (``unsure`` is the escape
    value). Attribute blanks become nulls; ``country`` is ISO alpha-2 of nationality.
    """
    folder = shared / "crehate"
    with open(folder / "CREHate_raw_annotations.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    judgments = [
        {
            "item_id": r["ID"],
            "annotator_id": r["annotator_id"],
            "field": "hate",
            "label": CREHATE_LABELS[r["annotation"]],
        }
        for r in rows
    ]
    people: dict[str, dict] = {}
    for r in rows:
        person = people.setdefault(r["annotator_id"], dict.fromkeys(CREHATE_ATTRIBUTES))
        for attr in CREHATE_ATTRIBUTES:
            if person[attr] is None and r[attr] != "":
                person[attr] = r[attr]
    annotators = []
    for aid, person in people.items():
        age = float(person["age"]) if person["age"] else None
        edu = person["education"]
        annotators.append(
            {
                "annotator_id": aid,
                "country": iso2(person["nationality"]),
                **person,
                "age": age,
                # education is a category code ("4.0" in the raw file), not a quantity
                "education": str(int(float(edu))) if edu else None,
            }
        )
    with open(folder / "CREHate_final_annotations.csv", newline="", encoding="utf-8") as fh:
        items = [{"item_id": r["ID"], "text": r["Text"]} for r in csv.DictReader(fh)]
    schema = {
        "hate": {
            "level": "nominal",
            "values": ["not_hate", "hate", "unsure"],
            "escape_values": ["unsure"],
        }
    }
    return _write(out, judgments, annotators, items, schema)


# ------------------------------------------------------------------ MultiPICo
def multipico_bundle(shared: Path, out: Path) -> Path:
    """MultiPICo dev + test splits -> bundle with field ``irony`` (not_ironic / ironic).

    Items keep the data set's ``language`` and ``language_variety``; ``text`` is the post
    and the reply (the reply is what is judged, in the post's context).
    """
    folder = shared / "multipico"
    judgments, items = [], []
    for split in ("dev", "test"):
        data = json.loads((folder / f"MP__MP_{split}.json").read_text(encoding="utf-8"))
        for item_id, rec in data.items():
            variety = rec["other_info"].get("language_variety")
            items.append(
                {
                    "item_id": item_id,
                    "text": f"{rec['text']['post']}\n\n{rec['text']['reply']}",
                    "language": rec["lang"],
                    "language_variety": variety,
                    "country": variety.upper() if variety else None,
                    "source": rec["other_info"].get("source"),
                    "split": split,
                }
            )
            for ann, label in rec["annotations"].items():
                judgments.append(
                    {
                        "item_id": item_id,
                        "annotator_id": ann,
                        "field": "irony",
                        "label": {"0": "not_ironic", "1": "ironic"}[label],
                    }
                )
    meta = json.loads((folder / "MP__MP_annotators_meta.json").read_text(encoding="utf-8"))
    annotators = []
    for key, rec in meta.items():
        row = {"annotator_id": f"Ann{key}"}
        row.update({new: rec.get(old) for old, new in MULTIPICO_META.items()})
        row["country"] = iso2(rec.get("Country of residence"))
        annotators.append(row)
    return _write(
        out, judgments, annotators, items, _binary_schema("irony", "not_ironic", "ironic")
    )


# ------------------------------------------------------------------ LeWiDi 2023
def _lewidi(shared: Path, name: str):
    for split in LEWIDI_SPLITS:
        path = shared / "lewidi2023" / f"{name}_dataset__{name}_{split}.json"
        for key, rec in json.loads(path.read_text(encoding="utf-8")).items():
            yield split, f"{split}-{key}", rec


def hsbrexit_bundle(shared: Path, out: Path) -> Path:
    """HS-Brexit (3 splits) -> bundle with fields ``hate``, ``aggressive``, ``offensive``.

    Annotators carry ``group``: ``target`` (Muslim immigrants in the UK) or ``control``.
    """
    judgments, items, groups = [], [], {}
    fields = {
        "hate": None,
        "aggressive": "aggressive language detection",
        "offensive": "offensive language detection",
    }
    names = {"group1": "target", "group2": "control"}
    for split, item_id, rec in _lewidi(shared, "HS-Brexit"):
        anns = rec["annotators"].split(",")
        for ann, grp in zip(anns, rec["other_info"]["annotators group"].split(","), strict=True):
            groups.setdefault(ann, names[grp])
        items.append(
            {"item_id": item_id, "text": rec["text"], "language": rec["lang"], "split": split}
        )
        for field, key in fields.items():
            raw = rec["annotations"] if key is None else rec["other_info"]["other annotations"][key]
            for ann, label in zip(anns, raw.split(","), strict=True):
                judgments.append(
                    {
                        "item_id": item_id,
                        "annotator_id": ann,
                        "field": field,
                        # 3 offensive labels read "No" in the raw file: kept, so the
                        # audit reports them as outside the schema
                        "label": {"0": f"not_{field}", "1": field}.get(label, label),
                    }
                )
    annotators = [{"annotator_id": a, "group": g} for a, g in sorted(groups.items())]
    schema = {}
    for field in fields:
        schema.update(_binary_schema(field, f"not_{field}", field))
    return _write(out, judgments, annotators, items, schema)


def armis_bundle(shared: Path, out: Path) -> Path:
    """ArMIS (3 splits) -> bundle with field ``misogyny``.

    Annotators carry ``political_leaning`` and ``gender``, split from ``other_info``.
    """
    judgments, items, people = [], [], {}
    for split, item_id, rec in _lewidi(shared, "ArMIS"):
        anns = rec["annotators"].split(",")
        for ann in anns:
            leaning, gender = rec["other_info"][ann].split("_")
            people.setdefault(ann, {"political_leaning": leaning, "gender": gender.lower()})
        items.append(
            {"item_id": item_id, "text": rec["text"], "language": rec["lang"], "split": split}
        )
        for ann, label in zip(anns, rec["annotations"].split(","), strict=True):
            judgments.append(
                {
                    "item_id": item_id,
                    "annotator_id": ann,
                    "field": "misogyny",
                    "label": {"0": "not_misogynistic", "1": "misogynistic"}[label],
                }
            )
    annotators = [{"annotator_id": a, **p} for a, p in sorted(people.items())]
    schema = _binary_schema("misogyny", "not_misogynistic", "misogynistic")
    return _write(out, judgments, annotators, items, schema)
