"""The fast language-identification front end and its process split match plain references."""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.process
import os
import random
import time
import unicodedata

import pytest

from labelaudit.text import langid
from labelaudit.text.langid import (
    UNDETERMINED,
    detect_languages,
    detection_window,
    has_letters,
    letter_count,
    normalise_text,
)

SENTENCES = [
    "The delivery arrived two days late and the box was badly damaged.",
    "Die Lieferung kam zwei Tage zu spät und der Karton war stark beschädigt.",
    "La livraison est arrivée avec deux jours de retard et le carton était très abîmé.",
    "El pedido llegó dos días tarde y la caja estaba muy dañada por el transporte.",
    "La consegna è arrivata con due giorni di ritardo e la scatola era molto danneggiata.",
    "De levering kwam twee dagen te laat en de doos was zwaar beschadigd.",
    "A entrega chegou com dois dias de atraso e a caixa estava muito danificada.",
    "Доставка пришла на два дня позже, и коробка была сильно повреждена.",
    "وصل الطلب متأخرا يومين وكان الصندوق متضررا بشدة من النقل.",
    "配達が二日遅れて届き、箱がひどく壊れていました。本当に残念です。",
]
# whitespace of every kind str.split knows, combining marks (NFD input), letters, digits
PIECES = [" ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85", "\u2028"]
PIECES += ["e\u0301", "\u00e9", "a", "Z", "7", "!", "ß", "д", "字", "\u0301", "\x00", "-"]


def reference_normalise(text: object) -> str:
    """The original normalise_text: NFC, then split/join on every text."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    text = unicodedata.normalize("NFC", str(text))
    return " ".join(text.split())


def reference_detect(texts, run, *, min_letters, max_chars):
    """The original algorithm: hash each normalised text, detect each distinct text once."""
    norm = [reference_normalise(t) for t in texts]
    keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=16).digest() for t in norm]
    result, todo = {}, {}
    for text, key in zip(norm, keys, strict=True):
        if key in result or key in todo:
            continue
        if sum(ch.isalpha() for ch in text) < min_letters:
            result[key] = UNDETERMINED
        else:
            todo[key] = detection_window(text, max_chars)
    result.update(zip(todo, run(list(todo.values())), strict=True))
    return [result[k] for k in keys]


def fake_run(texts: list[str]) -> list[str]:
    """A deterministic stand-in detector: the code depends on the window text only."""
    return [hashlib.md5(t.encode()).hexdigest()[:3] for t in texts]


def random_texts(rng: random.Random, n: int) -> list[object]:
    out: list[object] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.05:
            out.append(rng.choice([None, float("nan"), 12345, 3.5, "", "   "]))
        elif r < 0.2 and out:
            out.append(rng.choice(out))  # exact repeats
        elif r < 0.3:
            base = rng.choice(SENTENCES) * 3  # same first window, different tails
            out.append(base + rng.choice(PIECES) + str(rng.randrange(10**6)))
        else:
            k = rng.randrange(0, 60)
            out.append("".join(rng.choice(PIECES + [rng.choice(SENTENCES)]) for _ in range(k)))
    return out


def test_normalise_and_letters_match_the_plain_definitions():
    rng = random.Random(1)
    texts = random_texts(rng, 3000) + ["\x1f", "a\x1fb", " a", "a ", "a  b", "a b"]
    for t in texts:
        assert normalise_text(t) == reference_normalise(t), repr(t)
        if isinstance(t, str):
            assert letter_count(t) == sum(ch.isalpha() for ch in t)
            for n in (0, 1, 5, 20):
                assert has_letters(t, n) == (sum(ch.isalpha() for ch in t) >= n)


@pytest.mark.parametrize("n", [0, 1, 5, 20])
def test_counting_letters_in_bulk_matches_has_letters(n):
    rng = random.Random(n)
    texts = [t if isinstance(t, str) else "" for t in random_texts(rng, 2 * langid._LETTER_CHUNK)]
    # non-BMP letters and emoji, lone surrogates, ASCII-only runs, letters only late
    texts += ["\U00020000" * 30, "\U0001f600 " * 30 + "abc", "\ud800x" * 30, "1 " * 40 + "b" * 25]
    rng.shuffle(texts)
    want = [sum(ch.isalpha() for ch in t) >= n for t in texts]
    assert langid._enough_letters(texts, n) == want
    ascii_only = [f"ascii {'x' * (i % 30)} {i}" for i in range(langid._LETTER_CHUNK + 10)]
    want_ascii = [sum(ch.isalpha() for ch in t) >= n for t in ascii_only]
    assert langid._enough_letters(ascii_only, n) == want_ascii
    assert langid._enough_letters(texts[:100], n) == want[:100]  # the per-text path


@pytest.mark.parametrize("min_letters", [0, 1, 20])
@pytest.mark.parametrize("detector", ["langdetect", "fast"])
def test_front_end_matches_the_original_algorithm(monkeypatch, detector, min_letters):
    rng = random.Random(min_letters)
    texts = random_texts(rng, 1500)
    calls: list[list[str]] = []

    def fake(name, seed=0):
        def run(ts):
            calls.append(list(ts))
            return fake_run(ts)

        return run

    monkeypatch.setattr(langid, "batch_detector", fake)
    want = reference_detect(
        texts, fake_run, min_letters=min_letters, max_chars=langid.MAX_CHARS[detector]
    )
    langid.clear_cache()
    got = detect_languages(texts, detector, min_letters=min_letters, use_cache=False, processes=1)
    assert got == want
    # each distinct window reaches the detector once, in first-seen order
    assert len(calls) == 1 and len(set(calls[0])) == len(calls[0])
    # cached: a second call, reordered, needs no detection and agrees text by text
    assert detect_languages(texts, detector, min_letters=min_letters, processes=1) == want
    order = list(range(len(texts)))
    rng.shuffle(order)
    again = detect_languages([texts[i] for i in order], detector, min_letters=min_letters)
    assert again == [want[i] for i in order]
    assert len(calls) == 2  # the first cached call detected, the reordered one did not
    langid.clear_cache()


def test_texts_sharing_their_window_are_detected_once(monkeypatch):
    calls: list[list[str]] = []

    def fake(name, seed=0):
        def run(ts):
            calls.append(list(ts))
            return ["xx"] * len(ts)

        return run

    monkeypatch.setattr(langid, "batch_detector", fake)
    head = SENTENCES[0] * 3
    texts = [head + " one", head + " two", SENTENCES[1]]
    assert detect_languages(texts, "fast", use_cache=False) == ["xx"] * 3
    assert calls == [[detection_window(head, 100), SENTENCES[1]]]


@pytest.mark.parametrize("processes", [2, 3])
def test_split_over_processes_keeps_order(processes):
    texts = [f"text number {i}" for i in range(1001)]
    want = fake_run(texts)
    assert langid._run_split(fake_run, texts, processes, min_texts=10) == want
    assert langid._run_split(fake_run, texts, processes, min_texts=5000) == want  # one process
    pids = langid._run_split(pid_of, texts, processes, min_texts=10)
    assert len(set(pids)) == processes and pids[0] == str(os.getpid())
    assert len(set(langid._run_split(pid_of, texts, processes, min_texts=5000))) == 1


def test_a_failing_child_is_redone_by_the_parent():
    parent = os.getpid()

    def flaky(ts: list[str]) -> list[str]:
        if os.getpid() != parent:
            raise RuntimeError("child failure")
        return fake_run(ts)

    def dying(ts: list[str]) -> list[str]:
        if os.getpid() != parent:
            os._exit(3)
        return fake_run(ts)

    texts = [f"t{i}" for i in range(300)]
    assert langid._run_split(flaky, texts, 2, min_texts=10) == fake_run(texts)
    assert langid._run_split(dying, texts, 2, min_texts=10) == fake_run(texts)


def pid_of(ts: list[str]) -> list[str]:
    return [str(os.getpid())] * len(ts)


def test_a_child_that_cannot_start_is_done_by_the_parent(monkeypatch):
    def refuse(self):
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    texts = [f"t{i}" for i in range(300)]
    assert langid._run_split(pid_of, texts, 3, min_texts=10) == [str(os.getpid())] * 300


def test_a_hung_child_is_stopped():
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=time.sleep, args=(600,), daemon=True)
    proc.start()
    send.close()
    assert langid._receive(proc, recv, 0.2) is None
    assert not proc.is_alive() and proc.exitcode != 0


def test_fast_pool_equals_one_process_on_real_texts():
    rng = random.Random(7)
    words = " ".join(SENTENCES).split()
    texts = [
        rng.choice(SENTENCES) + " " + " ".join(rng.sample(words, rng.randrange(0, 12)))
        for _ in range(400)
    ]
    texts += [None, "ok", SENTENCES[2], "  " + SENTENCES[3].replace(" ", "\n")]
    langid.clear_cache()
    one = detect_languages(texts, "fast", use_cache=False, processes=1)
    pooled = detect_languages(texts, "fast", use_cache=False, processes=2, pool_min_texts=50)
    assert pooled == one
    assert set(one[-4:]) <= {UNDETERMINED, "fr", "es"} and one[-3] == UNDETERMINED
    assert {"de", "ru", "ja"} <= set(one)
