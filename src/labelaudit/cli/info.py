"""``labelaudit rules [CODE]`` and ``labelaudit diff OLD NEW``: read-only commands."""

from __future__ import annotations

import argparse
import textwrap

from labelaudit.cli.output import EXIT_OK, emit
from labelaudit.errors import InputError
from labelaudit.rulebook.book import unknown_rule


def cmd_rules(args: argparse.Namespace) -> int:
    """List every rule (code, severity, category, title), or explain one."""
    from labelaudit.rulebook import read_rules

    rules = read_rules(args.rules_dir)
    if args.code is None:
        emit(
            "".join(
                f"{code}  {r.severity:<6}  {r.category:<18}  {r.title}\n"
                for code, r in sorted(rules.items())
            )
        )
        return EXIT_OK
    code = args.code.upper()
    if code not in rules:
        raise InputError([unknown_rule(args.code, "code", list(rules), "command line")])
    emit(explain_rule(rules[code]) + "\n")
    return EXIT_OK


def explain_rule(r) -> str:
    """A rule's documentation, generated from its YAML."""
    wrap = lambda t: textwrap.fill(" ".join(t.split()), 88)  # noqa: E731
    lines = [
        f"{r.code} ({r.name}): {r.title}",
        f"category: {r.category}   default severity: {r.severity}",
        "",
        wrap(r.summary),
        "",
        "Why it matters",
        wrap(r.rationale),
        "",
    ]
    if r.parameters:
        lines.append("Parameters")
        for p in r.parameters.values():
            src = f" — source: {p.source}" if p.source else ""
            lines.append(f"  {p.name} = {p.default!r}: {p.description}{src}")
        lines.append("")
    lines += ["What to do", wrap(r.remediation), "", "Questions for the reviewer"]
    lines += [f"  - {q}" for q in r.questions]
    if r.references:
        lines += ["", "References"] + [f"  - {ref}" for ref in r.references]
    lines += ["", *_frameworks(r)]
    if r.needs:
        from labelaudit.bundle.inputs import INPUTS

        lines += ["", "Not checked without"] + [f"  - {INPUTS[n]}" for n in r.needs]
    return "\n".join(lines)


def _frameworks(r) -> list[str]:
    """The framework items the rule speaks to, each with its source, or why there are none."""
    from labelaudit.rulebook.standards import load_standards

    head = "Frameworks (a finding is evidence for a reviewer, not a compliance verdict)"
    if not r.standards:
        note = r.standards_note or "no framework item is mapped to this rule"
        return [head, textwrap.fill(" ".join(note.split()), 88, initial_indent="  ",
                                    subsequent_indent="  ")]  # fmt: skip
    known = load_standards()
    lines = [head]
    for sid in r.standards:
        s = known[sid]
        lines += [f"  - {sid}: {s.title}", f"      {s.source()}: \u201c{s.quote}\u201d"]
    return lines


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed between two findings.json; exit 1 on new findings at --fail-on."""
    from labelaudit.diff import diff_findings, exit_code, format_diff, load_findings

    d = diff_findings(load_findings(args.old), load_findings(args.new))
    emit(format_diff(d))
    return exit_code(d, args.fail_on)
