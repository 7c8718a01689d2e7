"""Bad-input corpus: every broken bundle exits 2 with one message naming the culprit.

Each case builds a small broken bundle in a temporary folder, runs the CLI, and checks
the exit code, that stderr names the file/column/setting at fault (and a fix), and that
no traceback leaks out.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from labelaudit.cli import main

GOOD_J = "item_id,annotator_id,label\n1,a,yes\n1,b,no\n2,a,yes\n2,b,yes\n"
GOOD_A = "annotator_id,country,gender\na,US,f\nb,KE,m\n"


def _w(folder: Path, name: str, text: str | bytes) -> None:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")


def _good(folder: Path) -> None:
    _w(folder, "judgments.csv", GOOD_J)
    _w(folder, "annotators.csv", GOOD_A)


Case = tuple[str, Callable[[Path], list[str]], list[str]]


def c_missing_column(d: Path) -> list[str]:
    _w(d, "judgments.csv", "item_id,annotator_id,answer\n1,a,yes\n")
    return []


def c_empty_table(d: Path) -> list[str]:
    _w(d, "judgments.csv", "item_id,annotator_id,label\n")
    return []


def c_corrupt_parquet(d: Path) -> list[str]:
    _w(d, "judgments.parquet", b"PAR1 this is not really parquet \x00\x01\x02")
    return []


def c_wrong_type(d: Path) -> list[str]:
    _w(d, "judgments.xlsx", b"PK\x03\x04 not a table labelaudit reads")
    return []


def c_no_judgments(d: Path) -> list[str]:
    _w(d, "annotators.csv", GOOD_A)
    return []


def c_mixed_types(d: Path) -> list[str]:
    _w(d, "judgments.csv", "item_id,annotator_id,label\n1,a,yes\n1,b,3\n2,a,no\n2,b,yes\n")
    return []


def c_non_numeric_interval(d: Path) -> list[str]:
    _w(d, "judgments.csv", "item_id,annotator_id,label\n1,a,3.5\n1,b,high\n2,a,1\n2,b,2\n")
    _w(d, "schema.yaml", "fields:\n  label:\n    level: interval\n")
    return []


def c_target_sum(d: Path) -> list[str]:
    _good(d)
    _w(d, "target.yaml", "name: t\nsource: s\nattributes:\n  gender: {f: 0.7, m: 0.7}\n")
    return []


def c_bad_yaml(d: Path) -> list[str]:
    _good(d)
    _w(d, "schema.yaml", "fields:\n  label:\n    level: nominal\n   values: [yes, no\n")
    return []


def c_bad_toml(d: Path) -> list[str]:
    _good(d)
    _w(d, "labelaudit.toml", "seed = \nmin_group_size = 5\n")
    return []


def c_unknown_key(d: Path) -> list[str]:
    _good(d)
    _w(d, "labelaudit.toml", "min_grup_size = 3\n")
    return []


def c_group_by_missing(d: Path) -> list[str]:
    _good(d)
    return ["--group-by", "nationality"]


def c_bad_jsonl(d: Path) -> list[str]:
    _w(d, "judgments.jsonl", '{"item_id": 1, "annotator_id": "a", "label": "x"}\n{"item_id": 2,\n')
    return []


def c_bad_level(d: Path) -> list[str]:
    _good(d)
    _w(d, "schema.yaml", "fields:\n  label:\n    level: categorical\n    values: [yes, no]\n")
    return []


def c_bad_timestamp(d: Path) -> list[str]:
    _w(
        d,
        "judgments.csv",
        "item_id,annotator_id,label,created_at\n1,a,yes,2026-01-01\n1,b,no,yesterday\n",
    )
    return []


def c_duplicate_annotators(d: Path) -> list[str]:
    _w(d, "judgments.csv", GOOD_J)
    _w(d, "annotators.csv", "annotator_id,country\na,US\nb,KE\na,FR\n")
    return []


def c_unknown_preset(d: Path) -> list[str]:
    _good(d)
    return ["--target", "preset:no-such-population"]


def c_bundle_is_file(d: Path) -> list[str]:
    _w(d, "judgments.csv", GOOD_J)
    return ["__FILE__"]


def c_not_utf8(d: Path) -> list[str]:
    _w(
        d,
        "judgments.csv",
        "item_id,annotator_id,label\n1,a,caf\xe9\n".encode("latin-1") + b"\xff\xfe\x00",
    )
    return []


def c_bad_min_group(d: Path) -> list[str]:
    _good(d)
    return ["--min-group-size", "0"]


def c_unknown_rule(d: Path) -> list[str]:
    _good(d)
    _w(d, "labelaudit.toml", 'ignore = ["LA999"]\n')
    return []


def c_bad_fail_on(d: Path) -> list[str]:
    _good(d)
    return ["--fail-on", "critical"]


def c_negative_lead_time(d: Path) -> list[str]:
    _w(d, "judgments.csv", "item_id,annotator_id,label,lead_time_s\n1,a,yes,3\n1,b,no,-4\n")
    return []


def c_bad_column_mapping(d: Path) -> list[str]:
    _w(d, "judgments.csv", "post,rater,answer\n1,a,yes\n1,b,no\n")
    _w(
        d,
        "labelaudit.toml",
        '[columns]\nitem_id = "post"\nannotator_id = "worker"\nlabel = "answer"\n',
    )
    return []


def c_two_tables(d: Path) -> list[str]:
    _w(d, "judgments.csv", GOOD_J)
    _w(d, "judgments.jsonl", '{"item_id": 1, "annotator_id": "a", "label": "x"}\n')
    return []


def c_numeric_group_by(d: Path) -> list[str]:
    # ages are binned into bands by the loader; a count such as tenure in days is not
    _w(d, "judgments.csv", GOOD_J)
    days = "\n".join(f"{c},{20 + i}" for i, c in enumerate("ab"))
    extra = "\n".join(f"x{i},{30 + i}" for i in range(20))
    _w(d, "annotators.csv", "annotator_id,tenure_days\n" + days + "\n" + extra + "\n")
    return ["--group-by", "tenure_days"]


def c_bad_kernel(d: Path) -> list[str]:
    _good(d)
    _w(d, "labelaudit.toml", 'kernel = "gpu"\n')
    return []


CASES: list[Case] = [
    ("missing required column", c_missing_column, ["judgments.csv", "'label'", "fix:"]),
    ("empty table", c_empty_table, ["judgments.csv", "empty"]),
    ("corrupt parquet", c_corrupt_parquet, ["judgments.parquet", "cannot read"]),
    ("wrong file type", c_wrong_type, ["judgments.xlsx", "unsupported file type"]),
    ("no judgments table", c_no_judgments, ["no judgments table"]),
    ("mixed label types", c_mixed_types, ["judgments.csv", "mixes label types", "row"]),
    (
        "non-numeric interval labels",
        c_non_numeric_interval,
        ["judgments.csv", "non-numeric", "'label'"],
    ),
    ("target shares do not sum to 1", c_target_sum, ["target.yaml", "gender"]),
    ("malformed schema YAML", c_bad_yaml, ["schema.yaml", "not valid YAML"]),
    ("malformed TOML", c_bad_toml, ["labelaudit.toml", "not valid TOML"]),
    ("unknown config key", c_unknown_key, ["labelaudit.toml", "min_grup_size", "min_group_size"]),
    ("group_by not a column", c_group_by_missing, ["annotators.csv", "nationality", "country"]),
    ("invalid JSON line", c_bad_jsonl, ["judgments.jsonl", "line 2"]),
    ("invalid level", c_bad_level, ["schema.yaml", "categorical", "nominal"]),
    ("bad timestamp", c_bad_timestamp, ["judgments.csv", "created_at", "row 2"]),
    ("duplicate annotator rows", c_duplicate_annotators, ["annotators.csv", "more than once"]),
    ("unknown target preset", c_unknown_preset, ["no-such-population", "world-regions"]),
    ("bundle is a file", c_bundle_is_file, ["must be a folder"]),
    ("not UTF-8", c_not_utf8, ["judgments.csv", "cannot read"]),
    ("min_group_size 0", c_bad_min_group, ["min_group_size"]),
    ("unknown rule code", c_unknown_rule, ["LA999", "labelaudit rules"]),
    ("bad --fail-on", c_bad_fail_on, ["critical"]),
    ("negative lead time", c_negative_lead_time, ["lead_time_s", "row 2"]),
    ("column mapping names a missing column", c_bad_column_mapping, ["judgments.csv", "worker"]),
    ("two judgments tables", c_two_tables, ["more than one judgments table"]),
    ("group_by a continuous number", c_numeric_group_by, ["'tenure_days'", "distinct", "band"]),
    ("unknown kernel", c_bad_kernel, ["labelaudit.toml", "kernel", "gpu", "auto, numba, numpy"]),
]


@pytest.mark.parametrize("name,build,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_bundle_exits_2_with_one_clear_message(tmp_path, capsys, name, build, expected):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    extra = build(bundle)
    target = bundle
    if extra == ["__FILE__"]:
        target, extra = bundle / "judgments.csv", []
    code = main(["audit", str(target), "--out", str(tmp_path / "out"), "--quiet", *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("labelaudit: bad input or usage")
    for needle in expected:
        assert needle in err, f"{needle!r} not in:\n{err}"
    assert not (tmp_path / "out" / "report.html").exists()


def test_corpus_is_large_enough():
    assert len(CASES) >= 15


def test_every_problem_is_reported_at_once(tmp_path, capsys):
    """Lazy validation: three independent problems, one run, one message listing all."""
    d = tmp_path / "b"
    _w(
        d,
        "judgments.csv",
        "item_id,annotator_id,label,created_at\n1,a,yes,never\n1,b,no,2026-01-01\n",
    )
    _w(d, "annotators.csv", "annotator_id,country\na,US\na,KE\n")
    _w(d, "target.yaml", "name: t\nattributes:\n  country: {US: 0.2, KE: 0.2}\n")
    code = main(["validate", str(d)])
    err = capsys.readouterr().err
    assert code == 2
    assert "3 problems" in err
    assert "created_at" in err and "more than once" in err and "target.yaml" in err


@pytest.mark.slow
def test_subprocess_has_no_traceback(tmp_path):
    """The installed entry point, as a user runs it."""
    d = tmp_path / "b"
    c_mixed_types(d)
    proc = subprocess.run(
        [sys.executable, "-m", "labelaudit", "audit", str(d), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "mixes label types" in proc.stderr
