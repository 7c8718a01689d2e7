"""Write a result to disk: ``findings.json`` and ``report.html`` (and split reports)."""

from __future__ import annotations

from pathlib import Path

from labelaudit.config import AuditConfig
from labelaudit.errors import InputError, Problem
from labelaudit.result import AuditResult


def write_outputs(result: AuditResult, out: Path, cfg: AuditConfig) -> list[Path]:
    """Write findings.json and report.html into ``out`` (created if needed)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    str(out),
                    f"cannot create the output folder ({exc.strerror})",
                    setting="out",
                    fix="pass a writable --out folder",
                )
            ]
        ) from None
    findings = out / "findings.json"
    report = out / "report.html"
    findings.write_text(result.to_json() + "\n", encoding="utf-8")
    report.write_text(result.to_html(), encoding="utf-8")
    paths = [report, findings]
    for value, sub in result.context.get("splits", {}).items():
        paths += write_outputs(sub, out / _slug(cfg.split_by or "split", value), cfg)
    return paths


def _slug(attribute: str, value: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_.=" else "_" for c in f"{attribute}={value}")
    return safe[:80]
