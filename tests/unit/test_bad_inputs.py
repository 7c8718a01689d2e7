"""Bad-input corpus: every broken input exits 2 with one clear message, nothing hangs.

The cases are data (``tests/fixtures/bad_inputs/*.yaml``, read by
:mod:`bad_input_corpus`): each lays out a small bundle, runs the command line on it and
checks what comes out. A bad input exits 2 with one message on stderr that names the
file or setting at fault and gives a fix for every problem it lists, with no traceback
and no report written. An input the audit survives exits 0 or 1, and the rows it left
out are counted in findings.json. Every case has 10 seconds (a hang guard, not a
benchmark; 20 for the few run as a child process, which also starts Python).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bad_input_corpus import Case, load_cases

from labelaudit.cli import main

CASES = load_cases()
_PROBLEMS = re.compile(r"^labelaudit: bad input or usage, (\d+) problems?$")


def _run(case: Case, tmp_path: Path, capsys, monkeypatch) -> tuple[int, str, str]:
    argv, env = case.build(tmp_path)
    if case.subprocess:
        src = Path(__file__).resolve().parents[2] / "src"
        child_env = {**os.environ, **env, "PYTHONPATH": f"{src}{os.pathsep}"
                     + os.environ.get("PYTHONPATH", "")}  # fmt: skip
        proc = subprocess.run(
            [sys.executable, "-m", "labelaudit", *argv],
            capture_output=True,
            text=True,
            env=child_env,
            timeout=60,
        )
        return proc.returncode, proc.stdout, proc.stderr
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


# a child process also pays for the interpreter and the numpy/scipy imports
PARAMS = [
    pytest.param(c, id=c.name, marks=pytest.mark.timeout(20 if c.subprocess else 10)) for c in CASES
]


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input(case: Case, tmp_path, capsys, monkeypatch):
    code, stdout, err = _run(case, tmp_path, capsys, monkeypatch)
    assert "Traceback" not in err and "internal error" not in err, err
    out = tmp_path / "out"
    for needle in case.says:
        assert needle in err, f"{needle!r} not in:\n{err}"
    if not case.survives:
        assert code == 2, err
        head = err.splitlines()[0] if err else ""
        match = _PROBLEMS.match(head)
        assert match, err
        n = int(match.group(1))
        assert err.count("\n      fix: ") == n, f"every problem needs a fix:\n{err}"
        assert not (out / "report.html").exists()
    else:
        assert code in (0, 1), err
        doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        rules = {f["rule"] for f in doc["findings"]}
        for code_, n in case.left_out.items():
            counted = sum(f["evidence"].get("count", 0) for f in doc["findings"]
                          if f["rule"] == code_)  # fmt: skip
            assert counted == n, f"{code_}: {counted} rows left out, expected {n}"
        assert set(case.finds) <= rules, f"missing {set(case.finds) - rules}"
        assert not set(case.lacks) & rules, f"unexpected {set(case.lacks) & rules}"
    for rel in case.writes:
        assert (out / rel).is_file(), f"{rel} not written: {sorted(out.rglob('*'))}"
    if case.splits is not None:
        assert len(list(out.glob("*/report.html"))) == case.splits, sorted(out.rglob("*"))
    written = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    for secret in case.hidden:
        for text in (err, stdout, *written):
            assert secret not in text


def test_corpus_covers_the_issue():
    """At least 120 cases, both kinds, several run as a real process."""
    assert len(CASES) >= 120
    assert sum(c.survives for c in CASES) >= 10
    assert sum(c.subprocess for c in CASES) >= 3
    assert all(c.says for c in CASES if not c.survives), "an exit-2 case must say what it expects"


def test_every_problem_is_reported_at_once(tmp_path, capsys):
    """Lazy validation: three independent problems, one run, one message listing all."""
    d = tmp_path / "b"
    d.mkdir()
    (d / "judgments.csv").write_text(
        "item_id,annotator_id,label,created_at\n1,a,yes,never\n1,b,no,2026-01-01\n"
    )
    (d / "annotators.csv").write_text("annotator_id,country\na,US\na,KE\n")
    (d / "target.yaml").write_text("name: t\nattributes:\n  country: {US: 0.2, KE: 0.2}\n")
    code = main(["validate", str(d)])
    err = capsys.readouterr().err
    assert code == 2
    assert "3 problems" in err
    assert "created_at" in err and "more than once" in err and "target.yaml" in err
