"""Task/annotation -> judgment rows: one row per result, breaches passed through."""

from __future__ import annotations

import pandas as pd
import pytest

from labelaudit.errors import InputError
from labelaudit.sources.labelstudio.convert import tasks_to_raw
from labelaudit.sources.labelstudio.label_config import parse_label_config

CONFIG = parse_label_config(
    """<View><Text name="t" value="$text"/>
    <Choices name="tox" toName="t"><Choice value="Toxic" alias="toxic"/><Choice value="ok"/></Choices>
    <Number name="age" toName="t"/>
    <Ranker name="rank" toName="t"/>
    <Labels name="ner" toName="t"><Label value="PER"/><Label value="LOC"/></Labels>
    <TextArea name="why" toName="t"/></View>"""
)


def task(tid, *annotations, **data):
    return {"id": tid, "data": data or {"text": "x"}, "annotations": list(annotations)}


def ann(user, *results, **extra):
    return {"completed_by": user, "result": list(results), **extra}


def res(name, rtype, value):
    return {"from_name": name, "to_name": "t", "type": rtype, "value": value}


def labels(raw) -> list[tuple]:
    return [(r.annotator_id, r.field, r.label) for r in raw.judgments.itertuples()]


def test_each_result_type_gives_its_label():
    raw = tasks_to_raw(
        [
            task(
                1,
                ann(
                    5,
                    res("tox", "choices", {"choices": ["ok"]}),
                    res("age", "number", {"number": 41}),
                    res("rank", "ranker", {"ranker": {"top": ["b", "a"], "rest": ["c"]}}),
                    res("ner", "labels", {"start": 0, "end": 4, "text": "Lima", "labels": ["LOC"]}),
                    res("ner", "labels", {"start": 5, "end": 8, "text": "Ana", "labels": ["PER"]}),
                    res("why", "textarea", {"text": ["because"]}),
                ),
            )
        ],
        config=CONFIG,
        where="t.json",
    )
    assert labels(raw) == [
        ("5", "tox", "ok"),
        ("5", "age", 41.0),
        ("5", "rank", ["b", "a", "c"]),
        ("5", "ner", "LOC"),  # one row per span
        ("5", "ner", "PER"),
    ]
    assert raw.skipped_rows == {"textarea_result": 1}
    assert raw.source["counts"] == {}


def test_results_that_cannot_be_judgments_are_counted_not_dropped_silently():
    raw = tasks_to_raw(
        [
            task(
                1,
                ann(5, res("box", "rectanglelabels", {"x": 1, "rectanglelabels": ["car"]})),
                ann(6, res("tox", "choices", {"choices": []})),
                ann(7),
                ann(8, res("tox", "choices", {"choices": ["toxic"]}), was_cancelled=True),
            )
        ],
        config=CONFIG,
        where="t.json",
    )
    assert raw.skipped_rows == {
        "cancelled_annotation_result": 1,
        "empty_annotation": 1,
        "empty_result": 1,
        "unsupported_result:rectanglelabels": 1,
    }
    # the cancelled annotation skips each scored field (not the free-text one)
    assert labels(raw) == [("8", f, None) for f in ["tox", "age", "rank", "ner"]]
    assert raw.source["counts"] == {
        "annotations_without_scored_result": 2,
        "cancelled_annotations": 1,
    }


def test_breaches_of_the_label_config_pass_through():
    raw = tasks_to_raw(
        [
            task(
                1,
                ann(5, res("tox", "choices", {"choices": ["Toxic"]})),  # value, not alias
                ann(6, res("tox", "choices", {"choices": ["toxic", "ok"]})),
                ann(7, res("mood", "choices", {"choices": ["calm"]})),
            )
        ],
        config=CONFIG,
        where="t.json",
    )
    assert labels(raw) == [
        ("5", "tox", "Toxic"),
        ("6", "tox", ["toxic", "ok"]),
        ("7", "mood", "calm"),
    ]
    assert raw.source["counts"] == {
        "multiple_values_on_single_choice": 1,
        "unknown_from_name": 1,
        "unknown_value": 1,
    }
    assert "mood" not in raw.schema["fields"]


def test_user_objects_on_behalf_and_times():
    raw = tasks_to_raw(
        [
            task(
                1,
                ann(
                    {"id": 5, "email": "a@x.test"},
                    res("tox", "choices", {"choices": ["ok"]}),
                    updated_by={"id": 9},
                    created_at="2026-01-02T03:04:05.5+02:00",
                    lead_time=3,
                ),
                ann(6, res("tox", "choices", {"choices": ["ok"]}), updated_by=6),
            )
        ],
        config=CONFIG,
        where="t.json",
    )
    j = raw.judgments
    assert j["annotator_id"].tolist() == ["5", "6"]
    assert j["on_behalf"].tolist() == [True, False]
    assert j["created_at"][0] == pd.Timestamp("2026-01-02T01:04:05.5Z")
    assert pd.isna(j["created_at"][1])
    assert j["lead_time_s"][0] == 3.0 and pd.isna(j["lead_time_s"][1])
    assert j["on_behalf"].dtype == bool


def test_items_keep_task_data_with_nested_values_as_json():
    raw = tasks_to_raw(
        [task(3, text="hola", language="es", extra={"k": [1, 2]}), task(3, text="dup")],
        config=None,
        where="t.json",
    )
    assert raw.items.to_dict("records") == [
        {"item_id": "3", "text": "hola", "language": "es", "extra": '{"k": [1, 2]}'}
    ]
    assert raw.judgments.empty
    assert raw.judgments.columns.tolist() == [
        "item_id",
        "annotator_id",
        "field",
        "label",
        "created_at",
        "lead_time_s",
        "on_behalf",
    ]


def test_annotation_without_completed_by_is_an_input_error():
    with pytest.raises(InputError) as info:
        tasks_to_raw([task(1, {"id": 44, "result": []})], config=None, where="x.json")
    (problem,) = info.value.problems
    assert problem.where == "x.json"
    assert problem.message == (
        "task 0 (0-based position in the file): annotation 44 has no 'completed_by'"
    )
