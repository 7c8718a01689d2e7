"""target.yaml parsing: presets, problems instead of exceptions, joint census tables."""

from __future__ import annotations

import pandas as pd
import pytest

from labelaudit.errors import Problem
from labelaudit.populations.targets import available_presets, parse_target

CENSUS_JOINT = {
    "format": "wide",
    "row_attribute": "age",
    "column_attributes": ["race", "sex"],
    "separator": "_",
    "drop_columns": ["All", "All_Male", "All_Female"],
    "drop_rows": ["All Ages"],
}


def test_world_regions_preset_names_its_source_and_sums_to_one():
    problems: list[Problem] = []
    target = parse_target("preset:world-regions", "command line", problems)
    assert problems == []
    assert "World Population Prospects 2024" in target.source
    assert target.year == "2024"
    region = target.attributes["region"]
    assert set(region) == {
        "Africa",
        "Asia",
        "Europe",
        "Latin America and the Caribbean",
        "Northern America",
        "Oceania",
    }
    assert sum(region.values()) == pytest.approx(1.0)
    # populations in millions / 8163 (see the preset file)
    assert region["Asia"] == pytest.approx(4830 / 8163)
    assert region["Africa"] == pytest.approx(1495 / 8163)


def test_unknown_preset_lists_the_available_ones():
    problems: list[Problem] = []
    assert parse_target("preset:mars", "labelaudit.toml", problems) is None
    assert len(problems) == 1
    assert "mars" in problems[0].message
    assert all(f"preset:{p}" in problems[0].fix for p in available_presets())


def test_shares_not_summing_to_one_name_the_attribute():
    problems: list[Problem] = []
    raw = {
        "name": "t",
        "source": "s",
        "attributes": {
            "region": {"Africa": 0.5, "Asia": 0.6},
            "gender": {"female": 0.5, "male": 0.5},
        },
    }
    assert parse_target(raw, "target.yaml", problems) is None
    assert len(problems) == 1
    p = problems[0]
    assert p.where == "target.yaml" and p.setting == "attributes.region"
    assert "'region'" in p.message and "1.1" in p.message


def test_shares_within_tolerance_are_rescaled():
    problems: list[Problem] = []
    target = parse_target({"attributes": {"g": {"a": 0.5, "b": 0.495}}}, "t.yaml", problems)
    assert problems == []
    assert target.attributes["g"] == {
        "a": pytest.approx(0.5 / 0.995),
        "b": pytest.approx(0.495 / 0.995),
    }


def test_percentages_get_a_specific_fix():
    problems: list[Problem] = []
    parse_target({"attributes": {"g": {"a": 50, "b": 50}}}, "t.yaml", problems)
    assert "percentages" in problems[0].fix


def test_every_problem_is_collected():
    problems: list[Problem] = []
    raw = {"attributes": {"g": {"a": "lots", "b": 0.5}, "h": [0.5, 0.5]}, "colour": "red"}
    assert parse_target(raw, "t.yaml", problems) is None
    settings = sorted(p.setting for p in problems)
    assert settings == ["attributes.g.a", "attributes.h", "colour"]


def test_missing_attributes_is_a_problem():
    problems: list[Problem] = []
    assert parse_target({"name": "empty", "source": "nowhere"}, "t.yaml", problems) is None
    assert problems[0].setting == "attributes"


def test_counts_are_normalised():
    problems: list[Problem] = []
    target = parse_target({"counts": {"gender": {"f": 30, "m": 10}}}, "t.yaml", problems)
    assert problems == [] and target.attributes["gender"] == {"f": 0.75, "m": 0.25}


def test_target_file_path_is_read(tmp_path):
    path = tmp_path / "target.yaml"
    path.write_text("name: pool\nsource: survey\nattributes:\n  gender: {f: 0.5, m: 0.5}\n")
    problems: list[Problem] = []
    target = parse_target(str(path), "command line", problems)
    assert problems == [] and target.path == str(path) and target.source == "survey"


def test_us_census_joint_marginals_match_the_file_totals(shared_data):
    csv = shared_data / "census_reference" / "us_census_aggregate.csv"
    problems: list[Problem] = []
    raw = {
        "name": "US adults",
        "source": "US census via PRISM",
        "joint": {"file": str(csv), **CENSUS_JOINT},
    }
    target = parse_target(raw, "target.yaml", problems)
    assert problems == []
    joint = target.joint
    assert list(joint.columns) == ["age", "race", "sex", "share"]
    assert len(joint) == 6 * 6 * 2  # ages x races x sexes
    assert joint["share"].sum() == pytest.approx(1.0)

    wide = pd.read_csv(csv, index_col=0).drop(index="All Ages")
    sex = target.attributes["sex"]
    assert sex["Male"] == pytest.approx(wide["All_Male"].sum(), abs=1e-12)
    assert sex["Female"] == pytest.approx(wide["All_Female"].sum(), abs=1e-12)
    age = target.attributes["age"]
    for label, total in wide["All"].items():
        assert age[label] == pytest.approx(total, abs=1e-12)
    race = target.attributes["race"]
    assert race["White"] == pytest.approx(wide["White_Male"].sum() + wide["White_Female"].sum())
    assert set(race) == {"White", "Black", "Hispanic", "Mixed", "Other", "Asian"}
    one_cell = joint[
        (joint.age == "25-34 years old") & (joint.race == "Asian") & (joint.sex == "Female")
    ]
    assert one_cell["share"].item() == pytest.approx(wide.loc["25-34 years old", "Asian_Female"])


def test_joint_total_rows_left_in_are_reported(shared_data):
    csv = shared_data / "census_reference" / "us_census_aggregate.csv"
    spec = {**CENSUS_JOINT, "drop_rows": []}
    problems: list[Problem] = []
    assert parse_target({"joint": {"file": str(csv), **spec}}, "t.yaml", problems) is None
    assert "sum to 2" in problems[0].message and "drop_rows" in problems[0].fix


def test_joint_unsplittable_column_is_reported(shared_data):
    csv = shared_data / "census_reference" / "us_census_aggregate.csv"
    spec = {**CENSUS_JOINT, "drop_columns": ["All_Male", "All_Female"]}
    problems: list[Problem] = []
    assert parse_target({"joint": {"file": str(csv), **spec}}, "t.yaml", problems) is None
    assert "'All'" in problems[0].message and problems[0].setting == "joint.separator"


def test_long_joint_relative_to_the_target_file(tmp_path):
    (tmp_path / "cells.csv").write_text(
        "region,gender,share\nEurope,f,0.3\nEurope,m,0.2\nAsia,f,0.25\nAsia,m,0.25\n"
    )
    problems: list[Problem] = []
    raw = {
        "name": "t",
        "attributes": {"gender": {"f": 0.5, "m": 0.5}},
        "joint": {"file": "cells.csv", "format": "long"},
    }
    target = parse_target(raw, str(tmp_path / "target.yaml"), problems)
    assert problems == []
    # explicit marginals win; missing ones come from the joint table
    assert target.attributes["gender"] == {"f": 0.5, "m": 0.5}
    assert target.attributes["region"] == {"Europe": pytest.approx(0.5), "Asia": pytest.approx(0.5)}


def test_unreadable_joint_file_is_a_problem(tmp_path):
    problems: list[Problem] = []
    raw = {"joint": {"file": "nope.csv", "row_attribute": "a", "column_attributes": ["b"]}}
    assert parse_target(raw, str(tmp_path / "target.yaml"), problems) is None
    assert problems[0].setting == "joint.file"


@pytest.mark.realdata
def test_multipico_target_counts_match_the_data(shared_data):
    """The documented MultiPICo target holds the item counts per variety country."""
    import json
    from collections import Counter
    from pathlib import Path

    import yaml

    from labelaudit.populations.m49 import lookup

    fixture = (
        Path(__file__).resolve().parents[1] / "fixtures" / "targets" / "multipico-nationality.yaml"
    )
    raw = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    counted: Counter = Counter()
    for split in ("dev", "test"):
        data = json.loads((shared_data / "multipico" / f"MP__MP_{split}.json").read_text())
        for item in data.values():
            counted[lookup(item["other_info"]["language_variety"]).name] += 1
    declared = {lookup(k).name: v for k, v in raw["counts"]["Nationality"].items()}
    assert declared == dict(counted)
    problems: list[Problem] = []
    target = parse_target(raw, str(fixture), problems)
    assert problems == [] and target.attributes["Nationality"]["India"] == pytest.approx(508 / 6761)
