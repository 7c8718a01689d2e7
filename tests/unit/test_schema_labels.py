"""Named scale points in schema.yaml (``labels:``): parsed, checked, used, shown."""

from __future__ import annotations

from pathlib import Path

import pytest

import labelaudit
from labelaudit.cli import main

GUIDELINE = """# Rating offensiveness

Read the post, then choose a point on the scale.

- Select **Not offensive at all** (1) when nobody could take offence.
- Select **Very offensive** (5) for slurs and direct attacks.
"""
FIELD = "fields:\n  offensiveness:\n    level: ordinal\n    values: [1, 2, 3, 4, 5]\n"
LABELS = '    labels: {1: "Not offensive at all", 5: "Very offensive"}\n'


def _bundle(folder: Path, schema: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["item_id,annotator_id,label"]
    rows += [f"i{i},r{a},{1 + (i + a) % 5}" for i in range(12) for a in range(6)]
    (folder / "judgments.csv").write_text("\n".join(rows) + "\n")
    (folder / "schema.yaml").write_text(schema)
    (folder / "guidelines.md").write_text(GUIDELINE)
    return folder


def _la303(result) -> list[str]:
    return sorted(f.subject["value"] for f in result.findings if f.rule == "LA303")


def test_named_scale_points_are_not_flagged_as_missing_labels(tmp_path):
    without = labelaudit.audit(_bundle(tmp_path / "plain", FIELD), n_boot=0, quiet=True)
    assert _la303(without) == ["Not offensive at all", "Very offensive"]
    named = labelaudit.audit(_bundle(tmp_path / "named", FIELD + LABELS), n_boot=0, quiet=True)
    assert _la303(named) == []
    spec = named.context["schema"]["offensiveness"]
    assert spec["labels"] == {"1": "Not offensive at all", "5": "Very offensive"}
    assert "1 = Not offensive at all; 5 = Very offensive" in named.to_html()


def test_an_open_interval_scale_names_its_points_by_number(tmp_path):
    schema = "fields:\n  offensiveness:\n    level: interval\n" + LABELS.replace("1:", "1.0:")
    result = labelaudit.audit(_bundle(tmp_path / "b", schema), n_boot=0, quiet=True)
    assert result.context["schema"]["offensiveness"]["labels"] == {
        "1": "Not offensive at all",
        "5": "Very offensive",
    }


@pytest.mark.parametrize(
    "schema,needle",
    [
        (FIELD.replace("ordinal", "nominal") + LABELS, "labels name the points of a scale"),
        (FIELD + '    labels: {7: "Beyond"}\n', "labels name the point 7, which is not among"),
        (FIELD + '    labels: {1: "Same", 2: "same"}\n', "two points share the label 'Same'"),
        (FIELD + "    labels: {1: 3}\n", "the label of point 1 must be non-empty text"),
        (FIELD + "    labels: [1, 2]\n", "labels must be a mapping"),
        (
            "fields:\n  o:\n    level: interval\n    labels: {low: Low}\n",
            "labels name the point 'low', which is not a number",
        ),
    ],
)
def test_bad_labels_exit_2_naming_the_setting(tmp_path, capsys, schema, needle):
    bundle = _bundle(tmp_path / "b", schema)
    assert main(["audit", str(bundle), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert needle in err and "labels" in err and "Traceback" not in err
