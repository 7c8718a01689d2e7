"""Finding "none of these fit" options (escape values) by their names."""

from __future__ import annotations

import re

_NAMES = (
    r"other|others|none|none of (?:these|the above|them)|neither|unsure|not sure|n/?a|"
    r"not applicable|can'?t tell|cannot tell|can ?not tell|unknown|skip|don'?t know|"
    r"i don'?t know|no idea|undecided|unclear|not enough information|insufficient information|"
    r"cannot (?:decide|judge|say)|can'?t (?:decide|judge|say)|does not apply|doesn'?t apply"
)
_ESCAPE = re.compile(rf"(?:{_NAMES})(?:\s*[(:].*)?", re.IGNORECASE)
_SEP = re.compile(r"[\s_\-.]+")


def normalise_value_name(value: object) -> str:
    """Lower-case, with ``_``, ``-``, ``.`` and runs of spaces turned into one space.

    Examples
    --------
    >>> normalise_value_name("None_of_these"), normalise_value_name("Can't-Tell")
    ('none of these', "can't tell")
    """
    return _SEP.sub(" ", str(value).replace("’", "'")).strip().lower()


def is_escape_value(value: object) -> bool:
    """Whether a value's name says "none of the options fit" (case-insensitive).

    Examples
    --------
    >>> [is_escape_value(v) for v in ["Unsure", "not_sure", "N/A", "Other (specify)", "toxic", 3]]
    [True, True, True, True, False, False]
    """
    if isinstance(value, (bool, int, float)):
        return False
    return _ESCAPE.fullmatch(normalise_value_name(value)) is not None


def find_escape_values(values: list) -> list[str]:
    """The values of a field whose names mark them as escape options, in schema order.

    Examples
    --------
    >>> find_escape_values(["toxic", "not_toxic", "unsure"])
    ['unsure']
    >>> find_escape_values(["cat", "dog", "none of these", "Other"])
    ['none of these', 'Other']
    >>> find_escape_values([1, 2, 3, 4, 5])
    []
    """
    return [str(v) for v in values if is_escape_value(v)]
