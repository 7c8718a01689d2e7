"""The methods notes in ``rules/methods``: every file renders, templates cannot reach into values."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import labelaudit
from labelaudit.analyses.base import registered_analyses
from labelaudit.rulebook.methods import (
    NOTE_KEYS,
    MethodsFileError,
    parse_methods_file,
    parse_template,
)
from labelaudit.sample.generate import write_sample_bundle
from labelaudit.shipped import methods_dir

FILES = sorted(methods_dir().glob("*.yaml"))


def representative(methods, flags_on: bool) -> dict:
    """A value for every name the file uses: flags all on or all off, text elsewhere."""
    values = {name: f"<{name}>" for name in methods.fields}
    values.update(dict.fromkeys(methods.flags, flags_on))
    for name, fields in methods.lists.items():
        values[name] = [{f: f"<{f}:{i}>" for f in fields} for i in range(2)]
    return values


def test_every_analysis_has_a_methods_file_and_no_file_is_orphaned() -> None:
    # one per analysis, and one for the privacy release (a stage, not an analysis)
    assert {p.stem for p in FILES} == {a.name for a in registered_analyses()} | {"privacy"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_methods_file_renders_with_representative_values(path) -> None:
    methods = parse_methods_file(path)
    printed = ""
    for flags_on in (True, False):
        values = representative(methods, flags_on)
        notes = methods.render(values)
        assert notes, "a file should render at least one note"
        for note in notes:
            assert tuple(note) == NOTE_KEYS
            assert note["title"].strip() and note["text"].strip() and note["limits"].strip()
            # every slot was filled and no piece left a doubled or dangling space
            assert not any(c in v for v in note.values() for c in "{}"), note
            assert not any("  " in v or v != v.strip() for v in note.values()), note
            printed += " ".join(note.values())
    # every value the analysis must give is printed under one setting of the flags
    shown = [f"<{n}>" for n in methods.fields - methods.flags - set(methods.lists)]
    shown += [f"<{f}:{i}>" for fields in methods.lists.values() for f in fields for i in (0, 1)]
    assert [s for s in shown if s not in printed] == []
    # a value too many or too few is refused, so a typo cannot go unnoticed
    for name in sorted(values):
        with pytest.raises(MethodsFileError, match="no value"):
            methods.render({k: v for k, v in values.items() if k != name})
    with pytest.raises(MethodsFileError, match="used by no template"):
        methods.render({**values, "not_a_field": 1})


def test_every_flag_combination_renders() -> None:
    for path in FILES:
        methods = parse_methods_file(path)
        flags = sorted(methods.flags)
        for combo in itertools.product([True, False], repeat=len(flags)):
            values = {**representative(methods, True), **dict(zip(flags, combo, strict=True))}
            for note in methods.render(values):
                assert not any("  " in v or v != v.strip() for v in note.values()), note


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


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    bundle = write_sample_bundle(tmp_path_factory.mktemp("demo"), seed=0)
    return labelaudit.audit(bundle, n_boot=200, quiet=True)


@pytest.fixture(scope="module")
def demo_methods(demo_result):
    return {note["title"]: note for note in demo_result.context["methods"]}


@pytest.mark.slow
def test_demo_methods_quote_the_run_settings(demo_methods, demo_result) -> None:
    """Sentences checked by hand against the demo's settings and data; family sizes
    against the tested rows of each family's table."""
    assert len(demo_methods) == 28  # 27 from the analyses, 1 from the privacy release
    text = {title: note["text"] for title, note in demo_methods.items()}
    assert text["Bootstrap intervals"].startswith(
        "95% percentile intervals of the overall, within and cross rows from 200 bootstrap "
        "replicates that resample pairable items with replacement (seed 0; items are drawn "
        "by position in the order of their ids"
    )
    tests = text["Permutation tests and multiple testing (every group contrast)"]
    assert "(each keeps their own judgments; group sizes are kept), drawn in the order " in tests
    assert "Two-sided p = min(1, 2 (1 + b) / (1 + B)), b the smaller tail; one-sided " in tests
    assert "(Besag & Clifford 1991; p = 2 x 10 / permutations used)" in tests
    assert "Otherwise a test runs 1000 permutations, and more (doubling, up to 20000) " in tests

    def tested(table: str) -> int:
        return int(demo_result.metrics[table]["p_value"].notna().sum())

    grasp = text["Group association (GRASP)"]
    assert "(null when |XRR| < 0.05), tested two-sided" in grasp
    assert f"Family LA103: the {tested('group_association')} GRASP tests of this run." in grasp
    assert (f"Family LA102: the {tested('agreement_difference')} difference tests of this run."
            in text["Agreement within a group vs everyone else"])  # fmt: skip
    assert (f"Family LA111: the {tested('contested_items')} contested-items tests of this run."
            in text["Contested items"])  # fmt: skip
    assert (
        f"Family LA112: the {tested('qc_by_group')} QC tests"
        in (text["Annotator agreement and QC bias"])
    )
    assert (
        f"(family LA505: the {tested('timing_by_group')} tests of this run)"
        in (text["Time per judgment and fast judgments"])
    )
    assert (
        "simulated as the lowest-agreeing 10% of annotators (annotators with at least 5 "
        in (text["Annotator agreement and QC bias"])
    )
    assert text["Rater-pool representation"].endswith(
        "UN M49 classification. Target: Users of the demo chat product (illustrative) "
        "(source: Illustrative demo figures: shares of world population by UN region, "
        "rounded from UN World Population Prospects 2024 (2024 estimates); gender shares "
        "rounded from the same source. Not a real deployment population., 2024)."
    )
    position = text["Position bias in preference judgments"]
    assert (
        "Wilson score interval. Items carry no shown_first column, so response A is taken "
        "to be the one shown first (left, or above). Ties are reported"
    ) in position
    assert (
        "less than 2.0 s or less than 0.2 x the field's median time"
        in (text["Time per judgment and fast judgments"])
    )
    assert (
        "bands under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65+ before"
        in (text["Rater metadata as read"])
    )
    assert (
        "the first 3 entries of the alphabetical English list"
        in (text["Minors and dropdown defaults"])
    )
    assert "Labeling-process checks skipped" not in demo_methods
    assert demo_methods["Tie and skip usage by group"]["reference"] == ""
