"""Language names and codes: ISO 639-1 codes from codes, tags and English names.

Rater tables give languages as ISO 639-1 codes (``en``), as BCP 47 tags (``en-US``,
``pt_BR``) or as English names (``English``, ``Farsi``); the audit compares them with
item languages, which are ISO 639-1 codes. ``iso639_1.tsv`` beside this module holds the
184 codes with their English names (source in its header). Lookups are offline.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources


def name_key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key of a name, also the order in which
    dropdowns list names ("Åland Islands" between "Afghanistan" and "Albania").

    >>> name_key("Norwegian Bokmål"), name_key("Åland Islands")
    ('norwegian bokmal', 'aland islands')
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in kept.casefold()).split())


@cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(code -> English name, normalised name or alias -> code), read once."""
    text = resources.files("labelaudit.text").joinpath("iso639_1.tsv").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    by_name: dict[str, str] = {}
    rows = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    for line in rows[1:]:  # rows[0] is the column header
        code, name, aliases = (line.split("\t") + [""])[:3]
        names[code] = name
        for alias in [name, *aliases.split(";")]:
            if alias.strip():
                by_name.setdefault(name_key(alias), code)
    return names, by_name


def language_names() -> dict[str, str]:
    """ISO 639-1 code -> English name, for every code.

    >>> language_names()["af"], len(language_names())
    ('Afrikaans', 184)
    """
    return dict(_tables()[0])


def language_code(value: object) -> str | None:
    """The ISO 639-1 code of a code, a BCP 47 tag or an English name; None if unknown.

    >>> [language_code(v) for v in ["en", "EN-us", "pt_BR", "Farsi", "Bokmål", "Klingon"]]
    ['en', 'en', 'pt', 'fa', 'nb', None]
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    names, by_name = _tables()
    primary = text.replace("_", "-").split("-")[0].casefold()
    if len(primary) == 2 and primary in names:
        return primary
    return by_name.get(name_key(text))
