"""labelaudit diff: new, resolved and changed findings, metric deltas, exit codes."""

from __future__ import annotations

import copy
import json

import pytest

from labelaudit.diff import diff_findings, exit_code, format_diff, load_findings
from labelaudit.errors import InputError


def _finding(rule, severity, subject, evidence, message="m"):
    return {
        "rule": rule,
        "category": "disagreement",
        "severity": severity,
        "title": f"title {rule}",
        "message": message,
        "subject": subject,
        "evidence": evidence,
    }


def _doc(findings, agreement=(), ga=(), rep=(), langs=()):
    return {
        "schema_version": "1",
        "findings": list(findings),
        "metrics": {
            "agreement": list(agreement),
            "group_association": list(ga),
            "representation": list(rep),
            "languages": list(langs),
        },
    }


def _alpha(group, alpha, scope="within"):
    return {"field": "tox", "scope": scope, "attribute": "region", "group": group, "alpha": alpha}


OLD = _doc(
    [
        _finding("LA401", "high", {"attribute": "region", "group": "Africa"}, {"ratio": 0.22}),
        _finding("LA201", "medium", {"field": "tox", "attribute": "region", "group": "Asia"},
                 {"gai": 1.30, "p_adjusted": 0.01}),
        _finding("LA501", "low", {"guideline": "g.md", "line": 14}, {"term": "holiday"}),
        _finding("LA601", "info", {"field": "tox"}, {"fast_rate": 0.04}),
    ],
    agreement=[_alpha(None, 0.61, "overall"), _alpha("Asia", 0.58), _alpha("Europe", 0.63)],
    ga=[{"field": "tox", "attribute": "region", "group": "Asia", "gai": 1.30, "p_adjusted": 0.01}],
    rep=[{"attribute": "region", "group": "Africa", "ratio": 0.22}],
    langs=[{"language": "sw", "mismatch_rate": 1.0}, {"language": "en", "mismatch_rate": 0.02}],
)  # fmt: skip


def _new_doc():
    new = copy.deepcopy(OLD)
    fs = new["findings"]
    fs[0]["evidence"]["ratio"] = 0.35  # LA401 changed evidence
    fs[1]["severity"] = "high"  # LA201 escalated medium -> high
    fs[1]["evidence"]["gai"] = 1.30000000001  # float noise is not a change
    del fs[2]  # LA501 resolved
    fs.append(_finding("LA301", "medium", {"language": "sw"}, {"n_items": 150}))  # new
    new["metrics"]["agreement"][1]["alpha"] = 0.62  # Asia 0.58 -> 0.62
    new["metrics"]["agreement"].append(_alpha("Oceania", 0.5))  # only in new
    new["metrics"]["group_association"][0]["p_adjusted"] = 0.2
    new["metrics"]["representation"][0]["ratio"] = 0.35
    new["metrics"]["languages"][0]["mismatch_rate"] = 0.5
    return new


def test_new_resolved_and_changed_findings():
    d = diff_findings(OLD, _new_doc())
    assert [(f["rule"], f["subject"]) for f in d.new] == [("LA301", {"language": "sw"})]
    assert [f["rule"] for f in d.resolved] == ["LA501"]
    changed = {c.rule: c.changes for c in d.changed}
    assert changed == {
        "LA401": {"ratio": (0.22, 0.35)},
        "LA201": {"severity": ("medium", "high")},
    }


def test_unchanged_findings_are_not_reported():
    d = diff_findings(OLD, copy.deepcopy(OLD))
    assert d.empty
    assert format_diff(d).endswith("No differences.\n")
    assert exit_code(d, "info") == 0


def test_metric_deltas_keyed_by_identity_columns():
    d = diff_findings(OLD, _new_doc())
    got = {(m.table, m.column, tuple(m.key.values())): (m.old, m.new) for m in d.deltas}
    assert got == {
        ("agreement", "alpha", ("tox", "within", "region", "Asia")): (0.58, 0.62),
        ("agreement", "alpha", ("tox", "within", "region", "Oceania")): (None, 0.5),
        ("group_association", "p_adjusted", ("tox", "region", "Asia")): (0.01, 0.2),
        ("representation", "ratio", ("region", "Africa")): (0.22, 0.35),
        ("languages", "mismatch_rate", ("sw",)): (1.0, 0.5),
    }
    asia = next(m for m in d.deltas if m.key.get("group") == "Asia" and m.table == "agreement")
    assert asia.delta == pytest.approx(0.04)


def test_exit_codes_follow_fail_on():
    d = diff_findings(OLD, _new_doc())
    # the only new finding is medium; LA201 rose from medium to high
    assert exit_code(d, None) == 0
    assert exit_code(d, "high") == 1  # LA201 reached high
    assert exit_code(d, "medium") == 1  # LA301 is new at medium
    new = _new_doc()
    new["findings"][1]["severity"] = "medium"  # no escalation
    d2 = diff_findings(OLD, new)
    assert exit_code(d2, "high") == 0
    assert exit_code(d2, "medium") == 1
    assert exit_code(d2, "low") == 1
    with pytest.raises(ValueError, match="fail_on must be one of"):
        exit_code(d2, "critical")


def test_resolved_only_never_fails():
    new = copy.deepcopy(OLD)
    new["findings"] = []
    d = diff_findings(OLD, new)
    assert len(d.resolved) == 4 and not d.new
    assert [f["rule"] for f in d.resolved] == ["LA401", "LA201", "LA501", "LA601"]
    assert exit_code(d, "info") == 0


def test_duplicate_keys_pair_one_to_one():
    f = _finding("LA301", "medium", {"language": "sw"}, {"n": 1})
    old, new = _doc([f]), _doc([f, copy.deepcopy(f)])
    d = diff_findings(old, new)
    assert len(d.new) == 1 and not d.changed and not d.resolved


def test_format_diff_lists_every_change():
    text = format_diff(diff_findings(OLD, _new_doc()))
    assert text.splitlines()[0] == (
        "labelaudit diff: 1 new, 1 resolved, 2 changed finding(s); 5 metric change(s)"
    )
    assert "  + [medium] LA301 (language=sw): m" in text
    assert "  - [low] LA501 (guideline=g.md, line=14): title LA501" in text
    assert "  ~ LA201 (attribute=region, field=tox, group=Asia): severity medium -> high" in text
    assert (
        "  agreement.alpha (attribute=region, field=tox, group=Asia, scope=within): 0.58 -> 0.62 (+0.04)"
        in text
    )


def test_rejects_documents_that_are_not_findings():
    with pytest.raises(ValueError, match="OLD: not a labelaudit findings.json"):
        diff_findings({"metrics": {}}, OLD)


def test_load_findings_names_the_file(tmp_path):
    good = tmp_path / "run1"
    good.mkdir()
    (good / "findings.json").write_text(json.dumps(OLD), encoding="utf-8")
    assert load_findings(good)["findings"][0]["rule"] == "LA401"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="bad.json: not valid JSON"):
        load_findings(bad)
    with pytest.raises(InputError, match="missing.json: file not found"):
        load_findings(tmp_path / "missing.json")


def _fingerprinted(f, fp):
    return {**f, "fingerprint": fp}


def test_findings_are_matched_by_fingerprint_so_moved_lines_are_unchanged():
    on = lambda line, excerpt: _fingerprinted(  # noqa: E731
        _finding("LA301", "low", {"guideline": "g.md", "line": line},
                 {"term": "Fahrenheit", "excerpt": excerpt}), "a" * 32)  # fmt: skip
    other = _fingerprinted(_finding("LA401", "high", {"group": "Africa"}, {"ratio": 0.2}), "b" * 32)
    old = _doc([on(3, "Use Fahrenheit."), other])
    new = _doc([on(5, "Use  Fahrenheit."), other])  # two lines added above; re-spaced
    d = diff_findings(old, new)
    assert (d.new, d.resolved, d.changed) == ([], [], [])
    assert [(a["subject"]["line"], b["subject"]["line"]) for a, b in d.moved] == [(3, 5)]
    assert exit_code(d, "low") == 0
    assert "1 finding(s) on guideline lines that only moved" in format_diff(d)


def test_a_new_fingerprint_is_a_new_finding_even_on_the_same_line():
    f = _finding("LA301", "low", {"guideline": "g.md", "line": 3}, {"term": "ZIP code"})
    d = diff_findings(_doc([_fingerprinted(f, "a" * 32)]), _doc([_fingerprinted(f, "c" * 32)]))
    assert (len(d.new), len(d.resolved)) == (1, 1)
    assert exit_code(d, "low") == 1


def test_documents_without_fingerprints_are_matched_by_rule_and_subject():
    f = _finding("LA301", "low", {"guideline": "g.md", "line": 3}, {"term": "ZIP code"})
    d = diff_findings(_doc([f]), _doc([_fingerprinted(f, "a" * 32)]))
    assert d.matched_by == "rule and subject" and d.empty
    assert "matched by rule and subject" in format_diff(d)
