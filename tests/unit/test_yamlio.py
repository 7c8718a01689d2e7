"""The bounded YAML reader: plain data as safe_load gives it, hostile files refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import labelaudit.yamlio as yamlio
from labelaudit.shipped import rules_dir
from labelaudit.yamlio import YamlError, load_yaml_file, load_yaml_text

REPO = Path(__file__).resolve().parents[2]


def _laughs(levels: int, width: int = 9) -> str:
    names = "abcdefghijklmnop"
    text = f"a: &a [{', '.join(['lol'] * width)}]\n"
    for i in range(1, levels):
        text += f"{names[i]}: &{names[i]} [{', '.join([f'*{names[i - 1]}'] * width)}]\n"
    return text


def test_every_shipped_and_fixture_yaml_reads_as_safe_load_reads_it():
    paths = [*rules_dir().rglob("*.yaml"), *(REPO / "src").rglob("*.yaml")]
    paths += [
        p for p in (REPO / "tests" / "fixtures").rglob("*.yaml") if "bad_inputs" not in str(p)
    ]
    assert len(paths) > 100
    for p in paths:
        text = p.read_text(encoding="utf-8")
        assert load_yaml_text(text) == yaml.safe_load(text), p


def test_a_billion_laughs_is_refused_while_it_is_read():
    with pytest.raises(YamlError, match="aliases expand to more than"):
        load_yaml_text(_laughs(9))
    small = load_yaml_text(_laughs(3))  # 9**3 = 729 strings: an ordinary use of aliases
    assert len(small["c"]) == 9 and small["c"][0][0][0] == "lol"


def test_merge_keys_still_work_and_count_towards_the_limit(monkeypatch):
    assert load_yaml_text("a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n")["c"] == {"b": 1, "d": 2}
    monkeypatch.setattr(yamlio, "MAX_NODES", 20)
    merges = "a: &a {x0: 1, x1: 1, x2: 1, x3: 1}\n" + "".join(
        f"b{i}:\n  <<: [*a]\n" for i in range(5)
    )
    with pytest.raises(YamlError, match="aliases"):
        load_yaml_text(merges)


@pytest.mark.parametrize(
    "text,says",
    [
        ("[" * 2000 + "]" * 2000, "nested more than 100 levels"),
        ("a: &a\n  b: *a\n", "recursive alias"),
        ("a: 1\na: 2\n", "key 'a' is given twice"),
        ("a: !!python/object/apply:os.system ['true']\n", "YAML tag"),
        ("a: !include x.yaml\n", "YAML tag"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
        ("a:\n\tb: 1\n", "not valid YAML"),
    ],
)
def test_hostile_or_broken_yaml_is_a_yaml_error_with_a_fix(text, says):
    with pytest.raises(YamlError) as err:
        load_yaml_text(text)
    assert says in str(err.value) and err.value.fix


def test_yaml_1_2_booleans_keep_country_codes_and_answers_as_text():
    assert load_yaml_text("country: {NO: 0.5, SE: 0.5}\nvalues: [yes, no, on, off]\nx: true") == {
        "country": {"NO": 0.5, "SE": 0.5},
        "values": ["yes", "no", "on", "off"],
        "x": True,
    }


def test_files_too_large_folders_and_bad_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_BYTES", 100)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 200 + "\n")
    for path, says in (
        (big, "larger than"),
        (tmp_path, "folder"),
        (tmp_path / "missing.yaml", "not found"),
    ):
        with pytest.raises(YamlError, match=says):
            load_yaml_file(path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(YamlError) as err:
        load_yaml_file(latin)
    assert err.value.line == 2 and "UTF-8" in str(err.value)
