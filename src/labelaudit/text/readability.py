"""Length and readability of English guideline text.

Flesch reading ease (Flesch 1948) and the Flesch-Kincaid grade level (Kincaid et al. 1975)
from words per sentence and syllables per word. Syllables are counted with the usual
vowel-group heuristic (a silent final "e" dropped, at least one per word), which matches
dictionary counts for most common words; both scores are meant for English only.

Guidelines are full of bullet lists without final stops, so every non-empty line also
ends a sentence: a list of ten short bullets is ten short sentences, not one long one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_EXAMPLE = re.compile(
    r"\b(?:examples?|e\.\s?g\.|for instance|for example|such as)(?!\w)", re.IGNORECASE
)
_MARKUP = re.compile(r"^\s*(?:#+|[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class TextStats:
    """Length and readability figures of one text."""

    n_lines: int  # non-empty lines
    n_words: int
    n_sentences: int
    n_syllables: int
    mean_sentence_words: float | None
    flesch_reading_ease: float | None
    fk_grade: float | None
    n_examples: int


def count_syllables(word: str) -> int:
    """Heuristic English syllable count of one word (at least 1).

    Examples
    --------
    >>> [count_syllables(w) for w in ["cat", "table", "make", "annotator", "guidelines"]]
    [1, 2, 1, 4, 3]
    """
    w = word.lower().replace("’", "'").split("'")[0]
    if not w:
        return 1
    n = len(_VOWEL_GROUP.findall(w))
    # a final "e" is silent ("make") unless it follows a consonant + "l" ("table")
    silent_e = w.endswith("e") and not w.endswith(("le", "ee", "ye"))
    vowel_le = w.endswith("le") and len(w) > 2 and w[-3] in "aeiouy"  # "whole", "mile"
    if (silent_e or vowel_le) and n > 1:
        n -= 1
    if w.endswith(("es", "ed")) and len(w) > 3 and w[-3] not in "aeiouytdscxgz" and n > 1:
        n -= 1  # "lines", "named": the -es/-ed ending adds no syllable
    return max(n, 1)


def words(text: str) -> list[str]:
    """Words (runs of letters, with inner apostrophes).

    Examples
    --------
    >>> words("Don't label 3 items, e.g. spam.")
    ["Don't", 'label', 'items', 'e', 'g', 'spam']
    """
    return _WORD.findall(text)


def count_examples(lines: list[str]) -> int:
    """Lines that announce an example ("example", "e.g.", "for instance", "such as").

    Examples
    --------
    >>> count_examples(["Example: 'you idiot'", "Label toxic posts", "e.g. slurs"])
    2
    """
    return sum(1 for ln in lines if _EXAMPLE.search(ln))


def text_stats(lines: list[str]) -> TextStats:
    """Length and readability of a document given as lines.

    Examples
    --------
    >>> s = text_stats(["The cat sat on the mat.", "It was happy."])
    >>> s.n_words, s.n_sentences, s.n_syllables, round(s.flesch_reading_ease, 1)
    (9, 2, 10, 108.3)
    >>> round(s.fk_grade, 2)
    -0.72
    """
    n_lines = n_words = n_sent = n_syl = 0
    for raw in lines:
        line = _MARKUP.sub("", raw).strip()
        if not line:
            continue
        n_lines += 1
        ws = words(line)
        if not ws:
            continue
        n_words += len(ws)
        n_syl += sum(count_syllables(w) for w in ws)
        ends = len(_SENTENCE_END.findall(line))
        # a line that does not end with a stop still ends its last sentence
        n_sent += ends + (0 if _SENTENCE_END.search(line.rstrip()[-1:] + " ") else 1)
    if n_words == 0:
        return TextStats(n_lines, 0, 0, 0, None, None, None, count_examples(lines))
    wps = n_words / n_sent
    spw = n_syl / n_words
    return TextStats(
        n_lines=n_lines,
        n_words=n_words,
        n_sentences=n_sent,
        n_syllables=n_syl,
        mean_sentence_words=wps,
        flesch_reading_ease=flesch_reading_ease(wps, spw),
        fk_grade=flesch_kincaid_grade(wps, spw),
        n_examples=count_examples(lines),
    )


def flesch_reading_ease(words_per_sentence: float, syllables_per_word: float) -> float:
    """Flesch (1948) reading ease: 206.835 - 1.015 * wps - 84.6 * spw (higher = easier).

    Examples
    --------
    >>> round(flesch_reading_ease(15.0, 1.5), 3)
    64.71
    """
    if words_per_sentence <= 0 or syllables_per_word <= 0:
        raise ValueError("words_per_sentence and syllables_per_word must be positive")
    return 206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word


def flesch_kincaid_grade(words_per_sentence: float, syllables_per_word: float) -> float:
    """Flesch-Kincaid grade level (Kincaid et al. 1975): 0.39 * wps + 11.8 * spw - 15.59.

    Examples
    --------
    >>> round(flesch_kincaid_grade(15.0, 1.5), 2)
    7.96
    """
    if words_per_sentence <= 0 or syllables_per_word <= 0:
        raise ValueError("words_per_sentence and syllables_per_word must be positive")
    return 0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59
