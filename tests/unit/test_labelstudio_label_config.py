"""Label Studio label_config XML -> schema mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelaudit.sources.labelstudio.label_config import parse_label_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "labelstudio"


def test_fixture_config_gives_every_field_with_aliases_winning():
    cfg = parse_label_config((FIXTURES / "label_config.xml").read_text())
    assert cfg.schema == {
        "fields": {
            "toxicity": {
                "level": "nominal",
                "values": ["toxic", "not_toxic", "unsure"],
                "kind": "single",
            },
            "topics": {
                "level": "nominal",
                "values": ["politics", "religion", "sport"],
                "kind": "multi",
            },
            "offensiveness": {"level": "ordinal", "values": [1, 2, 3, 4], "kind": "single"},
            "preference": {"level": "nominal", "values": ["left", "right"], "kind": "pairwise"},
            "comment": {"level": "nominal", "values": [], "kind": "text"},
        }
    }
    assert cfg.controls == {
        "toxicity": "Choices",
        "topics": "Choices",
        "offensiveness": "Rating",
        "preference": "Pairwise",
        "comment": "TextArea",
    }
    assert cfg.notes == ["free-text field 'comment' (TextArea) is listed but not scored"]


def test_rating_defaults_to_five_number_ranker_labels_and_nested_views():
    cfg = parse_label_config(
        """<View><Text name="t" value="$t"/>
        <View><Rating name="stars" toName="t"/></View>
        <Number name="age" toName="t" min="0" max="120"/>
        <Ranker name="rank" toName="t"/>
        <Labels name="ner" toName="t" choice="multiple">
          <Label value="Person" alias="PER"/><Label value="Place"/>
        </Labels></View>"""
    )
    f = cfg.schema["fields"]
    assert f["stars"] == {"level": "ordinal", "values": [1, 2, 3, 4, 5], "kind": "single"}
    assert f["age"] == {"level": "interval", "values": [], "kind": "single"}
    assert f["rank"] == {"level": "ordinal", "values": [], "kind": "ranking"}
    assert f["ner"] == {"level": "nominal", "values": ["PER", "Place"], "kind": "multi"}
    assert cfg.notes == []


def test_dynamic_options_and_unscored_controls_are_noted():
    cfg = parse_label_config(
        """<View><Text name="t" value="$t"/>
        <Choices name="intent" toName="t" value="$options"/>
        <RectangleLabels name="box" toName="t"><Label value="car"/></RectangleLabels>
        <Choices name="intent" toName="t"><Choice value="dup"/></Choices></View>"""
    )
    assert cfg.schema["fields"] == {"intent": {"level": "nominal", "values": [], "kind": "single"}}
    assert cfg.notes == [
        "field 'intent' takes its options from task data ($options): its values are not in "
        "the schema",
        "control RectangleLabels 'box' is not scored by labelaudit",
        "control name 'intent' appears twice; the first one is kept",
    ]


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<View><Choices name='a'>", "not well-formed XML"),
        ("<View><Rating name='r' toName='t' maxRating='ten'/></View>", "maxRating"),
    ],
)
def test_bad_configs_raise_value_error(xml, message):
    with pytest.raises(ValueError, match=message):
        parse_label_config(xml)
