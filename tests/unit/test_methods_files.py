"""The methods notes loader: templates take named fields only and exact values."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelaudit.rulebook.methods import (
    MethodsFileError,
    parse_methods_file,
    parse_template,
)


def test_each_item_of_a_for_each_list_gives_exactly_its_note_fields(tmp_path) -> None:
    body = "entries:\n  - for_each: errs\n    title: 'Field {name}'\n    text: '{why}'\n"
    methods = parse_methods_file(write(tmp_path, body + "    reference: ''\n    limits: L\n"))
    assert methods.fields == {"errs"}
    notes = methods.render({"errs": [{"name": "a", "why": "x"}, {"name": "b", "why": "y"}]})
    assert [(n["title"], n["text"]) for n in notes] == [("Field a", "x"), ("Field b", "y")]
    assert methods.render({"errs": []}) == []
    with pytest.raises(MethodsFileError, match=r"errs\[0\]: no value"):
        methods.render({"errs": [{"name": "a"}]})


@pytest.mark.parametrize(
    "text", ["{x.__class__}", "{x[0]}", "{x!r}", "{x:.2f}", "{0}", "{}", "{x:{y}}", "a } b"]
)
def test_templates_refuse_traversal_conversions_and_specs(text) -> None:
    with pytest.raises(MethodsFileError):
        parse_template(text, "t")


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(body, encoding="utf-8")
    return path


NOTE = "title: T\n    reference: ''\n    limits: L\n"


def test_a_traversing_field_in_a_file_is_refused_when_read(tmp_path) -> None:
    path = write(tmp_path, f"entries:\n  - text: 'seed {{cfg.__class__}}'\n    {NOTE}")
    with pytest.raises(MethodsFileError, match="not a plain name"):
        parse_methods_file(path)


def test_flags_must_be_booleans_and_pieces_follow_their_flags(tmp_path) -> None:
    body = (
        "pieces:\n  tail:\n    when: loud\n    text: ' with {n}'\n    otherwise: ' alone'\n"
        f"entries:\n  - text: 'Run{{tail}}.'\n    {NOTE}"
    )
    methods = parse_methods_file(write(tmp_path, body))
    assert methods.fields == {"loud", "n"}
    assert methods.render({"loud": True, "n": 3})[0]["text"] == "Run with 3."
    assert methods.render({"loud": False, "n": 3})[0]["text"] == "Run alone."
    with pytest.raises(MethodsFileError, match="True or False"):
        methods.render({"loud": None, "n": 3})


def test_a_piece_cannot_use_a_later_piece(tmp_path) -> None:
    body = (
        "pieces:\n  a:\n    text: '{b}'\n  b:\n    text: x\n"
        f"entries:\n  - text: '{{a}}'\n    {NOTE}"
    )
    with pytest.raises(MethodsFileError, match="not defined before"):
        parse_methods_file(write(tmp_path, body))


def test_unknown_keys_and_missing_note_keys_are_refused(tmp_path) -> None:
    with pytest.raises(MethodsFileError, match="unknown key"):
        parse_methods_file(write(tmp_path, f"entries:\n  - text: x\n    if: y\n    {NOTE}"))
    with pytest.raises(MethodsFileError, match="missing"):
        parse_methods_file(write(tmp_path, "entries:\n  - title: T\n    text: x\n"))
