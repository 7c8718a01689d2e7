"""Plain-language wording shared by messages: counts with the right plural."""

from __future__ import annotations

_IRREGULAR = {
    "item": "items",
    "is": "are",
    "was": "were",
    "has": "have",
    "does": "do",
    "carries": "carry",
    "entry": "entries",
    "category": "categories",
}


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular or plural, with thousands separators.

    >>> counted(1, "judgment"), counted(42546, "judgment"), counted(2, "entry")
    ('1 judgment', '42,546 judgments', '2 entries')
    """
    word = noun if n == 1 else (plural or _IRREGULAR.get(noun) or noun + "s")
    return f"{n:,} {word}"


def verb(n: int, singular: str, plural: str) -> str:
    """The verb form that agrees with ``n``.

    >>> verb(1, "is", "are"), verb(3, "is", "are")
    ('is', 'are')
    """
    return singular if n == 1 else plural
