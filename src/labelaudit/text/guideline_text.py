"""Guideline documents as numbered plain-text lines.

Guidelines arrive as Markdown, plain text or HTML (Label Studio's ``expert_instruction``,
``.html`` files). Reports quote guideline lines by number, so every format is reduced to
plain text lines. HTML is first sanitised with nh3 (an allow-list sanitiser: scripts,
styles and event handlers are removed with their content), then block elements become
line breaks, remaining tags are stripped and entities unescaped. Nothing is executed
or fetched.
"""

from __future__ import annotations

import html
import re

import nh3

#: guideline file extensions and the format each is read as
FORMATS = {".md": "md", ".markdown": "md", ".txt": "txt", ".html": "html", ".htm": "html"}

_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "pre", "hr", "section", "article", "dt", "dd", "dl", "thead", "tbody",
)  # fmt: skip
_BLOCK = re.compile(r"<\s*/?\s*(?:{})\b[^>]*>".format("|".join(_BLOCK_TAGS)), re.IGNORECASE)
_LI_OPEN = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_CELL = re.compile(r"<\s*/\s*t[dh]\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_ALLOWED_TAGS = set(_BLOCK_TAGS) | {
    "b", "strong", "i", "em", "u", "code", "span", "a", "td", "th", "sub", "sup", "small",
}  # fmt: skip


def html_to_lines(raw: str) -> list[str]:
    """Plain text lines of an HTML fragment (sanitised; scripts and styles dropped).

    Examples
    --------
    >>> html_to_lines("<h1>Rules</h1><p>Mark <b>toxic</b> posts.</p><script>alert(1)</script>")
    ['Rules', 'Mark toxic posts.']
    >>> html_to_lines("<ul><li>a &amp; b</li><li>c</li></ul>")
    ['- a & b', '- c']
    """
    clean = nh3.clean(
        raw,
        tags=_ALLOWED_TAGS,
        attributes={},
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript", "template"},
        strip_comments=True,
        link_rel=None,
    )
    clean = _LI_OPEN.sub("\n- ", clean)
    clean = _CELL.sub(" | ", clean)
    clean = _BLOCK.sub("\n", clean)
    text = html.unescape(_TAG.sub("", clean))
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.splitlines()]
    lines = [ln.removesuffix(" |").strip() for ln in lines]
    # blank lines only come from block boundaries: HTML has no line numbers of its own,
    # so the numbered text keeps one line per non-empty block
    return [ln for ln in lines if ln]


def guideline_lines(text: str, fmt: str) -> list[str]:
    """The numbered lines of a guideline given as raw text in format ``fmt``.

    Markdown and text keep their lines as written (line numbers then match the file);
    HTML is converted with :func:`html_to_lines`. A byte-order mark is dropped.

    Examples
    --------
    >>> guideline_lines("<p>One</p><p>Two</p>", "html")
    ['One', 'Two']
    >>> guideline_lines("\\ufeff# Title\\r\\nBody  ", "md")
    ['# Title', 'Body']
    """
    if fmt not in ("md", "txt", "html"):
        raise ValueError(f"guideline format must be md, txt or html, got {fmt!r}")
    text = text.removeprefix("\ufeff")
    return html_to_lines(text) if fmt == "html" else [ln.rstrip() for ln in text.splitlines()]
