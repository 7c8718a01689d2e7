"""The framework vocabulary (``rules/standards/vocabulary.yaml``) and a rule's mapping to it.

A rule file may name framework items (``standards: [EU-AIA-10.3, ACL-D5]``), say why
none applies (``standards: []`` with ``standards_note:``), and name the optional inputs
its check reads (``needs: [target]``, names from :data:`labelaudit.bundle.inputs.INPUTS`).
:func:`framework_keys` reads and checks those keys for :func:`~labelaudit.rulebook.rules.parse_rule`;
an unknown identifier or input is a :class:`~labelaudit.rulebook.rules.RuleFileError`
naming the file, the key and the nearest known name.

The mapping says which item a finding is evidence for, never whether the item is met.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from labelaudit.bundle.inputs import INPUTS
from labelaudit.shipped import standards_file
from labelaudit.yamlio import load_yaml_file

_FRAMEWORK_KEYS = ("name", "document", "published", "year", "url", "applies")
_ITEM_KEYS = ("framework", "section", "title", "quote", "about")


@dataclass(frozen=True)
class Standard:
    """One framework item: an identifier with its short title and where it comes from."""

    id: str
    framework: str  # key of the framework (EU-AIA, NIST-RMF, ACL, DC, CWS, DS)
    framework_name: str
    section: str  # article, subcategory, item or heading within the document
    title: str
    quote: str  # a short phrase of the item's own wording
    about: str  # what labelaudit's rules can and cannot show about it
    document: str
    year: int
    url: str
    applies: str = ""  # to what the framework applies (e.g. high-risk AI systems only)

    def source(self) -> str:
        """Where the wording comes from, e.g. ``ACL Responsible NLP ... checklist D5 (2022)``."""
        return f"{self.framework_name}, {self.section} ({self.year})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "framework": self.framework,
            "framework_name": self.framework_name,
            "section": self.section,
            "title": self.title,
            "quote": self.quote,
            "about": self.about,
            "document": self.document,
            "year": self.year,
            "url": self.url,
            "applies": self.applies,
        }


class VocabularyError(ValueError):
    """The vocabulary file is malformed (a defect of the shipped file, not of user input)."""


@cache
def load_standards(path: Path | None = None) -> dict[str, Standard]:
    """Every framework item by identifier, in file order (framework by framework)."""
    path = path or standards_file()
    raw = load_yaml_file(path)  # the one bounded YAML reader
    if not isinstance(raw, dict) or set(raw) != {"frameworks", "standards"}:
        raise VocabularyError(f"{path}: expected the keys 'frameworks' and 'standards'")
    frameworks = raw["frameworks"]
    for key, fw in frameworks.items():
        missing = [k for k in _FRAMEWORK_KEYS if not (fw or {}).get(k)]
        if missing:
            raise VocabularyError(f"{path}: framework {key} lacks {', '.join(missing)}")
    out: dict[str, Standard] = {}
    for sid, item in raw["standards"].items():
        missing = [k for k in _ITEM_KEYS if not (item or {}).get(k)]
        if missing:
            raise VocabularyError(f"{path}: {sid} lacks {', '.join(missing)}")
        fw = frameworks.get(item["framework"])
        if fw is None:
            raise VocabularyError(f"{path}: {sid} names an unknown framework {item['framework']}")
        out[str(sid)] = Standard(
            id=str(sid),
            framework=str(item["framework"]),
            framework_name=str(fw["name"]),
            section=str(item["section"]),
            title=str(item["title"]),
            quote=str(item["quote"]),
            about=" ".join(str(item["about"]).split()),
            document=str(fw["document"]),
            year=int(fw["year"]),
            url=str(fw["url"]),
            applies=" ".join(str(fw["applies"]).split()),
        )
    return out


def framework_keys(
    raw: dict[str, Any], path: Path, error: type[Exception] = ValueError
) -> dict[str, Any]:
    """``standards``, ``standards_note`` and ``needs`` of one rule file, checked.

    A problem raises ``error`` (the rules module passes its ``RuleFileError``) with a
    message naming the file, the key and, for a misspelt name, the nearest known one.
    """
    standards = _names(raw, "standards", path, error)
    note = " ".join(str(raw.get("standards_note") or "").split())
    if "standards" in raw and not standards and not note:
        raise error(
            f"{path}: standards is empty; add standards_note saying why no framework item applies"
        )
    known = load_standards()
    for sid in standards:
        if sid not in known:
            raise error(
                f"{path}: standards names {sid!r}, which is not in {standards_file().name}"
                + _hint(sid, known)
            )
    needs = _names(raw, "needs", path, error)
    for name in needs:
        if name not in INPUTS:
            raise error(
                f"{path}: needs names {name!r}; known inputs: {', '.join(INPUTS)}"
                + _hint(name, INPUTS)
            )
    return {"standards": standards, "standards_note": note, "needs": needs}


def _names(raw: dict[str, Any], key: str, path: Path, error: type[Exception]) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(f"{path}: {key} must be a list of names, e.g. {key}: [{_EXAMPLE[key]}]")
    return list(dict.fromkeys(value))


_EXAMPLE = {"standards": "EU-AIA-10.3, ACL-D5", "needs": "target"}


def _hint(name: str, known) -> str:
    near = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""
