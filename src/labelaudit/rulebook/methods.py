"""Methods notes of the report: prose in ``rules/methods/<analysis>.yaml``, figures from code.

An analysis computes the values its notes quote (numbers, flags) and calls
:func:`render_methods`; the words live in the YAML file, whose format is described in
``rules/methods/README.md``. Templates name plain fields only (``{n_boot}``): attribute
and index look-ups, conversions and format specs are refused when the file is read, so a
methods file can only print the values it is handed, never reach into them. An analysis
must hand over exactly the values its file names: a field without a value, or a value no
template uses, is an error rather than a silently odd sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from labelaudit.rulebook.templates import Template, TemplateError
from labelaudit.rulebook.templates import parse_template as _parse_template
from labelaudit.shipped import methods_dir
from labelaudit.yamlio import YamlError, describe, load_yaml_file

#: the keys of one methods note, in the order the report shows them
NOTE_KEYS = ("title", "text", "reference", "limits")
_ENTRY_KEYS = {*NOTE_KEYS, "when", "unless", "for_each"}
_PIECE_KEYS = {"when", "unless", "text", "otherwise", "join", "parts"}
_PART_KEYS = {"when", "unless", "text"}


class MethodsFileError(ValueError):
    """A methods file is malformed, or the values given to it do not match its fields."""


def parse_template(text: object, where: str) -> Template:
    """Parse ``text``; only ``{identifier}`` fields pass (no ``.attr``, ``[i]``, ``!r``, ``:spec``)."""
    try:
        return _parse_template(text, where)
    except TemplateError as exc:
        raise MethodsFileError(str(exc)) from None


@dataclass(frozen=True)
class Condition:
    """``when: flag`` (kept when true) or ``unless: flag`` (kept when false), or neither."""

    flag: str | None = None
    negate: bool = False

    def holds(self, values: Mapping[str, Any]) -> bool:
        """Whether the guarded text is kept for these values."""
        return self.flag is None or bool(values[self.flag]) != self.negate


@dataclass(frozen=True)
class Piece:
    """A named sentence piece: the chosen parts joined, or ``otherwise`` when none is."""

    name: str
    parts: tuple[tuple[Condition, Template], ...]
    join: str
    otherwise: Template

    def render(self, values: Mapping[str, Any]) -> str:
        """The piece's text for these values (pieces defined earlier are among them)."""
        chosen = [t.render(values) for cond, t in self.parts if cond.holds(values)]
        return self.join.join(chosen) if chosen else self.otherwise.render(values)


@dataclass(frozen=True)
class Entry:
    """One methods note; ``for_each`` names a list of per-note values (one note each)."""

    texts: dict[str, Template]
    condition: Condition
    for_each: str | None

    @property
    def fields(self) -> set[str]:
        """Every field the note's four texts use."""
        return set().union(*(t.fields for t in self.texts.values()))

    def render(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The note as the report takes it: title, text, reference, limits."""
        return {key: self.texts[key].render(values) for key in NOTE_KEYS}


@dataclass(frozen=True)
class MethodsFile:
    """The parsed methods file of one analysis."""

    path: Path
    entries: tuple[Entry, ...]
    pieces: tuple[Piece, ...]

    @property
    def flags(self) -> set[str]:
        """Names used in ``when``/``unless``: the values that must be booleans."""
        conditions = [e.condition for e in self.entries]
        conditions += [c for p in self.pieces for c, _ in p.parts]
        return {c.flag for c in conditions if c.flag is not None}

    @property
    def lists(self) -> dict[str, set[str]]:
        """``for_each`` value name -> the fields each of its items must give."""
        return {e.for_each: e.fields for e in self.entries if e.for_each is not None}

    @property
    def fields(self) -> set[str]:
        """Every value the analysis must give: fields, flags and ``for_each`` lists."""
        used = set().union(*(e.fields for e in self.entries if e.for_each is None))
        for piece in self.pieces:
            used |= set().union(*(t.fields for _, t in piece.parts), piece.otherwise.fields)
        return (used - {p.name for p in self.pieces}) | self.flags | set(self.lists)

    def render(self, values: Mapping[str, Any]) -> list[dict[str, str]]:
        """The notes for ``values``, which must name exactly :attr:`fields`."""
        _check_values(self.path.name, self.fields, values)
        for flag in sorted(self.flags):
            if not isinstance(values[flag], bool):
                raise MethodsFileError(
                    f"{self.path.name}: flag {flag!r} must be True or False, got {values[flag]!r}"
                )
        filled = dict(values)
        for piece in self.pieces:
            filled[piece.name] = piece.render(filled)
        notes = []
        for entry in self.entries:
            if not entry.condition.holds(filled):
                continue
            if entry.for_each is None:
                notes.append(entry.render(filled))
                continue
            items = values[entry.for_each]
            if not isinstance(items, list | tuple):
                raise MethodsFileError(f"{self.path.name}: {entry.for_each!r} must be a list")
            for i, item in enumerate(items):
                _check_values(f"{self.path.name} {entry.for_each}[{i}]", entry.fields, item)
                notes.append(entry.render(item))
        return notes


def _check_values(where: str, fields: set[str], values: object) -> None:
    if not isinstance(values, Mapping):
        raise MethodsFileError(f"{where}: expected a mapping of values")
    problems = []
    if missing := sorted(fields - set(values)):
        problems.append(f"no value for field(s) {missing}")
    if unused := sorted(set(values) - fields):
        problems.append(f"value(s) {unused} used by no template")
    if problems:
        raise MethodsFileError(f"{where}: " + "; ".join(problems))


def _condition(raw: Mapping[str, Any], where: str) -> Condition:
    if "when" in raw and "unless" in raw:
        raise MethodsFileError(f"{where}: give 'when' or 'unless', not both")
    for key, negate in (("when", False), ("unless", True)):
        if key in raw:
            if not (isinstance(raw[key], str) and raw[key].isidentifier()):
                raise MethodsFileError(f"{where}: {key!r} must name a flag, got {raw[key]!r}")
            return Condition(raw[key], negate)
    return Condition()


def _mapping(raw: object, keys: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise MethodsFileError(f"{where}: expected a mapping, got {type(raw).__name__}")
    if unknown := sorted(set(raw) - keys):
        raise MethodsFileError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(keys)}")
    return raw


def _piece(name: str, raw: object, where: str) -> Piece:
    raw = _mapping(raw, _PIECE_KEYS, where)
    otherwise = parse_template(raw.get("otherwise", ""), f"{where}.otherwise")
    if "parts" in raw:
        if "text" in raw or "when" in raw or "unless" in raw:
            raise MethodsFileError(f"{where}: a piece has either 'parts' or 'text' with a flag")
        if not isinstance(raw["parts"], list) or not raw["parts"]:
            raise MethodsFileError(f"{where}.parts: expected a non-empty list")
        parts = []
        for i, part in enumerate(raw["parts"]):
            part = _mapping(part, _PART_KEYS, f"{where}.parts[{i}]")
            text = parse_template(part.get("text"), f"{where}.parts[{i}].text")
            parts.append((_condition(part, f"{where}.parts[{i}]"), text))
        join = raw.get("join", "")
        if not isinstance(join, str):
            raise MethodsFileError(f"{where}.join: expected text")
        return Piece(name, tuple(parts), join, otherwise)
    if "join" in raw:
        raise MethodsFileError(f"{where}: 'join' needs 'parts'")
    text = parse_template(raw.get("text"), f"{where}.text")
    return Piece(name, ((_condition(raw, where), text),), "", otherwise)


def _entry(raw: object, where: str) -> Entry:
    raw = _mapping(raw, _ENTRY_KEYS, where)
    if missing := [k for k in NOTE_KEYS if k not in raw]:
        raise MethodsFileError(f"{where}: missing {missing} (write reference: '' when none)")
    for_each = raw.get("for_each")
    if for_each is not None and not (isinstance(for_each, str) and for_each.isidentifier()):
        raise MethodsFileError(f"{where}: 'for_each' must name a list value, got {for_each!r}")
    texts = {k: parse_template(raw[k], f"{where}.{k}") for k in NOTE_KEYS}
    return Entry(texts, _condition(raw, where), for_each)


def parse_methods_file(path: Path) -> MethodsFile:
    """Read and check one methods file (``entries`` list, optional ``pieces`` mapping)."""
    try:
        raw = load_yaml_file(path)
    except YamlError as exc:
        raise MethodsFileError(f"{path.name}: cannot read: {describe(exc)}") from None
    raw = _mapping(raw, {"entries", "pieces"}, path.name)
    if not isinstance(raw.get("entries"), list):
        raise MethodsFileError(f"{path.name}: 'entries' must be a list of notes")
    declared = raw.get("pieces") or {}
    if not isinstance(declared, Mapping):
        raise MethodsFileError(f"{path.name}: 'pieces' must map piece names to pieces")
    pieces: list[Piece] = []
    for name, body in declared.items():
        where = f"{path.name} pieces.{name}"
        if not (isinstance(name, str) and name.isidentifier()):
            raise MethodsFileError(f"{where}: a piece name must be a plain name")
        piece = _piece(name, body, where)
        used = set().union(*(t.fields for _, t in piece.parts), piece.otherwise.fields)
        # pieces are filled in file order, so only earlier ones have a value yet
        if ahead := sorted(used & set(declared) - {p.name for p in pieces}):
            raise MethodsFileError(f"{where}: uses piece(s) {ahead} not defined before it")
        pieces.append(piece)
    entries = tuple(_entry(e, f"{path.name} entries[{i}]") for i, e in enumerate(raw["entries"]))
    names = {p.name for p in pieces}
    for i, entry in enumerate(entries):
        if entry.for_each is not None and (clash := sorted(entry.fields & names)):
            raise MethodsFileError(
                f"{path.name} entries[{i}]: a for_each note takes its item's values only, "
                f"not pieces {clash}"
            )
    methods = MethodsFile(path, entries, tuple(pieces))
    if clash := sorted(methods.flags & names):
        raise MethodsFileError(f"{path.name}: flag(s) {clash} are piece names, not booleans")
    return methods


@cache
def methods_file(analysis: str) -> MethodsFile:
    """The shipped methods file of ``analysis``, read once per process."""
    return parse_methods_file(methods_dir() / f"{analysis}.yaml")


def render_methods(analysis: str, values: Mapping[str, Any]) -> list[dict[str, str]]:
    """The methods notes of ``analysis`` filled with ``values`` (exactly the file's fields)."""
    return methods_file(analysis).render(values)
