"""``target87 profile`` in French and Spanish says nothing in English: every text the
interface (messages.po) or the data (content.po) has a translation for is shown translated,
and numbers are written the language's way. English keeps its meaning."""

from __future__ import annotations

import os

os.environ["COLUMNS"] = "250"  # Rich reads the width once; wide enough that cells do not wrap

import re

import pytest
from typer.testing import CliRunner

from target87.cli import app
from target87.cli.common import console
from target87.presentation import messages as i18n
from target87.presentation.catalogue import catalogue as content_catalogue

runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch):
    """Whatever width Rich found at import, no cell wraps a sentence in two here."""
    monkeypatch.setattr(console, "_width", 250)


def run(url: str, *args: str) -> str:
    result = runner.invoke(app, ["--database-url", url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def translations(lang: str) -> dict[str, str]:
    """msgid -> translation of both catalogues: the interface's and the data's."""
    return {**i18n.catalog(lang), **content_catalogue(lang)}


def without_translations(body: str, lang: str) -> str:
    """``body`` with every translated text the catalogues hold blanked out, longest first: a
    French or Spanish word spelt like an English text ("Textiles ornementés" beside the
    English "Textiles") is then not taken for English."""
    said = {s for s in translations(lang).values() if "{" not in s and len(s) > 1}
    for text in sorted(said, key=len, reverse=True):
        body = re.sub(rf"(?<!\w){re.escape(text)}(?!\w)", "¤", body)
    return body


def english_patterns(lang: str) -> dict[str, re.Pattern[str]]:
    """msgid -> a pattern finding it as words, for every English text of both catalogues that
    ``lang`` translates differently (a text translated as itself is rightly left as it is)."""
    translated = translations(lang)
    out = {}
    for msgid, said in translated.items():
        if said == msgid:
            continue
        pieces = re.split(r"\{\w+\}", msgid)
        if not any(re.search(r"[A-Za-z]{2}", p) for p in pieces):
            continue  # nothing English in it but placeholders
        body = r".+?".join(re.escape(p) for p in pieces)
        out[msgid] = re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)
    return out


def body_of(output: str, lang: str) -> str:
    """The output before the list of sources: citations are bibliographic, as published."""
    sources = i18n.label("sources", lang)
    lines = output.splitlines()
    cut = max(i for i, line in enumerate(lines) if line.strip("─ ") == sources)
    return "\n".join(lines[:cut])


@pytest.mark.parametrize("lang", ["fr", "es"])
@pytest.mark.parametrize("area", ["NPL", "BRA"])
def test_profile_speaks_only_the_language(warehouse_url, lang, area):
    body = without_translations(
        body_of(run(warehouse_url, "profile", area, "--lang", lang), lang), lang
    )
    patterns = english_patterns(lang)
    assert len(patterns) > 500, "both catalogues are read"
    left = sorted(msgid for msgid, pattern in patterns.items() if pattern.search(body))
    assert left == [], f"English left in the {lang} profile of {area}: {left}"


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_nepal_numbers_have_decimal_commas_and_are_rounded(warehouse_url, lang):
    body = body_of(run(warehouse_url, "profile", "NPL", "--lang", lang), lang)
    assert "21,7\u00a0%" in body and "23,1\u00a0%" in body  # 21.71 and 23.07 in the store
    assert "19,3\u00a0%" in body  # girls, economic activity only: 19.2504 in the store
    # Names hold numbers with points (Alliance 8.7, SDG 8.7.1); Spanish groups by 1.000.
    numbers = re.sub(r"(Alliance|Alianza) 8\.7|\d+\.\d+\.\d+", "", body)
    assert not re.search(r"\d\.(?!\d{3}(?!\d))\d", numbers), "no decimal point"
    assert not re.search(r"\d,\d{2,}", body), "no unrounded value"
    percents = re.findall(r"(\d[\d,]*)\u00a0%", body)
    assert percents and all(re.fullmatch(r"\d+,\d", p) for p in percents), percents
    millions = "27,6 millions" if lang == "fr" else "27,6 millones"
    assert millions in body


def test_nepal_in_french_has_its_words(warehouse_url):
    body = body_of(run(warehouse_url, "profile", "NPL", "--lang", "fr"), "fr")
    for words in (
        "5-17 ans",
        "dernière valeur entre 2013 et 2021 (année non précisée)",
        "Travail des enfants, y compris les tâches ménagères non rémunérées dangereuses",
        "Résolution de la 18e CIST (2008)",
        "année la plus récente entre 2013 et 2021 ; l'année n'est pas précisée par la source",
        "Briques",
        "Textiles ornementés",
    ):
        assert words in body, words


def test_brazil_in_spanish_writes_dates_goods_and_minimum_age(warehouse_url):
    out = run(warehouse_url, "profile", "BRA", "--lang", "es")
    assert "28 de junio de 2001 (edad mínima 16 años)" in out
    assert "Bayas de asaí" in out and "Caña de azúcar" in out
    assert "Licencia: Obra del Gobierno federal de los Estados Unidos" in out


def test_english_keeps_its_meaning(warehouse_url):
    out = run(warehouse_url, "profile", "NPL", "--lang", "en")
    for words in (
        "Nepal",
        "21.7 %",
        "19.3 %",
        "5-17 years",
        "latest in 2013-2021 (year not given)",
        "Child labour including hazardous unpaid household chores (SDG 8.7.1, from 2018).",
        "19th ICLS (2013) as used for SDG 8.7.1",
        "most recent year in 2013-2021; the year is not given by the source",
        "Bricks",
        "27.6 million",
        "Licence: US federal government work, public domain (17 USC 105).",
    ):
        assert words in out, words
    assert "19.2504" not in out and "21,7" not in out


def test_query_and_progress_write_numbers_and_codes_in_the_language(warehouse_url):
    table = run(
        warehouse_url, "query", "-s", "SL_TLF_CHLDEC", "-a", "NPL", "--lang", "fr", "-f", "table"
    )
    assert "21,7\u00a0%" in table and "filles" in table and "5-17 ans" in table
    csv = run(
        warehouse_url, "query", "-s", "SL_TLF_CHLDEC", "-a", "NPL", "--lang", "fr", "-f", "csv"
    )
    assert ",21.71," in csv and "Y5T17" in csv  # data formats keep the stored values and codes
    es = run(warehouse_url, "progress", "-s", "GE_CHLD_LAB", "-a", "WLD", "--lang", "es")
    assert "137,6" in es and "todas las edades" not in es and "5-17 años" in es
    cells = "\n".join(line for line in es.splitlines() if line.startswith("│"))
    assert cells and not re.search(r"\d\.\d", cells), "tables: no decimal point"
    en = run(warehouse_url, "progress", "-s", "GE_CHLD_LAB", "-a", "WLD")
    assert "137.6" in en and "UN progress status" in en
    bad = runner.invoke(app, ["--database-url", warehouse_url, "query", "-s", "X", "--lang", "de"])
    assert bad.exit_code == 2 and "Unknown language" in bad.output
