"""Characters that change what a reader sees, made visible as ``[U+XXXX]``.

Data and file names reach three places a person reads: the HTML report, findings.json
(shown by CI dashboards) and the terminal. Some characters act there instead of being
shown: NUL and other C0/C1 control characters (a terminal runs ``ESC [ 2 J`` as "clear
the screen"; a NUL ends a string in many viewers), and the Unicode bidirectional
embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder the
text around them so that a group name or a guideline line reads differently from what
it holds ("Trojan Source", CVE-2021-42574). Every output replaces them with a visible
``[U+XXXX]``; the audit counts where they occurred (rule LA019), so the reader knows.

Tab, line feed and carriage return are ordinary text in the report; in one-line
terminal messages (:func:`one_line`) they are made visible too, so a value can't forge
a line of its own.
"""

from __future__ import annotations

import re

#: C0 controls except tab/LF/CR, DEL, C1 controls, bidi embeddings, overrides, isolates
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_HIDDEN_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _code(match: re.Match[str]) -> str:
    return f"[U+{ord(match.group(0)):04X}]"


def reveal(text: str) -> str:
    """``text`` with every hidden-acting character shown as ``[U+XXXX]``.

    Examples
    --------
    >>> reveal("US\\u202edlrow")
    'US[U+202E]dlrow'
    >>> reveal("line one\\nline two\\x00")
    'line one\\nline two[U+0000]'
    """
    return HIDDEN.sub(_code, text) if HIDDEN.search(text) else text


def one_line(text: str) -> str:
    """:func:`reveal`, with line breaks and tabs shown too: text for one terminal line.

    >>> one_line("\\x1b[31mred\\ncolumn")
    '[U+001B][31mred[U+000A]column'
    """
    return _HIDDEN_OR_BREAK.sub(_code, text) if _HIDDEN_OR_BREAK.search(text) else text


def hidden_chars(text: str) -> list[str]:
    """The distinct hidden-acting characters of ``text``, as ``U+XXXX``, in order.

    >>> hidden_chars("a\\u202eb\\x00c\\u202e")
    ['U+0000', 'U+202E']
    """
    return sorted({f"U+{ord(c):04X}" for c in HIDDEN.findall(text)})


def reveal_all(value: object) -> object:
    """``value`` with :func:`reveal` applied to every string in nested dicts and lists.

    Dictionary keys are revealed too. Other values are returned as they are.

    >>> reveal_all({"group\\u202e": ["a\\x00", 1, None]})
    {'group[U+202E]': ['a[U+0000]', 1, None]}
    """
    if isinstance(value, str):
        return reveal(value)
    if isinstance(value, dict):
        return {reveal_all(k): reveal_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reveal_all(v) for v in value]
    return value
