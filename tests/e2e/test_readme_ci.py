"""The README's "Use in CI" examples work as written.

Each YAML block is validated against the schema its CI system publishes (the copies
vendored by check-jsonschema, read offline), and every ``labelaudit`` command in it is
run, as written, from a folder laid out like the examples' repository (a bundle in
``data/labels``); the files the later steps upload must then exist.
"""

from __future__ import annotations

import importlib.util
import io
import re
import shlex
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from labelaudit.cli import main
from labelaudit.sample.generate import write_sample_bundle

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Use in CI")
    return text[start : text.index("\n## ", start + 1)]


def _blocks() -> dict[str, str]:
    blocks = re.findall(r"```yaml\n(.*?)```", _section(), flags=re.DOTALL)
    by_kind = {("github" if "runs-on:" in b else "gitlab"): b for b in blocks}
    assert set(by_kind) == {"github", "gitlab"}, "expected one GitHub and one GitLab example"
    return by_kind


def _commands(kind: str, block: str) -> list[str]:
    doc = yaml.safe_load(block)
    if kind == "github":
        lines = [s.get("run", "") for job in doc["jobs"].values() for s in job["steps"]]
    else:
        lines = [
            line for job in doc.values() if isinstance(job, dict) for line in job.get("script", [])
        ]
    return [line.strip() for line in lines if line.strip().startswith("labelaudit ")]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    write_sample_bundle(root / "data" / "labels", seed=1, n_items=150, n_annotators=40)
    return root


def _labelaudit(root: Path, command: str, monkeypatch) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with monkeypatch.context() as mp:
        mp.chdir(root)
        mp.delenv("GITHUB_STEP_SUMMARY", raising=False)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(shlex.split(command)[1:])
    assert code in (0, 1), err.getvalue()  # the gate's verdict, never bad usage
    if command.startswith("labelaudit audit"):
        assert re.match(r"labelaudit: (passed|FAILED), ", err.getvalue().splitlines()[-1])
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("kind", "schema"), [("github", "vendor.github-workflows"), ("gitlab", "vendor.gitlab-ci")]
)
def test_examples_are_valid_for_their_ci_system(kind, schema, tmp_path):
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.fail("check-jsonschema is missing: pip install -e '.[dev]'")
    path = tmp_path / f"{kind}.yml"
    path.write_text(_blocks()[kind])
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _run_example(kind: str, repo: Path, monkeypatch) -> tuple[str, dict[str, str]]:
    """Run every labelaudit command of one example; its YAML and each command's stdout."""
    block = _blocks()[kind]
    commands = _commands(kind, block)
    assert commands, f"no labelaudit command in the {kind} example"
    return block, {c: _labelaudit(repo, c, monkeypatch)[1] for c in commands}


@pytest.mark.slow
def test_github_example_commands_write_what_its_later_steps_upload(repo, monkeypatch):
    block, outputs = _run_example("github", repo, monkeypatch)
    for command, stdout in outputs.items():
        if "--format github" in command:
            assert stdout and all(ln.startswith("::") for ln in stdout.splitlines())
    steps = yaml.safe_load(block)["jobs"]["audit"]["steps"]
    uploads = [s["with"].get("sarif_file") or s["with"].get("path") for s in steps if "with" in s and "uses" in s and "setup-python" not in s["uses"]]  # fmt: skip
    hashed = re.findall(r"hashFiles\('([^']+)'\)", block)
    assert uploads and hashed
    for path in [*uploads, *hashed]:
        assert (repo / path).exists(), path


@pytest.mark.slow
def test_gitlab_example_commands_write_its_artifacts_and_junit_report(repo, monkeypatch):
    block, _ = _run_example("gitlab", repo, monkeypatch)
    job = next(j for j in yaml.safe_load(block).values() if isinstance(j, dict))
    for path in [*job["artifacts"]["paths"], job["artifacts"]["reports"]["junit"]]:
        assert (repo / path).exists(), path
    # the diff gate the section suggests, against a copy of the same run: nothing new
    diff = re.search(r"`(labelaudit diff [^`]+)`", _section()).group(1)
    shutil.copytree(repo / "reports" / "labels", repo / "previous")
    code, stdout = _labelaudit(repo, diff, monkeypatch)
    assert code == 0 and stdout.startswith("labelaudit diff: 0 new, 0 resolved")
