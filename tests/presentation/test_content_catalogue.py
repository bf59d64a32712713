"""Every English text of the bundled data has a French and a Spanish translation in the content
catalogue: adding a definition, good, licence or footnote without one fails here."""

from __future__ import annotations

import csv
import re

import pytest

from target87.ingest.snapshot import bundled_snapshot_dir
from target87.presentation import codes, content, periods
from target87.presentation.catalogue import catalogue
from target87.presentation.content import content_text, untranslated_parts

#: Where the translation is rightly the English text itself (names, licence codes, words
#: spelt the same). Anything else left identical is an untranslated text.
IDENTICAL = {
    "fr": {
        "CC BY 4.0",
        "CC BY-SA 4.0",
        "ODbL 1.0",
        "Agriculture",
        "Cumin",
        "Jade",
        "Melons",
        "Mica",
        "Olives",
        "Sisal",
        "Zinc",
        "total",
        "rural",
    },
    "es": {
        "CC BY 4.0",
        "CC BY-SA 4.0",
        "ODbL 1.0",
        "Jade",
        "Mica",
        "Sisal",
        "Trona (mineral)",
        "Zinc",
        "total",
        "rural",
    },
}

#: The snapshot's content columns: file -> columns whose English text readers see.
CONTENT_COLUMNS = {
    "series.csv": ("definition_en", "standard"),
    "goods.csv": ("good", "sector"),
    "sources.csv": ("licence", "notes"),
    "observations.csv": ("footnote",),
}


def snapshot_texts() -> dict[str, set[str]]:
    """column -> the distinct non-empty texts of the bundled snapshot."""
    found: dict[str, set[str]] = {}
    for name, columns in CONTENT_COLUMNS.items():
        with open(bundled_snapshot_dir() / name, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                for column in columns:
                    if row[column]:
                        found.setdefault(column, set()).add(row[column])
    return found


TEXTS = snapshot_texts()
ALL_TEXTS = sorted(set().union(*TEXTS.values()))


def test_the_snapshot_has_the_texts_this_test_expects():
    counts = {column: len(texts) for column, texts in TEXTS.items()}
    assert counts["definition_en"] >= 13 and counts["standard"] >= 6
    assert counts["good"] >= 169 and counts["sector"] >= 4
    assert counts["licence"] >= 12 and counts["notes"] >= 14 and counts["footnote"] >= 16


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_content_text_of_the_snapshot_is_translated(lang):
    missing = {text: parts for text in ALL_TEXTS if (parts := untranslated_parts(text, lang))}
    assert missing == {}, (
        f"{lang}: add to content.po: {sorted({p for v in missing.values() for p in v})}"
    )
    same = sorted(t for t in ALL_TEXTS if content_text(t, lang) == t and t not in IDENTICAL[lang])
    assert same == [], f"{lang}: translated as the English itself: {same}"
    empty = sorted(t for t in ALL_TEXTS if not (content_text(t, lang) or "").strip())
    assert empty == []


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_the_identical_translations_listed_are_really_identical(lang):
    said = catalogue(lang)
    wrong = sorted(t for t in IDENTICAL[lang] if said.get(t) != t)
    assert wrong == [], f"{lang}: no longer identical (drop from IDENTICAL): {wrong}"


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_footnote_is_translated_part_by_part(lang):
    for footnote in TEXTS["footnote"]:
        said = content_text(footnote, lang)
        assert said != footnote
        if footnote.startswith("confidence: "):
            report = re.search(r"from (.+)\)$", footnote).group(1)
            assert report in said, "the report's title stays as published"
            code = footnote.split()[1]
            assert code not in said, "the confidence code is put in words"


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_the_catalogue_holds_nothing_unused_and_every_code_word(lang):
    said = catalogue(lang)
    segments = {part for text in TEXTS["footnote"] for part in text.split("; ")}
    words = codes.english_labels() | periods.english_labels() | content.english_labels()
    wanted = set(ALL_TEXTS) | segments | words
    missing_words = sorted(words - set(said))
    assert missing_words == [], f"{lang}: translate {missing_words}"
    used = {t for t in wanted if t in said}
    # Confidence footnotes are translated through their pattern, not whole.
    obsolete = sorted(set(said) - used)
    assert obsolete == [], f"{lang}: no text of the data or the code words uses {obsolete}"


def test_both_catalogues_have_the_same_texts_and_keep_placeholders():
    fr, es = catalogue("fr"), catalogue("es")
    assert set(fr) == set(es)
    for msgid in fr:
        wanted = sorted(re.findall(r"\{\w+\}", msgid))
        for lang, said in (("fr", fr), ("es", es)):
            assert sorted(re.findall(r"\{\w+\}", said[msgid])) == wanted, (lang, msgid)
