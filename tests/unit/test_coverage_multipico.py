"""Language detection on real multilingual data: MultiPICo's posts and replies vs its `lang`."""

from __future__ import annotations

import json
from collections import Counter

from labelaudit.text.langid import detect_languages


def test_fast_detector_matches_multipico_languages(shared_data):
    items: dict = {}
    for split in ("MP__MP_dev.json", "MP__MP_test.json"):
        items.update(json.loads((shared_data / "multipico" / split).read_text(encoding="utf-8")))
    gold = [v["lang"] for v in items.values()]
    texts = [f"{v['text']['post']} {v['text']['reply']}" for v in items.values()]
    pred = detect_languages(texts, "fast")
    assert len(gold) == 6761 and len(set(gold)) == 9
    right, total = Counter(), Counter(gold)
    for g, p in zip(gold, pred, strict=True):
        right[g] += g == p
    # measured 94.7%; the ~1% of texts too short to detect ("und") count as misses
    assert sum(right.values()) / len(gold) >= 0.945
    per_language = {lang: right[lang] / n for lang, n in total.items()}
    # Hindi is the weak spot: romanised or English-mixed replies are read as English
    assert min(per_language, key=per_language.get) == "hi" and per_language["hi"] >= 0.7
    assert all(acc >= 0.93 for lang, acc in per_language.items() if lang != "hi")
