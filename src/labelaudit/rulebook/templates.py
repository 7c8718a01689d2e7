"""Message templates with named fields only: ``"{field}: alpha {alpha:.2f}"``.

Methods notes and the messages of declarative user rules are written in YAML and filled
with values by code. ``str.format`` would let a template reach into those values
(``{group.__class__}``, ``{row[0]}``) or pad one to a gigabyte (``{alpha:>999999999}``);
a :class:`Template` is parsed once when its file is read and takes plain field names
only: no attribute or index look-ups, no conversions (``!r``), and format specs only
where the file kind allows them and only of the small numeric kind (``.2f``, ``.0%``,
``>8``: width and precision at most two digits).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: the format specs a template may use: align, width <= 99, comma, precision <= 99, type
SPEC = re.compile(r"^[<>^]?\d{0,2},?(?:\.\d{1,2})?[dfgeEs%]?$")


class TemplateError(ValueError):
    """A template that is not text, has an unbalanced brace or a field it may not use."""


@dataclass(frozen=True)
class Template:
    """One text with ``{field}`` slots, parsed once into literal, field and spec chunks."""

    chunks: tuple[tuple[str, str | None, str], ...]

    @property
    def fields(self) -> set[str]:
        """The field names the text uses."""
        return {name for _, name, _ in self.chunks if name is not None}

    def render(self, values: Mapping[str, Any]) -> str:
        """The text with each field replaced by ``format(value, spec)``, as an f-string does.

        A numeric spec given a value that is not a number (a null, a group name) shows
        the value as it is rather than failing the audit.
        """
        out = []
        for text, name, spec in self.chunks:
            out.append(text)
            if name is not None:
                value = values[name]
                try:
                    out.append(format(value, spec))
                except (TypeError, ValueError):
                    out.append(format(value, ""))
        return "".join(out)


def parse_template(text: object, where: str, *, specs: bool = False) -> Template:
    """Parse ``text``: ``{identifier}`` fields only (with a numeric spec if ``specs``).

    Examples
    --------
    >>> parse_template("alpha {alpha:.2f} < {value}", "m", specs=True).render(
    ...     {"alpha": 0.51234, "value": 0.6})
    'alpha 0.51 < 0.6'
    >>> parse_template("{group.__class__}", "m")
    Traceback (most recent call last):
    ...
    labelaudit.rulebook.templates.TemplateError: m: field {group.__class__} is not a plain name; ...
    """
    if not isinstance(text, str):
        raise TemplateError(f"{where}: expected text, got {type(text).__name__}")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{where}: {exc} (write a literal brace as {{{{ or }}}})") from None
    chunks = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            chunks.append((literal, None, ""))
            continue
        raw = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if not name.isidentifier() or conversion:
            raise TemplateError(
                f"{where}: field {{{raw}}} is not a plain name; templates take named fields "
                "only, formatted by the analysis"
            )
        if spec and (not specs or not SPEC.match(spec)):
            allowed = (
                "a short numeric format such as {alpha:.2f} or {share:.0%}"
                if specs
                else "no format spec"
            )
            raise TemplateError(
                f"{where}: field {{{raw}}} has a format spec it may not use ({allowed})"
            )
        chunks.append((literal, name, spec or ""))
    return Template(tuple(chunks))
